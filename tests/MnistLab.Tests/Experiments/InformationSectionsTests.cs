using System.Text.Json;
using MnistLab.Analysis.Probes;
using MnistLab.Analysis.Verification;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Experiments.Linearity;
using MnistLab.Experiments.LocalMi;
using MnistLab.Experiments.Ring;
using MnistLab.Experiments.VaeProbe;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Experiments;

/// <summary>The probe and information sections the experiments' reports carry, on tiny data.</summary>
public class InformationSectionsTests
{
    static readonly ProbeOptions Small = new() { Folds = 2, Bootstrap = 20, Null = 20, LogisticLambdas = [1e-1, 1e-2] };

    static Mnist Tiny(TempDir dir)
    {
        Digits.WriteIdxSet(dir.Path, train: 200, test: 60);
        return Mnist.Load(MnistLocator.TryFolder(dir.Path)!);
    }

    static JsonElement Metrics(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json"))).RootElement.Clone();

    [Fact]
    public void The_ring_report_probes_the_pixels_only_mlp_beside_the_pixels_and_a_random_copy()
    {
        using var dir = new TempDir();
        using var mnist = Tiny(dir);
        var options = new RingOptions
        {
            Train = new TrainOptions { Epochs = 1, BatchSize = 32 }, AblationSeeds = 1, Probe = RingProbeSection.Defaults with { Probe = Small },
            Dictionary = RingDictionarySection.Defaults with { Width = 32, K = 4, Epochs = 1, BatchSize = 64 },
        };
        var run = new RingExperiment().RunInto(options, dir.File("r"), LabData.Of(mnist));
        var probe = run.Result.Probe!;
        Assert.Equal(["pixels", "relu1", "random:relu1"], probe.Table.Layers.Select(l => l.Name));
        Assert.All(probe.Table.Probes, p => Assert.Equal("logistic", p.Kind));
        Assert.InRange(probe.RingFromClass, 0, 1);
        Assert.Contains("## Does the pixels-only MLP encode the ring?", File.ReadAllText(dir.File("r/report.md")));
        Assert.Equal(3, Metrics(dir.File("r")).GetProperty("probe").GetProperty("probes").GetArrayLength());
        // And whether it uses the ring: erased from the same layer, against random subspaces of the same rank.
        var erasure = run.Result.Erasure!;
        Assert.Equal(["ring", "class"], erasure.Rows.Select(x => x.Concept));
        Assert.InRange(erasure.Get("relu1", "ring").Rank, 0, 1); // a two-valued concept: one direction at most (none where the tiny digits never have a ring)
        Assert.Contains("## Does the pixels-only MLP use the ring?", File.ReadAllText(dir.File("r/report.md")));
        Assert.Equal(2, Metrics(dir.File("r")).GetProperty("erasure").GetArrayLength());
        // And whether it built a ring feature of its own: a dictionary of the same layer, its features scored against the concepts.
        var dictionary = run.Result.Dictionary!;
        Assert.Equal(32, dictionary.Dictionary.Width);
        Assert.InRange(dictionary.Metrics.L0, 0, 4 + 1e-9); // TopK keeps at most k codes per row
        Assert.Contains("## Did the pixels-only MLP build a ring feature of its own?", File.ReadAllText(dir.File("r/report.md")));
        Assert.Equal(32, Metrics(dir.File("r")).GetProperty("dictionary").GetProperty("width").GetInt32());

        var without = new RingExperiment().Run(options with { AblationSeeds = 0 }, LabData.Of(mnist), RunContext.None);
        Assert.Null(without.Probe); // the pixels-only MLP is trained by the ablation only
        Assert.Null(without.Erasure);
        Assert.Null(without.Dictionary);
    }

    [Fact]
    public void The_local_mi_report_tests_every_neuron_and_draws_the_information_plane()
    {
        using var dir = new TempDir();
        using var mnist = Tiny(dir);
        var options = new LocalMiExperimentOptions
        {
            Rule = new LocalMiOptions { EpochsPerLayer = 1, ReadoutEpochs = 1, BatchSize = 32 },
            Estimators = [MiEstimator.Hard], Orders = [UpdateOrder.Sequential],
            Significance = new NeuronSignificanceOptions { Bootstrap = 20, Null = 99 },
            Plane = new() { Bootstrap = 10 },
        };
        var r = new LocalMiExperiment().RunInto(options, dir.File("r"), LabData.Of(mnist)).Result;
        var neurons = r.Configs[0].Neurons!;
        Assert.Equal([16, 16], neurons.Select(l => l.Count));
        Assert.All(neurons.SelectMany(l => l), m => Assert.InRange(m.PNull, 0.01, 1));
        Assert.Null(r.Configs.Single(c => c.Key == "backprop").Neurons);
        // Each local layer before and after its epoch, and backprop's two points before and after its epoch.
        Assert.Equal(["local_hard_sequential layer1", "local_hard_sequential layer1", "local_hard_sequential layer2", "local_hard_sequential layer2",
                      "backprop", "backprop", "backprop", "backprop"], r.Plane!.Select(p => p.Training));
        string report = File.ReadAllText(dir.File("r/report.md"));
        Assert.Contains("## Which neurons carry information about the class", report);
        Assert.Contains("## Information plane of the local layers and of backprop", report);
        var m = Metrics(dir.File("r"));
        Assert.Equal(2, m.GetProperty("neuron_mi").GetProperty("configs").GetProperty("local_hard_sequential").GetArrayLength());
        Assert.Equal(8, m.GetProperty("information_plane").GetProperty("points").GetArrayLength());
        Assert.True(File.Exists(dir.File("r/plane_probe.png")) && File.Exists(dir.File("r/neuron_mi_local_hard_sequential.png")));
    }

    [Fact]
    public void The_vae_report_probes_every_encoder_layer_with_the_pixel_baseline()
    {
        using var dir = new TempDir();
        using var mnist = Tiny(dir);
        var options = new VaeProbeOptions
        {
            Train = new TrainOptions { Epochs = 1, BatchSize = 32 }, LambdaSweep = [1e-3], Folds = 2,
            EncoderProbe = EncoderProbeSection.Defaults with { Probe = Small },
            DecoderErasure = new DecoderErasureOptions { Controls = 2 },
            Dictionary = EncoderDictionarySection.Defaults with { Width = 32, K = 4, Epochs = 1, BatchSize = 64 },
            CertifiedProbe = null, // VaeProbeExperimentTests covers it
        };
        var r = new VaeProbeExperiment().RunInto(options, dir.File("r"), LabData.Of(mnist)).Result;
        Assert.Equal(["pixels", "enc.hidden", "mu", "logvar", "random:enc.hidden", "random:mu", "random:logvar"], r.Encoder!.Layers.Select(l => l.Name));
        Assert.Equal(21, r.Encoder.Probes.Count);
        Assert.All(r.Encoder.Probes, p => Assert.Equal("ridge", p.Kind));
        Assert.Contains("## Every encoder layer, with the pixel baseline", File.ReadAllText(dir.File("r/report.md")));
        Assert.Equal(21, Metrics(dir.File("r")).GetProperty("encoder_probe").GetProperty("probes").GetArrayLength());
        // And whether the decoder uses each concept: erased from mu (one direction for a scalar concept), against random directions.
        var erasure = r.DecoderErasure!;
        Assert.Equal(["slant", "thick", "size"], erasure.Select(x => x.Concept));
        Assert.All(erasure, x => Assert.InRange(x.Rank, 0, 1)); // a scalar concept: one direction at most (none where the tiny digits hold it constant)
        Assert.All(erasure.Where(x => x.Rank == 0), x => Assert.Equal(x.MseBefore, x.MseAfter)); // nothing erased, nothing changed
        Assert.Contains(erasure, x => x.Rank == 1 && x.Before is >= -1 and <= 1 && x.MseAfter != x.MseBefore);
        Assert.All(erasure, x => Assert.True(x.MseBefore > 0));
        Assert.Contains("## Does the decoder use what mu encodes?", File.ReadAllText(dir.File("r/report.md")));
        Assert.Equal(3, Metrics(dir.File("r")).GetProperty("decoder_erasure").GetArrayLength());
        // And whether the encoder built the concepts as features: a dictionary of its hidden layer, each feature against each concept.
        var dictionary = r.Dictionary!;
        Assert.Equal(32, dictionary.Dictionary.Width);
        Assert.InRange(dictionary.Metrics.L0, 0, 4 + 1e-9);
        Assert.Equal(["size", "thick", "slant"], dictionary.Concepts!.BestPerConcept.Select(f => f.Concept));
        Assert.All(dictionary.Concepts.BestPerConcept, f => Assert.InRange(f.Score, 0, 1));
        Assert.Contains("## Did the encoder build size, thickness and slant as features of its own?", File.ReadAllText(dir.File("r/report.md")));
        Assert.Equal(3, Metrics(dir.File("r")).GetProperty("dictionary").GetProperty("best").GetArrayLength());
        var without = new VaeProbeExperiment().Run(options with { DecoderErasure = null, EncoderProbe = null, Dictionary = null }, LabData.Of(mnist), RunContext.None);
        Assert.Null(without.DecoderErasure);
        Assert.Null(without.Dictionary);
    }

    [Fact]
    public void The_linearity_plane_watches_the_mlp_and_changes_none_of_its_numbers()
    {
        using var dir = new TempDir();
        using var mnist = Tiny(dir);
        var options = new LinearityOptions { Train = new TrainOptions { Epochs = 2, BatchSize = 32 }, ValidationSize = 20, Models = ["mlp_ce"], Plane = new() { Bootstrap = 10 } };
        var with = new LinearityExperiment().Run(options, LabData.Of(mnist), RunContext.None);
        var without = new LinearityExperiment().Run(options with { Plane = null }, LabData.Of(mnist), RunContext.None);
        Assert.Equal(without.Models[0].TestAcc, with.Models[0].TestAcc);
        Assert.Equal(without.Models[0].History.TrainLoss, with.Models[0].History.TrainLoss);
        Assert.Null(without.Plane);
        Assert.Equal([0, 0, 1, 1, 2, 2], with.Plane!.Select(p => p.Epoch));
    }

    [Fact]
    public void The_linearity_report_shares_each_class_out_over_the_mlps_hidden_units()
    {
        using var dir = new TempDir();
        using var mnist = Tiny(dir);
        var options = new LinearityOptions
        {
            Train = new TrainOptions { Epochs = 2, BatchSize = 32 }, ValidationSize = 20, Models = ["linear_ce", "mlp_ce"], MlpHidden = 16, Plane = null,
            UnitPatching = new UnitPatchingOptions { PairsPerClass = 5 },
            Certified = new CertifiedOptions { Epsilons = [0, 0.02], Images = 40 },
            ProofAttribution = new ProofAttributionOptions { Images = 10, Top = 20 },
        };
        var r = new LinearityExperiment().RunInto(options, dir.File("r"), LabData.Of(mnist)).Result;
        var classes = r.UnitPatching!;
        Assert.NotEmpty(classes);
        Assert.All(classes, c =>
        {
            Assert.Equal(16, c.Shares.Length);
            // Linear after relu1: the units' shares add up to the whole, and each estimate is its measurement.
            Assert.Equal(1, c.Shares.Sum(), 4);
            Assert.Equal(1, c.Correlation, 4);
            Assert.InRange(c.UnitsFor50, 1, c.UnitsFor90);
            Assert.True(c.Shares.OrderDescending().Take(c.UnitsFor90).Sum() >= 0.9 - 1e-9);
        });
        Assert.Contains("## Which hidden units does the MLP need for each class?", File.ReadAllText(dir.File("r/report.md")));
        Assert.Equal(classes.Count, Metrics(dir.File("r")).GetProperty("unit_patching").GetArrayLength());
        Assert.True(File.Exists(dir.File("r/unit_patching.png")));
        // Proved robustness: at radius 0 the proof is the prediction itself; at any radius proved ≤ unbroken by the attack ≤ clean.
        Assert.Equal(["linear_ce", "linear_ce", "mlp_ce", "mlp_ce"], r.Certified!.Select(x => x.Model));
        Assert.All(r.Certified.Where(x => x.Eps == 0), x => Assert.True(Math.Abs(x.Certified - x.Clean) < 1e-12 && Math.Abs(x.Pgd - x.Clean) < 1e-12, $"{x}"));
        Assert.All(r.Certified, x => Assert.True(x.Certified <= x.Pgd + 1e-12 && x.Pgd <= x.Clean + 1e-12, $"{x}"));
        Assert.Contains("## Proved robustness: certified accuracy", File.ReadAllText(dir.File("r/report.md")));
        Assert.Equal(4, Metrics(dir.File("r")).GetProperty("certified").GetArrayLength());
        // Attribution against the proof: the cost's own ranking agrees with itself, and for a linear model (whose bound is exact)
        // holding pixels fixed can only raise the proved margin.
        var proof = r.ProofAttribution!;
        Assert.Equal(["linear_ce", "mlp_ce"], proof.Select(x => x.Model).Distinct());
        Assert.All(proof.Where(x => x.Ranking == "proof cost"), x => Assert.True(x.Overlap == 1 && Math.Abs(x.Spearman - 1) < 1e-9, $"{x}"));
        var linearRows = proof.Where(x => x.Model == "linear_ce").ToList();
        Assert.Equal(["proof cost", "ig", "saliency", "input-x-gradient", "random"], linearRows.Select(x => x.Ranking));
        Assert.All(linearRows, x => Assert.True(x.Gain >= 0 && x.Overlap is >= 0 and <= 1, $"{x}"));
        Assert.Contains("## Do attributions point at the pixels that weaken the proof?", File.ReadAllText(dir.File("r/report.md")));
        var without = new LinearityExperiment().Run(options with { UnitPatching = null, Certified = null, ProofAttribution = null }, LabData.Of(mnist), RunContext.None);
        Assert.Null(without.UnitPatching);
        Assert.Null(without.Certified);
        Assert.Null(without.ProofAttribution);
    }

    [Fact]
    public void An_unknown_attribution_method_for_the_proof_section_is_refused_naming_the_option_and_the_methods()
    {
        var e = Assert.Throws<MnistLab.Common.InvalidOptionException>(() => new ProofAttributionOptions { Methods = ["ig", "gradcam"] }.Validated());
        Assert.Equal("ProofAttributionOptions.Methods", e.Option);
        Assert.Contains("'gradcam'", e.Message);
        Assert.Contains("saliency", e.Message);
    }
}
