namespace MnistLab.Natives;

/// <summary>What <see cref="GlibcxxPatch.Apply"/> did.</summary>
internal enum PatchOutcome
{
    Patched,
    AlreadyPatched,
    NotNeededSystemHasVersion,
    NotNeededNoSuchRequirement,
}

/// <summary>
/// libLibTorchSharp.so (TorchSharp 0.107.0) is built with GCC 13, whose &lt;iostream&gt; makes every object
/// reference <c>std::ios_base_library_init()</c> at version GLIBCXX_3.4.32. No relocation uses that
/// symbol, so the library runs on an older libstdc++ (GCC 12, GLIBCXX_3.4.30) once the loader is told the
/// version is optional: the VER_FLG_WEAK bit of its version-needs entry. Where the version exists the bit changes
/// nothing. Only copies are ever changed (a build or publish output, MnistLab's own cache: <see cref="LibTorchNatives"/>),
/// never the NuGet cache.
/// </summary>
internal static class GlibcxxPatch
{
    public const string Version = "GLIBCXX_3.4.32";

    /// <summary>Where Debian, Ubuntu, Fedora and Arch keep the system libstdc++.</summary>
    public static readonly string[] SystemLibraryCandidates =
    [
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    ];

    /// <summary>The first system libstdc++ that exists, or null.</summary>
    public static string? FindSystemLibrary() => SystemLibraryCandidates.FirstOrDefault(File.Exists);

    /// <summary>True when <paramref name="systemLibrary"/> (a libstdc++) defines <see cref="Version"/>.</summary>
    public static bool Defines(string systemLibrary) => ElfFile.Read(systemLibrary).VersionDefinitions().Contains(Version);

    /// <summary>True when the ELF file <paramref name="library"/> needs <see cref="Version"/> and does not yet mark it optional.</summary>
    public static bool Needed(string library) =>
        ElfFile.Read(library).VersionNeeds().Any(n => n.Version == Version && (n.Flags & ElfFile.VerFlagWeak) == 0);

    /// <summary>
    /// Patches <paramref name="target"/> in place (atomically) when the system library lacks the version; with a null
    /// <paramref name="systemLibrary"/>, always (a published folder runs on other machines than the one that built it).
    /// </summary>
    public static PatchOutcome Apply(string target, string? systemLibrary)
    {
        if (systemLibrary is not null && Defines(systemLibrary))
            return PatchOutcome.NotNeededSystemHasVersion;

        var elf = ElfFile.Read(target);
        var needs = elf.VersionNeeds().Where(n => n.Version == Version).ToList();
        if (needs.Count == 0) return PatchOutcome.NotNeededNoSuchRequirement;
        if (elf.MarkWeak(Version) == 0) return PatchOutcome.AlreadyPatched;

        // Write beside the target and rename over it: a build killed mid-write leaves the old file whole,
        // and a hard link into the NuGet cache (if the SDK made one) is replaced, not written through.
        string temp = target + ".patching";
        File.WriteAllBytes(temp, elf.Bytes);
        File.Move(temp, target, overwrite: true);
        return PatchOutcome.Patched;
    }
}
