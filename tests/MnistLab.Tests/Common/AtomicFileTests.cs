using MnistLab.Common;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Common;

public class AtomicFileTests
{
    [Fact]
    public void A_write_that_fails_half_way_leaves_the_old_file_and_no_temporary_one()
    {
        using var dir = new TempDir();
        string path = dir.File("data.bin");
        File.WriteAllText(path, "old");
        // The disk fills up after part of the new content is out, as ENOSPC would.
        var e = Assert.Throws<MnistLabException>(() => AtomicFile.Write(path, temp =>
        {
            File.WriteAllText(temp, "new, half");
            throw new IOException("No space left on device");
        }));
        Assert.Contains($"{path}: cannot write there (No space left", e.Message); // the user's file, not the temporary one
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["data.bin"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Temporary_files_match_the_pattern_runs_sweep()
    {
        using var dir = new TempDir();
        string seen = "";
        AtomicFile.Write(dir.File("a.ckpt"), temp => { seen = temp; File.WriteAllText(temp, "x"); });
        File.WriteAllText(seen, "left by a kill"); // as if a later save had died before its rename
        Assert.Equal([seen], Directory.GetFiles(dir.Path, AtomicFile.TempPattern(".ckpt")));
    }
}
