using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MnistLab.Common;
using TorchSharp;

namespace MnistLab.Natives;

/// <summary>
/// Makes TorchSharp's native glue, libLibTorchSharp.so, load wherever MnistLab goes: a build of this repository, the
/// mnistlab tool, or any program that references the MnistLab.Core package.
/// </summary>
/// <remarks>
/// TorchSharp 0.107.0's libLibTorchSharp.so asks for GLIBCXX_3.4.32, which the libstdc++ of Debian 12 (GCC 12) lacks
/// (<see cref="GlibcxxPatch"/>). This repository's builds and publishes patch the copy in their output folder, but a
/// program that references the package copies the unpatched file from the NuGet cache, and TorchSharp's own fallback
/// copies it again, unpatched, into a <c>cpu/</c> folder: the first tensor fails. A notebook's <c>#r "nuget: ..."</c> loads
/// TorchSharp straight from its package folder, with libtorch in another package folder (<see cref="LibtorchFolder"/>). So, once per process and before
/// TorchSharp's first call (the module initializer below runs before any MnistLab code), MnistLab reads the file where
/// TorchSharp will look for it; only if it needs GLIBCXX_3.4.32 and the system libstdc++ lacks it does it write a
/// patched copy into its own cache (the NuGet cache and the program's folder are left alone) and load that copy. The
/// copy's SONAME is libLibTorchSharp.so, so when TorchSharp then asks the dynamic loader for the library by name it
/// gets the copy already in the process. Where the system libstdc++ has the version (Ubuntu 24.04, Debian 13) nothing is copied.
/// A failure is kept, not thrown from the initializer (commands that never touch libtorch must still work), and
/// <see cref="EnsureLoaded"/> reports it in one message naming the file and the loader's error.
/// </remarks>
public static class LibTorchNatives
{
    const string LibraryFile = "libLibTorchSharp.so";

    /// <summary>
    /// The <see cref="NativeLoad.Description"/> when nothing needed doing: the system libstdc++ has the version, or the
    /// file TorchSharp will load is already patched (a build or publish output), or not Linux.
    /// </summary>
    public const string WhereTorchSharpFindsIt = "TorchSharp's own lookup: no copy needed";

    static readonly Lazy<NativeLoad> Outcome = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What was loaded, or why nothing could be.</summary>
    public sealed record NativeLoad(string Description, string? Error);

    // A library's module initializer is the one hook that runs before a program's first use of MnistLab, and so
    // before the first tensor MnistLab makes; it never throws (see the remarks).
#pragma warning disable CA2255
    [ModuleInitializer]
    internal static void Initialize() => _ = Outcome.Value;
#pragma warning restore CA2255

    /// <summary>How libLibTorchSharp.so was loaded in this process (or why it could not be).</summary>
    public static NativeLoad Status => Outcome.Value;

    /// <summary>
    /// Throws <see cref="MnistLabException"/> naming what failed when libLibTorchSharp.so could not be made loadable.
    /// Every mnistlab command calls it first (<see cref="TorchSetup.SetThreads"/>); a program that calls TorchSharp
    /// before any MnistLab code calls it first too (that also runs the module initializer), and one that wants this
    /// message rather than TorchSharp's may call it at any time.
    /// </summary>
    public static void EnsureLoaded()
    {
        var outcome = Outcome.Value;
        if (outcome.Error is not null) throw new MnistLabException(outcome.Error);
    }

    /// <summary>The folder MnistLab writes patched copies into: <c>$XDG_CACHE_HOME/mnistlab/natives</c> or <c>~/.cache/mnistlab/natives</c>.</summary>
    public static string CacheFolder()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrWhiteSpace(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "mnistlab", "natives");
    }

    static NativeLoad Load()
    {
        // Decided from the files alone (two ELF headers read, milliseconds): a process that never makes a tensor, or
        // runs where nothing needs doing, loads no native library here.
        if (!OperatingSystem.IsLinux())
            return new(WhereTorchSharpFindsIt, null);
        var torchSharp = typeof(torch).Assembly; // loads TorchSharp.dll; torch's static constructor does not run
        string? system, source;
        try
        {
            system = GlibcxxPatch.FindSystemLibrary();
            if (system is null || GlibcxxPatch.Defines(system))
                return new(WhereTorchSharpFindsIt, null);
            source = FindSource(torchSharp);
            if (source is null || !GlibcxxPatch.Needed(source))
                return new(WhereTorchSharpFindsIt, null); // a build or publish output, already patched (or nothing found: TorchSharp's message says where it looked)
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new($"left to TorchSharp: {OneLine(e.Message)}", null); // a file that cannot be read as ELF: TorchSharp may still load
        }

        try
        {
            LoadLibtorch(Path.GetDirectoryName(source)!, torchSharp);
            string copy = PatchedCopy(source);
            NativeLibrary.Load(copy);
            if (!NativeLibrary.TryLoad("LibTorchSharp", torchSharp, null, out _))
                return new(copy, $"loaded a patched copy of {source} as {copy}, but TorchSharp's lookup of LibTorchSharp still fails.");
            return new($"a copy of {source} with {GlibcxxPatch.Version} optional: {copy}", null);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or IOException
                                      or UnauthorizedAccessException or InvalidDataException or MnistLabException)
        {
            return new(source, $"libtorch's glue {source} needs {GlibcxxPatch.Version}, which {system} lacks, and a patched copy "
                + $"could not be loaded: {OneLine(e.Message)}");
        }
    }

    /// <summary>
    /// The file TorchSharp would load: in the folders the host resolves native assets from (an application's deps.json
    /// names runtimes/linux-x64/native), beside TorchSharp.dll, or in the TorchSharp package it came from.
    /// </summary>
    static string? FindSource(System.Reflection.Assembly torchSharp)
    {
        var folders = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searched)
            folders.AddRange(searched.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        string? assemblyFolder = Path.GetDirectoryName(torchSharp.Location);
        if (!string.IsNullOrEmpty(assemblyFolder))
        {
            folders.Add(assemblyFolder);
            folders.Add(Path.Combine(assemblyFolder, "runtimes", "linux-x64", "native"));
            folders.Add(Path.Combine(assemblyFolder, "..", "..", "runtimes", "linux-x64", "native"));
        }
        return folders.Select(f => Path.GetFullPath(Path.Combine(f, LibraryFile))).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// libtorch.so (and through it libtorch_cpu.so and libc10.so) first, from beside the original or from the libtorch
    /// package folder TorchSharp's would sit beside (<see cref="LibtorchFolder"/>): the copy lives in another folder, so
    /// its $ORIGIN run path cannot find them; already loaded, they satisfy it by their SONAMEs. Never by a search by
    /// name, which could find another libtorch (Debian's python3-torch installs one system-wide).
    /// </summary>
    static void LoadLibtorch(string sourceFolder, System.Reflection.Assembly torchSharp) =>
        NativeLibrary.Load(Path.Combine(LibtorchFolder.Find(sourceFolder, torchSharp.Location), "libtorch.so"));

    /// <summary>
    /// The patched copy in <see cref="CacheFolder"/> (or the temp folder if that cannot be written), named by the
    /// original's hash; written atomically, and rewritten if what is there is not exactly the patched original.
    /// </summary>
    static string PatchedCopy(string source)
    {
        byte[] original = File.ReadAllBytes(source);
        var elf = ElfFile.Parse(original.ToArray(), source);
        elf.MarkWeak(GlibcxxPatch.Version);
        byte[] patched = elf.Bytes;
        string key = Convert.ToHexStringLower(SHA256.HashData(original))[..16];

        var failures = new List<string>();
        foreach (string root in new[] { CacheFolder(), Path.Combine(Path.GetTempPath(), $"mnistlab-natives-{Environment.UserName}") })
        {
            string folder = Path.Combine(root, $"libtorchsharp-{key}");
            string copy = Path.Combine(folder, LibraryFile);
            try
            {
                if (File.Exists(copy) && File.ReadAllBytes(copy).AsSpan().SequenceEqual(patched)) return copy;
                Directory.CreateDirectory(folder);
                // Another process (a sweep's points start side by side) may write the same copy: each writes its own
                // temporary file and renames it into place, so a reader never sees half a library.
                string temp = Path.Combine(folder, $".{LibraryFile}.{Environment.ProcessId}.tmp");
                File.WriteAllBytes(temp, patched);
                File.Move(temp, copy, overwrite: true);
                return copy;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add($"{folder}: {OneLine(e.Message)}");
            }
        }
        throw new MnistLabException($"could not write a patched copy of {source} ({string.Join("; ", failures)}).");
    }

    static string OneLine(string message) => string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
