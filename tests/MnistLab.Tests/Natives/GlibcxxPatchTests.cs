using System.Buffers.Binary;
using System.Text;
using MnistLab.Natives;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Natives;

public class GlibcxxPatchTests
{
    /// <summary>
    /// A minimal ELF64 file with a .dynstr and either a version-needs table (needing the given versions of
    /// libstdc++.so.6) or a version-definitions table (defining them), as the loader would read it.
    /// </summary>
    static byte[] Elf(string[] versions, bool define = false)
    {
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        int Str(string s) { int at = (int)strtab.Length; strtab.Write(Encoding.ASCII.GetBytes(s + "\0")); return at; }
        int lib = Str("libstdc++.so.6");
        int[] names = versions.Select(Str).ToArray();

        var table = new byte[define ? 20 + versions.Length * 28 : 16 + versions.Length * 16];
        if (!define)
        {
            // Elf64_Verneed: version, cnt, file, aux, next; then Elf64_Vernaux: hash, flags, other, name, next
            BinaryPrimitives.WriteUInt16LittleEndian(table.AsSpan(0), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(table.AsSpan(2), (ushort)versions.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(4), (uint)lib);
            BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(8), 16);
            for (int i = 0; i < versions.Length; i++)
            {
                int aux = 16 + i * 16;
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(aux + 8), (uint)names[i]);
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(aux + 12), i == versions.Length - 1 ? 0u : 16u);
            }
        }
        else
        {
            table = new byte[versions.Length * 28];
            for (int i = 0; i < versions.Length; i++)
            {
                // Elf64_Verdef (20 bytes): version, flags, ndx, cnt, hash, aux, next; then Elf64_Verdaux: name, next
                int d = i * 28;
                BinaryPrimitives.WriteUInt16LittleEndian(table.AsSpan(d), 1);
                BinaryPrimitives.WriteUInt16LittleEndian(table.AsSpan(d + 6), 1);
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(d + 12), 20);
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(d + 16), i == versions.Length - 1 ? 0u : 28u);
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(d + 20), (uint)names[i]);
            }
        }

        byte[] strings = strtab.ToArray();
        int strOff = 64, tabOff = strOff + strings.Length, shOff = (tabOff + table.Length + 7) / 8 * 8;
        var file = new byte[shOff + 3 * 64];
        file[0] = 0x7f; file[1] = (byte)'E'; file[2] = (byte)'L'; file[3] = (byte)'F'; file[4] = 2; file[5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(0x28), (ulong)shOff);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(0x3A), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(0x3C), 3);
        strings.CopyTo(file, strOff);
        table.CopyTo(file, tabOff);
        void Section(int index, uint type, int offset, int size, uint link, uint info)
        {
            int sh = shOff + index * 64;
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(sh + 4), type);
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(sh + 24), (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(sh + 32), (ulong)size);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(sh + 40), link);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(sh + 44), info);
        }
        Section(1, 3, strOff, strings.Length, 0, 0); // SHT_STRTAB
        Section(2, define ? 0x6ffffffdu : 0x6ffffffeu, tabOff, table.Length, 1, define ? (uint)versions.Length : 1u);
        return file;
    }

    [Fact]
    public void Marks_only_the_missing_version_weak_and_changes_nothing_else()
    {
        using var dir = new TempDir();
        byte[] original = Elf(["GLIBCXX_3.4.30", GlibcxxPatch.Version, "GLIBCXX_3.4.9"]);
        File.WriteAllBytes(dir.File("lib.so"), original);
        File.WriteAllBytes(dir.File("old-libstdc++.so.6"), Elf(["GLIBCXX_3.4.29", "GLIBCXX_3.4.30"], define: true));

        Assert.Equal(PatchOutcome.Patched, GlibcxxPatch.Apply(dir.File("lib.so"), dir.File("old-libstdc++.so.6")));

        var needs = ElfFile.Read(dir.File("lib.so")).VersionNeeds();
        Assert.Equal(["GLIBCXX_3.4.30", GlibcxxPatch.Version, "GLIBCXX_3.4.9"], needs.Select(n => n.Version));
        Assert.All(needs, n => Assert.Equal("libstdc++.so.6", n.Library));
        Assert.Equal([0, ElfFile.VerFlagWeak, 0], needs.Select(n => (int)n.Flags));
        var patched = File.ReadAllBytes(dir.File("lib.so"));
        Assert.Equal(1, patched.Zip(original).Count(p => p.First != p.Second)); // one byte, the flags
    }

    [Fact]
    public void Is_idempotent()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("lib.so"), Elf([GlibcxxPatch.Version]));
        Assert.Equal(PatchOutcome.Patched, GlibcxxPatch.Apply(dir.File("lib.so"), null));
        byte[] once = File.ReadAllBytes(dir.File("lib.so"));
        Assert.Equal(PatchOutcome.AlreadyPatched, GlibcxxPatch.Apply(dir.File("lib.so"), null));
        Assert.Equal(once, File.ReadAllBytes(dir.File("lib.so")));
    }

    [Fact]
    public void Does_nothing_where_the_system_library_has_the_version()
    {
        using var dir = new TempDir();
        byte[] original = Elf([GlibcxxPatch.Version]);
        File.WriteAllBytes(dir.File("lib.so"), original);
        File.WriteAllBytes(dir.File("new-libstdc++.so.6"), Elf(["GLIBCXX_3.4.30", "GLIBCXX_3.4.31", GlibcxxPatch.Version], define: true));
        Assert.Equal(PatchOutcome.NotNeededSystemHasVersion, GlibcxxPatch.Apply(dir.File("lib.so"), dir.File("new-libstdc++.so.6")));
        Assert.Equal(original, File.ReadAllBytes(dir.File("lib.so")));
    }

    [Fact]
    public void Does_nothing_to_a_library_without_that_requirement()
    {
        using var dir = new TempDir();
        byte[] original = Elf(["GLIBCXX_3.4.30"]);
        File.WriteAllBytes(dir.File("lib.so"), original);
        Assert.Equal(PatchOutcome.NotNeededNoSuchRequirement, GlibcxxPatch.Apply(dir.File("lib.so"), null));
        Assert.Equal(original, File.ReadAllBytes(dir.File("lib.so")));
    }

    [Fact]
    public void Refuses_a_file_that_is_not_elf64_naming_it()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("lib.so"), "not an ELF file at all, just text that is long enough for a header.........");
        var e = Assert.Throws<InvalidDataException>(() => GlibcxxPatch.Apply(dir.File("lib.so"), null));
        Assert.Contains(dir.File("lib.so"), e.Message);
    }

    [Fact]
    public void The_build_made_this_test_runs_copy_loadable_without_touching_the_nuget_cache()
    {
        // The test host itself runs TorchSharp, so reaching this line already proves the copy loads; here we
        // check that the build did it the intended way.
        string copy = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(copy), copy);
        string? system = GlibcxxPatch.FindSystemLibrary();
        bool systemHasIt = system is not null && ElfFile.Read(system).VersionDefinitions().Contains(GlibcxxPatch.Version);
        var need = ElfFile.Read(copy).VersionNeeds().Single(n => n.Version == GlibcxxPatch.Version);
        Assert.Equal(!systemHasIt, (need.Flags & ElfFile.VerFlagWeak) != 0);

        string cache = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(cache))
            Assert.Equal(0, ElfFile.Read(cache).VersionNeeds().Single(n => n.Version == GlibcxxPatch.Version).Flags & ElfFile.VerFlagWeak);
    }
}
