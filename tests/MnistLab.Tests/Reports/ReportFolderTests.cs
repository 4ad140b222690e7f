using MnistLab.Common;
using MnistLab.Reports;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Reports;

public class ReportFolderTests
{
    [Fact]
    public void Nothing_appears_until_commit_and_a_failed_run_leaves_the_old_report()
    {
        using var dir = new TempDir();
        string target = dir.File("report");
        using (var first = ReportFolder.Open(target))
        {
            first.WriteText("metrics.json", "{\"run\":1}");
            first.WriteText("old.png", "x");
            Assert.False(Directory.Exists(target));
            first.Commit();
        }
        using (var failed = ReportFolder.Open(target))
            failed.WriteText("metrics.json", "{\"run\":2}"); // disposed without commit, as when training throws

        Assert.Equal("{\"run\":1}", File.ReadAllText(Path.Combine(target, "metrics.json")));
        Assert.Equal(["report"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName)); // no staging left
    }

    [Fact]
    public void A_new_report_replaces_the_old_one_whole()
    {
        using var dir = new TempDir();
        string target = dir.File("report");
        using (var a = ReportFolder.Open(target)) { a.WriteText("metrics.json", "1"); a.WriteText("stale.png", "x"); a.Commit(); }
        using (var b = ReportFolder.Open(target)) { b.WriteText("metrics.json", "2"); b.Commit(); }
        Assert.Equal(["metrics.json"], Directory.GetFiles(target).Select(Path.GetFileName));
    }

    [Fact]
    public void A_folder_that_is_not_a_report_is_never_replaced()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("thesis.tex"), "precious");
        var e = Assert.Throws<InvalidOptionException>(() => ReportFolder.Open(dir.Path));
        Assert.Contains("not a MnistLab report", e.Message);
        Assert.True(File.Exists(dir.File("thesis.tex")));
    }

    [Fact]
    public void Written_json_uses_snake_case_and_parses()
    {
        using var dir = new TempDir();
        using (var r = ReportFolder.Open(dir.File("r"))) { r.WriteJson("metrics.json", new { TestAcc = 0.5, PerClass = new[] { 1.0 } }); r.Commit(); }
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("r/metrics.json")));
        Assert.Equal(0.5, doc.RootElement.GetProperty("test_acc").GetDouble());
    }

    [Fact]
    public void Plots_write_valid_png_files()
    {
        using var dir = new TempDir();
        using var r = ReportFolder.Open(dir.File("r"));
        Plots.Lines(r.PathOf("a.png"), "t", "x", "y", [("s", [1.0, 2.0, 1.5])]);
        Plots.DivergingGrid(r.PathOf("b.png"), Enumerable.Range(0, 10).Select(i => Enumerable.Range(0, 784).Select(p => (float)(p - 392) * i).ToArray()).ToList(),
            Enumerable.Range(0, 10).Select(i => i.ToString()).ToList(), 2, 5);
        Plots.Confusion(r.PathOf("c.png"), "cm", new int[3, 3] { { 5, 1, 0 }, { 0, 7, 2 }, { 1, 0, 9 } });
        foreach (var f in new[] { "a.png", "b.png", "c.png" })
        {
            var bytes = File.ReadAllBytes(r.PathOf(f));
            Assert.True(bytes.Length > 2000, $"{f} is only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4e, 0x47 }, bytes[..4]);
        }
    }
}
