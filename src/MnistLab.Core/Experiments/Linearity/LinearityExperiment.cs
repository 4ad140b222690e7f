using MnistLab.Analysis;
using MnistLab.Benchmarks;
using MnistLab.Analysis.Verification;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Runs;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments.Linearity;

/// <summary>One model's outcome in the linearity experiment.</summary>
public sealed record LinearityModelResult(
    string Key, string Title, double TestAcc, TrainingHistory History, double TrainSeconds,
    ConfusionMatrix Confusion, float[][]? Templates)
{
    /// <summary>The mean Integrated Gradients map of each digit (10 x 784), see <see cref="LinearityAttribution"/>.</summary>
    public float[][]? MeanIg { get; init; }
}

public sealed record LinearityResult(LinearityOptions Options, IReadOnlyList<LinearityModelResult> Models)
{
    /// <summary>The MLP's information plane, when measured.</summary>
    public IReadOnlyList<Analysis.Information.PlanePoint>? Plane { get; init; }
    public double PlaneSeconds { get; init; }

    /// <summary>The MLP's hidden units each class needs, when measured.</summary>
    public IReadOnlyList<ClassUnits>? UnitPatching { get; init; }

    /// <summary>Each model's clean, PGD and certified accuracy at each radius, when measured.</summary>
    public IReadOnlyList<CertifiedRow>? Certified { get; init; }

    /// <summary>Attribution rankings against the pixels whose freedom costs the proofs, per model, when measured.</summary>
    public IReadOnlyList<ProofAttributionRow>? ProofAttribution { get; init; }
}

/// <summary>
/// Seed 003, "limits of linearity": (a) linear 784-10 trained with MSE between softmax and one-hot,
/// (b) linear 784-10 with cross-entropy, (c) MLP 784-256-10 with ReLU and cross-entropy. Each is trained
/// on 55,000 images, validated on 5,000 each epoch, and tested on the 10,000 test images.
/// </summary>
public sealed class LinearityExperiment : Experiment<LinearityOptions, LinearityResult>
{
    sealed record Spec(string Key, string Title, LossKind Loss, Func<LinearityOptions, ModelSpec> Model);

    static readonly Spec[] Specs =
    [
        new("linear_mse", "Linear + MSE(softmax, one-hot)", LossKind.SoftmaxMse, _ => new LinearSpec()),
        new("linear_ce", "Linear + cross-entropy", LossKind.CrossEntropy, _ => new LinearSpec()),
        new("mlp_ce", "MLP 784-256-10 ReLU + cross-entropy", LossKind.CrossEntropy, o => new MlpSpec(Hidden: o.MlpHidden)),
    ];

    public override string Name => "linearity";
    public override string Title => "Limits of linearity (seed 003)";
    public override string Question => "How far do linear models get on MNIST (MSE or cross-entropy), and what does one hidden layer add?";
    public override string SeedDocument => "003_7ea6a2ab9b1149bd.txt";

    public override LinearityOptions Defaults => new();
    public override LinearityOptions Quick => new() { Train = new TrainOptions { Epochs = 1 } };
    public override LinearityOptions WithSeed(LinearityOptions o, long seed) => o with { Seed = seed };
    public override long SeedOf(LinearityOptions o) => o.Seed;
    public override LinearityOptions Validated(LinearityOptions o) => o.Validated();
    public override BenchSection Bench => LinearityBench.Run;

    public override IReadOnlyList<Headline> Headlines { get; } =
    [
        new("linear_mse_test_acc", "linear + MSE: test accuracy", "linear MSE"),
        new("linear_ce_test_acc", "linear + cross-entropy: test accuracy", "linear CE"),
        new("mlp_ce_test_acc", "MLP: test accuracy", "MLP"),
        new("mlp_units_for_90", "MLP: hidden units that carry 90% of a class's evidence (activation patching, median over classes)", "MLP units for 90%", FigureKind.Count),
    ];

    public override IReadOnlyDictionary<string, double> Figures(LinearityResult r)
    {
        var f = r.Models.ToDictionary(m => $"{m.Key}_test_acc", m => m.TestAcc);
        if (r.UnitPatching is { Count: > 0 } classes) f["mlp_units_for_90"] = classes.Select(c => c.UnitsFor90).Order().ElementAt(classes.Count / 2);
        return f;
    }

    public override string Answer(IReadOnlyDictionary<string, double> f)
    {
        var linear = new[] { ("cross-entropy", "linear_ce_test_acc"), ("MSE", "linear_mse_test_acc") }.Where(p => f.ContainsKey(p.Item2))
            .Select(p => (Loss: p.Item1, Acc: f[p.Item2])).OrderByDescending(p => p.Acc).ToList();
        string best = linear.Count == 0 ? "" : $"A linear model reaches {Markdown.Pct(linear[0].Acc)} with {linear[0].Loss}" +
            (linear.Count > 1 ? $" ({Markdown.Pct(linear[1].Acc)} with {linear[1].Loss})" : "");
        if (!f.TryGetValue("mlp_ce_test_acc", out double mlp)) return best + ".";
        if (linear.Count == 0) return $"The MLP reaches {Markdown.Pct(mlp)}.";
        return $"{best}; one hidden ReLU layer adds {(mlp - linear[0].Acc) * 100:+0.00;-0.00} points ({Markdown.Pct(mlp)}).";
    }

    public override DataProvenance Prepare(LinearityOptions o, LabData data, IProgressSink progress) => data.Mnist.Provenance;

    public override LinearityResult Run(LinearityOptions options, LabData data, RunContext context)
    {
        var mnist = data.Mnist;
        var progress = context.Progress;

        // Data: the seed's 55,000 / 5,000 split of the training set, seeded.
        var (train, validation) = Splits.TrainValidation(mnist.Train, options.ValidationSize, options.Seed);
        using var _train = train;
        using var _validation = validation;
        long[] testLabels = mnist.Test.LabelArray();

        var results = new List<LinearityModelResult>();
        IReadOnlyList<ClassUnits>? unitPatching = null;
        var certified = new List<CertifiedRow>();
        var proofAttribution = new List<ProofAttributionRow>();
        using var plane = InformationPlaneSection.Start(options, mnist);
        foreach (var spec in Specs.Where(s => options.Models.Contains(s.Key)))
        {
            // Model: each drawn from its own stream of the seed, so each is reproducible on its own.
            using var init = Seeds.Generator(options.Seed, $"{spec.Key}/init");
            using var model = spec.Model(options).Create(init);

            // Train, then test on all 10,000 test images.
            var observer = InformationPlaneSection.Watch(plane, spec.Key, model, mnist);
            var history = Trainer.Train(model, train, validation, spec.Loss, options.Train, progress, spec.Key, checkpoints: context.Checkpoints, cancel: context.Cancel,
                observer: observer, seed: options.Seed);
            var test = Evaluation.Run(model, mnist.Test, spec.Loss);

            // Analyse: confusions, and the class templates of the linear models.
            var confusion = ConfusionMatrix.Compute(testLabels, test.Predictions);
            float[][]? templates = model is LinearClassifier linear ? TensorData.Rows(linear.Weight) : null;
            results.Add(new LinearityModelResult(spec.Key, spec.Title, test.Accuracy, history, history.Seconds, confusion, templates)
                { MeanIg = LinearityAttribution.ClassMeans(model, mnist.Test) });
            progress.Info($"{spec.Key}: test accuracy {test.Accuracy:P2}");
            if (model is Mlp) unitPatching = UnitPatchingSection.Compute(options, model, mnist.Test, progress);
            certified.AddRange(CertifiedSection.Compute(options, spec.Key, model, mnist, progress));
            proofAttribution.AddRange(ProofAttributionSection.Compute(options, spec.Key, model, mnist, progress));
        }
        return new LinearityResult(options, results) { Plane = plane?.Points.ToList(), PlaneSeconds = plane?.Seconds ?? 0, UnitPatching = unitPatching,
            Certified = options.Certified is null ? null : certified, ProofAttribution = options.ProofAttribution is null ? null : proofAttribution };
    }

    public override object Metrics(LinearityResult r) => LinearityReport.Metrics(r);

    public override void WriteReport(LinearityResult result, RunInfo info, ReportFolder folder) => LinearityReport.Write(result, info, folder);
}
