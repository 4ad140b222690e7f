using MnistLab.Common;
using MnistLab.Reports;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Cli;

/// <summary>
/// Output that cannot be written: a folder inside a file, a read-only file system, a disk that fills up while
/// checkpoints or the report are written. Each gives a clear error and exit code 1, and leaves no partial file:
/// only whole checkpoints (for --resume), and never a report folder.
/// </summary>
[Collection(RealMnistCollection.Name)]
public class OutputFailureTests(RealMnist mnist)
{
    static readonly string[] Tiny = ["run", "linearity", "--models", "linear_ce", "--epochs", "1", "--threads", "1", "--no-fetch"];
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    static (int Code, string Output) Run(params string[] args)
    {
        using var p = CliProcess.Start(args);
        int code = p.Wait(Limit);
        return (code, p.Words);
    }

    /// <summary>Every file under <paramref name="root"/> is a checkpoint that reads back whole; nothing else was left.</summary>
    static void AssertOnlyWholeCheckpoints(string root)
    {
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            Assert.EndsWith(Checkpointing.Extension, file);
            Assert.False(Path.GetFileName(file).StartsWith('.'), $"temporary file left: {file}");
            Checkpoint.Read(file);
        }
    }

    [Fact]
    public void An_out_folder_inside_a_file_is_refused_before_training()
    {
        _ = mnist.Data;
        using var dir = new TempDir();
        File.WriteAllText(dir.File("notes.txt"), "keep");
        var (code, output) = Run([.. Tiny, "--out", Path.Combine(dir.File("notes.txt"), "report")]);
        Assert.Equal(CliAppExit.Failure, code);
        Assert.Contains("cannot write there", output);
        Assert.DoesNotContain("epoch 1:", output); // refused before any training
        Assert.DoesNotContain(" at MnistLab.", output); // no stack trace
        Assert.Equal("keep", File.ReadAllText(dir.File("notes.txt")));
    }

    /// <summary>A small tmpfs, or a visible skip where this machine gives no right to mount one.</summary>
    static SmallDisk Mount(int kilobytes, bool readOnly = false)
    {
        var disk = SmallDisk.TryMount(kilobytes, readOnly);
        Skip.If(disk is null, "cannot mount a small tmpfs here (mounting needs root or CAP_SYS_ADMIN)");
        return disk!;
    }

    [SkippableFact]
    public void A_disk_full_at_the_first_checkpoint_leaves_nothing_behind()
    {
        _ = mnist.Data;
        using var disk = Mount(kilobytes: 64);
        var (code, output) = Run([.. Tiny, "--out", Path.Combine(disk.Path, "report")]);
        Assert.Equal(CliAppExit.Failure, code);
        Assert.Contains("cannot write the checkpoint", output);
        Assert.Contains("No space left on device", output);
        Assert.DoesNotContain(" at MnistLab.", output);
        Assert.False(Directory.Exists(Path.Combine(disk.Path, "report")));
        AssertOnlyWholeCheckpoints(disk.Path);
    }

    [SkippableFact]
    public void A_disk_full_while_writing_the_report_keeps_the_old_report_and_the_checkpoints()
    {
        _ = mnist.Data;
        // Room for the checkpoint (about 100 KB) but not for the report's figures as well.
        using var disk = Mount(kilobytes: 200);
        string report = Path.Combine(disk.Path, "report");
        Directory.CreateDirectory(report);
        File.WriteAllText(Path.Combine(report, ReportFolder.Marker), "{\"earlier\": true}");

        var (code, output) = Run([.. Tiny, "--out", report]);
        Assert.Equal(CliAppExit.Failure, code);
        Assert.Contains("cannot write the report", output);
        Assert.Contains("No space left on device", output);
        Assert.Equal("{\"earlier\": true}", File.ReadAllText(Path.Combine(report, ReportFolder.Marker)));
        Assert.Equal([ReportFolder.Marker], Directory.GetFileSystemEntries(report).Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(ReportFolder.CheckpointsOf(report), Checkpointing.FileName("linear_ce"))), "the finished training is kept");
        AssertOnlyWholeCheckpoints(ReportFolder.StagingOf(report));
    }

    [SkippableFact]
    public void A_read_only_file_system_is_refused_before_training()
    {
        _ = mnist.Data;
        using var disk = Mount(kilobytes: 64, readOnly: true);
        var (code, output) = Run([.. Tiny, "--out", Path.Combine(disk.Path, "report")]);
        Assert.Equal(CliAppExit.Failure, code);
        Assert.Contains("cannot write there", output);
        Assert.Contains("Read-only file system", output);
        Assert.DoesNotContain("epoch 1:", output);
    }
}

/// <summary>The exit codes as the tests compare them.</summary>
static class CliAppExit
{
    public const int Failure = MnistLab.Cli.CliApp.Failure;
}
