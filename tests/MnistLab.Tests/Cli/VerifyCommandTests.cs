using System.Text.Json;
using MnistLab.Cli;
using MnistLab.Export;
using MnistLab.Import;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Cli;

[Collection(RealMnistCollection.Name)]
public class VerifyCommandTests(RealMnist mnist)
{
    [Fact]
    public void Verify_proves_an_imported_mlp_at_eps_0_02_and_crown_proves_at_least_what_ibp_does()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("mlp");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", model]));
        var runs = new Dictionary<string, JsonElement>();
        foreach (var method in new[] { "ibp", "crown" })
        {
            string out_ = dir.File(method);
            Assert.Equal(CliApp.Ok, CliApp.Run(["verify", "--model", model, "--eps", "0.02", "--images", "test:0:40", "--method", method, "--no-fetch", "--out", out_]));
            foreach (var f in new[] { "metrics.json", "report.md", "report.html", "margins.png", "hardest.png" }) Assert.True(File.Exists(Path.Combine(out_, f)), f);
            var m = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json"))).RootElement;
            runs[method] = m;
            int verified = m.GetProperty("verified").GetInt32(), falsified = m.GetProperty("falsified").GetInt32(), unknown = m.GetProperty("unknown").GetInt32();
            Assert.Equal(40, verified + falsified + unknown);
            Assert.Equal(verified / 40.0, m.GetProperty("certified_accuracy").GetDouble(), 12);
            Assert.True(m.GetProperty("certified_accuracy").GetDouble() <= m.GetProperty("pgd_accuracy").GetDouble());
            Assert.True(m.GetProperty("pgd_accuracy").GetDouble() <= m.GetProperty("clean_accuracy").GetDouble());
            var images = m.GetProperty("per_image").EnumerateArray().ToList();
            Assert.Equal(40, images.Count);
            foreach (var i in images)
            {
                string verdict = i.GetProperty("verdict").GetString()!;
                double bound = i.GetProperty("margin_bound").GetDouble();
                Assert.Equal(9, i.GetProperty("margins").GetArrayLength());
                if (verdict == "verified") Assert.True(bound > 0);
                if (verdict == "unknown") Assert.True(bound <= 0);
                if (verdict == "falsified") Assert.NotEqual(i.GetProperty("label").GetInt64(), i.GetProperty("counterexample_class").GetInt64());
            }
            if (falsified > 0)
            {
                var npy = NpyReader.Read(Path.Combine(out_, "counterexamples.npy"));
                Assert.Equal([falsified, 1, 28, 28], npy.Shape);
            }
        }
        // The fixture is a plain MLP trained without robustness: at 0.02 CROWN proves most images and IBP fewer.
        Assert.True(runs["crown"].GetProperty("verified").GetInt32() >= runs["ibp"].GetProperty("verified").GetInt32());
        Assert.True(runs["crown"].GetProperty("certified_accuracy").GetDouble() >= 0.7);
        var crown = runs["crown"].GetProperty("per_image").EnumerateArray().Select(i => i.GetProperty("margin_bound").GetDouble()).ToList();
        var ibp = runs["ibp"].GetProperty("per_image").EnumerateArray().Select(i => i.GetProperty("margin_bound").GetDouble()).ToList();
        Assert.All(crown.Zip(ibp), p => Assert.True(p.First >= p.Second - 1e-9));
        // The attack drew from the same seed: the same images are falsified by both runs.
        Assert.Equal(runs["ibp"].GetProperty("falsified").GetInt32(), runs["crown"].GetProperty("falsified").GetInt32());
    }

    [Fact]
    public void Complete_verification_answers_every_image_crown_leaves_unknown_and_an_attack_breaks_none_it_proves()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("mlp");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", model]));
        var runs = new Dictionary<string, JsonElement>();
        foreach (var method in new[] { "crown", "complete" })
        {
            Assert.Equal(CliApp.Ok, CliApp.Run(["verify", "--model", model, "--eps", "0.05", "--images", "test:0:40", "--method", method, "--timeout", "30", "--no-fetch", "--out", dir.File(method)]));
            runs[method] = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File(method), "metrics.json"))).RootElement;
        }
        int Count(string method, string key) => runs[method].GetProperty(key).GetInt32();
        // At 0.05 CROWN leaves a quarter of the images open; branch and bound decides every one of them well inside the limit.
        Assert.True(Count("crown", "unknown") >= 5, $"CROWN left only {Count("crown", "unknown")} images unknown: too few to test branching");
        Assert.Equal(0, Count("complete", "unknown"));
        Assert.True(Count("complete", "falsified") >= Count("crown", "falsified"));
        var crown = runs["crown"].GetProperty("per_image").EnumerateArray().ToList();
        var complete = runs["complete"].GetProperty("per_image").EnumerateArray().ToList();
        var proved = new List<long>();
        for (int i = 0; i < 40; i++)
        {
            string before = crown[i].GetProperty("verdict").GetString()!, after = complete[i].GetProperty("verdict").GetString()!;
            if (before != "unknown") Assert.Equal(before, after); // what CROWN decided, branching does not undo
            if (after == "verified") Assert.True(complete[i].GetProperty("margin_bound").GetDouble() > 0);
            if (before == "unknown" && after == "verified") proved.Add(complete[i].GetProperty("index").GetInt64());
        }
        Assert.NotEmpty(proved);

        // A far stronger attack than verify's own (50 restarts of 200 steps) finds nothing in the balls branching proved.
        using var loaded = LoadedModel.FromFolder(model);
        var test = mnist.Data.Test;
        using var index = TorchSharp.torch.tensor(proved.ToArray());
        using var images = loaded.Input(test.Images.index_select(0, index));
        long[] labels = [.. test.Labels.index_select(0, index).data<long>()];
        using var g = new TorchSharp.torch.Generator(5);
        var found = MnistLab.Analysis.Verification.Pgd.Attack(loaded.Model, images, labels, 0.05, new() { Restarts = 50, Steps = 200 }, g);
        Assert.All(found, f => Assert.Null(f));
    }

    [Fact]
    public void Certify_writes_a_certificate_per_verified_image_that_verify_check_accepts_and_a_wider_ball_is_rejected()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("mlp");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("mlp.pt"), "--arch", ModelFixtures.File("mlp.json"), "--no-fetch", "--out", model]));
        string out_ = dir.File("out");
        Assert.Equal(CliApp.Ok, CliApp.Run(["verify", "--model", model, "--eps", "0.03", "--images", "test:0:10", "--method", "complete", "--certify", "--no-fetch", "--out", out_]));
        var m = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json"))).RootElement;
        var indices = m.GetProperty("certificates").GetProperty("indices").EnumerateArray().Select(i => i.GetInt64()).ToList();
        Assert.Equal(m.GetProperty("verified").GetInt32(), indices.Count);
        Assert.NotEmpty(indices);
        foreach (var i in indices)
            Assert.Equal(CliApp.Ok, CliApp.Run(["verify-check", Path.Combine(out_, "certificates", $"{i}.json"), "--model", model]));
        // The same proof claimed for a ball one ulp wider than its box.
        var c = MnistLab.Analysis.Verification.Certificates.Certificate.Read(Path.Combine(out_, "certificates", $"{indices[0]}.json"));
        c = c with { Ball = c.Ball! with { Eps = Math.BitIncrement(c.Ball.Eps) } };
        c.Write(dir.File("wider.json"));
        Assert.Equal(CliApp.Failure, CliApp.Run(["verify-check", dir.File("wider.json"), "--model", model]));
    }

    [Theory]
    [InlineData("--eps", "2", "--eps must be a number from 0 to 1")]
    [InlineData("--method", "alpha", "--method must be ibp, crown, alpha-crown or complete, got 'alpha'")]
    [InlineData("--images", "test:5", "images must be SPLIT:START:END")]
    public void A_bad_value_is_bad_usage_naming_the_flag_and_nothing_is_written(string flag, string value, string said)
    {
        using var dir = new TempDir();
        using var p = CliProcess.Start("verify", "--model", ModelFixtures.File("."), flag, value, "--no-fetch", "--out", dir.File("out"));
        Assert.Equal(CliApp.Usage, p.Wait(TimeSpan.FromMinutes(1)));
        Assert.Contains(said, p.Words);
        Assert.DoesNotContain("   at ", p.Output);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void The_vnnlib_form_takes_its_own_flags_only()
    {
        using var dir = new TempDir();
        string onnx = ModelFixtures.File("mlp.onnx");
        Assert.Equal(CliApp.Usage, CliApp.Run(["verify", "--onnx", onnx, "--result", dir.File("r.txt")])); // no --vnnlib
        Assert.Equal(CliApp.Usage, CliApp.Run(["verify", "--onnx", onnx, "--vnnlib", dir.File("p.vnnlib"), "--eps", "0.1"]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["verify", "--model", ModelFixtures.File("."), "--result", dir.File("r.txt"), "--out", dir.File("out")]));
        Assert.Equal(CliApp.Usage, CliApp.Run(["verify", "--onnx", onnx, "--vnnlib", dir.File("none.vnnlib")])); // no such file
        Assert.False(File.Exists(dir.File("r.txt")));
    }

    [Fact]
    public void A_model_with_a_layer_verify_cannot_read_is_refused_by_the_layer_s_name()
    {
        using var dir = new TempDir();
        _ = mnist.Data;
        string model = dir.File("clip");
        Assert.Equal(CliApp.Ok, CliApp.Run(["model", "import", "--from", ModelFixtures.File("clip_mlp.onnx"), "--no-fetch", "--out", model]));
        using var p = CliProcess.Start("verify", "--model", model, "--images", "test:0:4", "--no-fetch", "--out", dir.File("out"));
        Assert.Equal(CliApp.Failure, p.Wait(TimeSpan.FromMinutes(1)));
        Assert.Contains("verify reads the model as a chain of layers and cannot: ConstantPad2d is not a layer", p.Words);
        Assert.False(Directory.Exists(dir.File("out")) && Directory.EnumerateFileSystemEntries(dir.File("out")).Any());
    }
}
