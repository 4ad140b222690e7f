using System.IO.Compression;
using System.Xml.Linq;

namespace MnistLab.Tests.Packaging;

/// <summary>What the two packages hold: the library with its XML docs and README, the tool with its command and Linux x64 natives only.</summary>
[Collection(LocalFeedCollection.Name)]
public class PackageContentsTests(LocalFeed feed)
{
    static List<string> Entries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    static string Read(string package, string entry)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader((zip.GetEntry(entry) ?? throw new FileNotFoundException($"{entry} not in {package}")).Open());
        return reader.ReadToEnd();
    }

    [SkippableFact]
    public void The_library_package_has_its_docs_and_readme_and_depends_on_TorchSharp_and_libtorch()
    {
        Skip.If(feed.Unavailable is not null, feed.Unavailable);
        string package = feed.Package("MnistLab.Core");
        var entries = Entries(package);
        Assert.Contains("lib/net10.0/MnistLab.Core.dll", entries);
        Assert.Contains("lib/net10.0/MnistLab.Core.xml", entries);
        Assert.Contains("README.md", entries);

        var nuspec = XDocument.Parse(Read(package, "MnistLab.Core.nuspec"));
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        Assert.Equal(feed.Version, metadata.Element(ns + "version")?.Value);
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => (string?)d.Attribute("id")).ToList();
        Assert.Contains("TorchSharp", dependencies);
        Assert.Contains("libtorch-cpu-linux-x64", dependencies);
        Assert.DoesNotContain("ElfPatch", dependencies); // a build step, no part of the package
    }

    [SkippableFact]
    public void The_tool_package_answers_to_mnistlab_and_carries_only_Linux_x64_natives()
    {
        Skip.If(feed.Unavailable is not null, feed.Unavailable);
        string package = feed.Package("MnistLab.Cli");
        var settings = XDocument.Parse(Read(package, "tools/net10.0/any/DotnetToolSettings.xml"));
        var command = settings.Descendants("Command").Single();
        Assert.Equal("mnistlab", (string?)command.Attribute("Name"));
        Assert.Equal("mnistlab.dll", (string?)command.Attribute("EntryPoint"));

        var natives = Entries(package).Where(e => e.StartsWith("tools/net10.0/any/runtimes/", StringComparison.Ordinal)).ToList();
        Assert.Contains("tools/net10.0/any/runtimes/linux-x64/native/libtorch_cpu.so", natives);
        Assert.Contains("tools/net10.0/any/runtimes/linux-x64/native/libLibTorchSharp.so", natives);
        Assert.All(natives, e => Assert.StartsWith("tools/net10.0/any/runtimes/linux-x64/native/", e));
    }
}
