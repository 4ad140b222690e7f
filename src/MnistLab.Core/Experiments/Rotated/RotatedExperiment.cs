using MnistLab.Analysis;
using MnistLab.Benchmarks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Models;
using MnistLab.Reports;
using MnistLab.Runs;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Experiments.Rotated;

public enum FilterVerdict { Diverse, Redundant }

/// <param name="RelativeChange">||W_trained - W_init|| / ||W_init||: how far training moved this layer's filters.</param>
/// <param name="FanIn">Weights per filter, from the layer's weight shape (9 for res1.conv1, 64 x 9 for the others).</param>
/// <param name="Verdict">The trained filters read by <see cref="RotatedExperiment.Judge"/>.</param>
/// <param name="TrainedOverRandom">Mean |cos| of the trained filters over that of random directions in <paramref name="FanIn"/> dimensions.</param>
public sealed record LayerFilters(string Layer, FilterDiversityResult Init, FilterDiversityResult Trained, double RelativeChange, int FanIn,
    FilterVerdict Verdict, double TrainedOverRandom);

/// <param name="DiverseConvolutions">Convolutions whose trained filters are diverse (<see cref="FilterVerdict.Diverse"/>).</param>
/// <param name="MeanAbsCosOverRandom">The mean over the 64-channel convolutions (all but the first) of <see cref="LayerFilters.TrainedOverRandom"/>.</param>
public sealed record RotatedResult(
    RotatedOptions Options, string Source, int TrainCount, int ValCount, int TestCount, double[] LabelHistogram,
    TrainingHistory History, double TestAcc, ConfusionMatrix Confusion, double LinearTestAcc, IReadOnlyList<LayerFilters> Filters,
    int DiverseConvolutions, double MeanAbsCosOverRandom,
    float[][] FirstLayerFilters, float[][] Samples, long[] SampleLabels, long[] SamplePredictions, float[][] Activations, ModelCard? Given = null)
{
    /// <summary>Where the ResNet looks: digit or texture.</summary>
    public RotatedAttributionResult? Attribution { get; init; }

    /// <summary>What the blocks compute: their sparse dictionaries' distinct, digit and texture features.</summary>
    public RotatedDictionaryResult? Dictionaries { get; init; }
}

/// <summary>
/// Seed 001: the seed's ResNet on rotated digits over textured backgrounds, validated on the whole validation
/// set and tested on the whole test set, then the question the seed asked and left open: are the filters of
/// each convolution diverse or redundant, and how did training change that?
/// </summary>
public sealed class RotatedExperiment : Experiment<RotatedOptions, RotatedResult>
{
    public override string Name => "rotated";
    public override string Title => "Rotated digits on textures and ResNet filters (seed 001)";
    public override string Question => "On rotated digits over textured backgrounds, are a ResNet's convolution filters diverse or redundant?";
    public override string SeedDocument => "001_9733b36f68f384a8.txt";

    public override RotatedOptions Defaults => new();
    public override RotatedOptions Quick => Defaults with
    {
        Train = Defaults.Train with { Epochs = 2 },
        LinearEpochs = 5,
        Data = new RotatedData { Generate = new RotBackOptions { TestCount = 10000 } },
    };
    public override RotatedOptions WithSeed(RotatedOptions o, long seed) => o with { Seed = seed };
    public override long SeedOf(RotatedOptions o) => o.Seed;
    public override RotatedOptions Validated(RotatedOptions o) => o.Validated();
    public override BenchSection Bench => ResNetBench.Run;

    public override IReadOnlyList<Headline> Headlines { get; } =
    [
        new("resnet_test_acc", "ResNet: test accuracy", "rotated: ResNet"),
        new("linear_test_acc", "linear baseline: test accuracy", "rotated: linear"),
        new("diverse_convolutions", "convolutions whose trained filters are diverse (of 12)", "diverse convs", FigureKind.Count),
        new("mean_abs_cos_over_random", "mean |cos| between trained 64-channel filters, over that of random directions", "|cos| / random", FigureKind.Number),
        new("distinct_features", "distinct features of the blocks' sparse dictionaries (all blocks together)", "distinct features", FigureKind.Count),
        new("digit_feature_share", "share of the blocks' live dictionary features that fire mostly on the digit", "digit features"),
        new("texture_feature_share", "share of the blocks' live dictionary features that fire mostly on the texture", "texture features"),
    ];

    public override IReadOnlyDictionary<string, double> Figures(RotatedResult r)
    {
        var f = new Dictionary<string, double>
        {
            ["resnet_test_acc"] = r.TestAcc,
            ["linear_test_acc"] = r.LinearTestAcc,
            ["diverse_convolutions"] = r.DiverseConvolutions,
            ["mean_abs_cos_over_random"] = r.MeanAbsCosOverRandom,
        };
        if (r.Dictionaries is { Blocks: { Count: > 0 } blocks })
        {
            f["distinct_features"] = blocks.Sum(b => b.Distinct);
            int live = blocks.Sum(b => b.Live);
            if (live > 0 && blocks.All(b => b.Places is not null))
            {
                f["digit_feature_share"] = (double)blocks.Sum(b => b.Count(FeaturePlace.Digit)) / live;
                f["texture_feature_share"] = (double)blocks.Sum(b => b.Count(FeaturePlace.Texture)) / live;
            }
        }
        return f;
    }

    public override string Answer(IReadOnlyDictionary<string, double> f)
    {
        int diverse = (int)f["diverse_convolutions"];
        return $"{(diverse >= 6 ? "Mostly diverse" : "Mostly redundant")}: {diverse} of 12 convolutions end diverse (no near-duplicate filters, effective rank above half " +
               $"its maximum), and the 64-channel filters are {f["mean_abs_cos_over_random"]:F2} times as alike as random directions; the ResNet reaches " +
               $"{Markdown.Pct(f["resnet_test_acc"])} against {Markdown.Pct(f["linear_test_acc"])} for a linear model.";
    }

    public override DataProvenance Prepare(RotatedOptions o, LabData data, IProgressSink progress) => data.Rotated(o.Data, progress).Provenance;

    public override RotatedResult Run(RotatedOptions options, LabData lab, RunContext context)
    {
        var progress = context.Progress;
        var data = lab.Rotated(options.Data, progress).Data;

        // Data: a seeded 80/20 split of train+valid; the test set whole.
        int valCount = (int)Math.Round(data.TrainValid.Count * options.ValidationFraction);
        var (train, val) = Splits.TrainValidation(data.TrainValid, valCount, options.Seed);
        using var _train = train;
        using var _val = val;
        long[] labels = data.TrainValid.LabelArray();
        var histogram = Enumerable.Range(0, 10).Select(c => (double)labels.Count(l => l == c) / labels.Length).ToArray();

        // Model, with its filters measured before any training; or the model given, set against that fresh initialisation.
        using var init = Seeds.Generator(options.Seed, "resnet/init");
        using var fresh = new RotResNet(init);
        var initial = fresh.ConvWeights().Select(c => (c.Name, FilterDiversity.Compute(c.Weight))).ToList();
        var initWeights = fresh.ConvWeights().Select(c => c.Weight.detach().clone().DetachFromDisposeScope()).ToList();
        using var given = options.Model is { } folder ? LoadedModel.FromFolder(folder) : null;
        var model = given is null ? fresh : given.Model as RotResNet
            ?? throw new MnistLabException($"{options.Model}: holds a {given.Model.GetType().Name}; the rotated experiment analyses the seed's ResNet (import one with --kind rotated).");
        if (given is not null) progress.Info($"analysing the ResNet of {given.Path} (imported from {given.Card!.Source}), not training one");

        // Train; validate on the whole validation set each epoch; test on the whole test set.
        var history = given is not null ? new TrainingHistory()
            : Trainer.Train(model, train, val, LossKind.CrossEntropy, options.Train, progress, "resnet", checkpoints: context.Checkpoints, cancel: context.Cancel, seed: options.Seed);
        var test = Evaluation.Run(model, data.Test, LossKind.CrossEntropy, options.Train.EvalBatchSize);
        var confusion = ConfusionMatrix.Compute(data.Test.LabelArray(), test.Predictions);
        var filters = model.ConvWeights().Select((c, i) =>
        {
            using var scope = NewDisposeScope();
            double change = (c.Weight.detach() - initWeights[i]).norm().item<float>() / initWeights[i].norm().item<float>();
            var trained = FilterDiversity.Compute(c.Weight);
            return new LayerFilters(c.Name, initial[i].Item2, trained, change, trained.FanIn, Judge(trained), trained.MeanAbsCos / trained.RandomMeanAbsCos);
        }).ToList();
        initWeights.ForEach(w => w.Dispose());
        int diverse = filters.Count(f => f.Verdict == FilterVerdict.Diverse);
        double overRandom = filters.Skip(1).Average(f => f.TrainedOverRandom);

        // The baseline the ResNet has to beat: a linear model on the same pixels.
        using var linearInit = Seeds.Generator(options.Seed, "linear/init");
        using var linear = new LinearClassifier(new LinearSpec(), linearInit);
        Trainer.Train(linear, train, null, LossKind.CrossEntropy, new TrainOptions { Epochs = options.LinearEpochs, BatchSize = 128 },
            progress, "linear", checkpoints: context.Checkpoints, cancel: context.Cancel, seed: options.Seed);
        double linearAcc = Evaluation.Run(linear, data.Test, LossKind.CrossEntropy).Accuracy;
        progress.Info($"ResNet test accuracy {test.Accuracy:P2}; linear {linearAcc:P2}");

        var (first, samples, activations) = Pictures(model, data.Test);
        var attribution = RotatedAttribution.Compute(model, data, options.Data, () => lab.Mnist);
        var dictionaries = RotatedDictionarySection.Compute(model, train, data, options, () => lab.Mnist, progress);
        return new RotatedResult(options, data.Source, train.Count, val.Count, data.Test.Count, histogram, history, test.Accuracy, confusion,
            linearAcc, filters, diverse, overRandom, first, samples, data.Test.LabelArray()[..samples.Length], test.Predictions[..samples.Length], activations,
            given?.Card) { Attribution = attribution, Dictionaries = dictionaries };
    }

    /// <summary>
    /// Our reading of a convolution's filters: redundant when it has near-duplicate filters (|cos| at or above
    /// <see cref="FilterDiversity.DuplicateThreshold"/>) or its effective rank is below half of what its shape allows
    /// (min(filters, fan-in)); otherwise diverse.
    /// </summary>
    public static FilterVerdict Judge(FilterDiversityResult d) =>
        d.NearDuplicates > 0 || d.EffectiveRank < d.MaxRank / 2.0 ? FilterVerdict.Redundant : FilterVerdict.Diverse;

    public override object Metrics(RotatedResult r) => RotatedReport.Metrics(r);

    public override void WriteReport(RotatedResult result, RunInfo info, ReportFolder folder) => RotatedReport.Write(result, info, folder);

    static readonly string[] Blocks = ["res1", "res2", "res3", "res4", "res5", "res6"];

    /// <summary>The first layer's filters, 20 test images, and the first 8 channels of each block for test image 0.</summary>
    static (float[][], float[][], float[][]) Pictures(RotResNet model, LabeledImages test)
    {
        using var scope = NewDisposeScope();
        var first = model.ConvWeights()[0].Weight.detach();
        var filters = Enumerable.Range(0, (int)first.shape[0]).Select(i => first[i].reshape(-1).data<float>().ToArray()).ToArray();
        var samples = Enumerable.Range(0, Math.Min(20, test.Count)).Select(i => test.Images[i].reshape(-1).data<float>().ToArray()).ToArray();
        var maps = new List<float[]>();
        using var cache = Activations.Run(model, test.Images.narrow(0, 0, 1), Blocks);
        foreach (var name in Blocks)
        {
            var block = cache[name];
            int side = (int)block.shape[2], repeat = 28 / side;
            for (int ch = 0; ch < 8; ch++)
            {
                // Nearest-neighbour upsampling to 28x28 and scaling to [0, 1], only for display.
                var m = block[0, ch].repeat_interleave(repeat, 0).repeat_interleave(repeat, 1);
                m = (m - m.min()) / (m.max() - m.min() + 1e-6);
                maps.Add(m.reshape(-1).data<float>().ToArray());
            }
        }
        return (filters, samples, maps.ToArray());
    }
}
