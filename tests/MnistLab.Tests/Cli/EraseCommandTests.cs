using System.Diagnostics;
using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Cli;

[Collection(RealMnistCollection.Name)]
public class EraseCommandTests(RealMnist mnist)
{
    string ImportedMlp(TempDir dir)
    {
        _ = mnist.Data;
        string folder = dir.File("mlp");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", folder]));
        return folder;
    }

    [SkippableFact]
    public void Leace_leaves_no_linear_trace_on_new_images_and_erasing_the_class_costs_the_classifier_far_more_than_a_random_subspace()
    {
        using var dir = new TempDir();
        string model = ImportedMlp(dir), out_ = dir.File("erase");
        Assert.Equal(CliApp.Ok, CliApp.Run(["erase", "--model", model, "--layers", "1", "--concepts", "class,ring", "--fit-images", "3000",
            "--images", "test:0:1500", "--controls", "5", "--no-fetch", "--out", out_]));

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json")));
        var rows = doc.RootElement.GetProperty("erasure").EnumerateArray().ToList();
        Assert.Equal(["class", "ring"], rows.Select(r => r.GetProperty("concept").GetString()));
        foreach (var r in rows)
        {
            foreach (var key in new[] { "layer", "concept", "method", "rank", "probe_before", "probe_after", "acc_before", "acc_after", "control_acc_after" })
                Assert.True(r.TryGetProperty(key, out _), key);
            // The probe reads the concept before; after LEACE it scores what the constant predictor scores, within its interval.
            double before = r.GetProperty("probe_before").GetDouble(), after = r.GetProperty("probe_after").GetDouble(), constant = r.GetProperty("constant_score").GetDouble();
            var interval = r.GetProperty("probe_after_interval").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.True(before > constant + 0.15, $"{before} against the constant {constant}");
            Assert.True(interval[0] <= constant + 0.01 && after <= interval[1], $"after {after} [{interval[0]}, {interval[1]}], constant {constant}");
        }
        var cls = rows[0];
        Assert.Equal(9, cls.GetProperty("rank").GetInt32()); // ten classes: nine directions
        var control = cls.GetProperty("control_acc_after");
        Assert.True(cls.GetProperty("acc_before").GetDouble() > 0.9);
        Assert.True(cls.GetProperty("acc_after").GetDouble() < 0.3, "the only hidden layer without the class cannot classify");
        Assert.True(control.GetProperty("low").GetDouble() > 0.5, "nine random directions of 32 leave most of the accuracy");
        Assert.True(control.GetProperty("low").GetDouble() <= control.GetProperty("mean").GetDouble() && control.GetProperty("mean").GetDouble() <= control.GetProperty("high").GetDouble());
        foreach (var f in new[] { "report.md", "report.html", "encoded.png", "used.png", "erasers/1__class.npz", "erasers/1__ring.npz" })
            Assert.True(File.Exists(Path.Combine(out_, f)), f);

        // numpy reads the eraser: M is a projection (M² = M) of rank 9, mean has one value per unit.
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c",
            $"import numpy as np; e = np.load('{Path.Combine(out_, "erasers", "1__class.npz")}'); M = e['M']; " +
            "print(M.shape, e['mean'].shape, M.dtype, int(np.linalg.matrix_rank(M, tol=1e-6)), bool(np.abs(M @ M - M).max() < 1e-8))"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string said = p.StandardOutput.ReadToEnd().Trim(), error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Skip.If(error.Contains("No module named 'numpy'"), "numpy is not installed");
        Assert.True(p.ExitCode == 0, error);
        Assert.Equal("(32, 32) (32,) float64 9 True", said);
    }

    [Fact]
    public void Inlp_erases_with_an_orthogonal_projection_of_at_least_the_concepts_rank()
    {
        using var dir = new TempDir();
        string model = ImportedMlp(dir), out_ = dir.File("erase");
        Assert.Equal(CliApp.Ok, CliApp.Run(["erase", "--model", model, "--layers", "1", "--concepts", "ring", "--method", "inlp", "--fit-images", "2000",
            "--images", "test:0:1000", "--controls", "3", "--no-fetch", "--out", out_]));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json")));
        var row = doc.RootElement.GetProperty("erasure")[0];
        Assert.Equal("inlp", row.GetProperty("method").GetString());
        Assert.True(row.GetProperty("rank").GetInt32() >= 1);
        Assert.True(row.GetProperty("probe_after").GetDouble() < row.GetProperty("probe_before").GetDouble());
    }

    [Fact]
    public void A_point_too_wide_an_unknown_method_or_point_is_bad_usage_and_writes_nothing()
    {
        using var dir = new TempDir();
        string model = ImportedMlp(dir);
        Assert.Equal(CliApp.Usage, CliApp.Run(["erase", "--model", model, "--layers", "1", "--concepts", "ring", "--max-width", "16", "--fit-images", "100",
            "--images", "test:0:100", "--no-fetch", "--out", dir.File("a")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["erase", "--model", model, "--layers", "1", "--method", "pca", "--no-fetch", "--out", dir.File("b")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["erase", "--model", model, "--layers", "fc9", "--no-fetch", "--out", dir.File("c")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["erase", "--model", model, "--no-fetch", "--out", dir.File("d")]));
        foreach (var f in new[] { "a", "b", "c", "d" }) Assert.False(Directory.Exists(dir.File(f)) && Directory.EnumerateFileSystemEntries(dir.File(f)).Any(), f);
    }
}
