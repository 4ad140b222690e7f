using System.Text;
using MnistLab.Analysis;
using MnistLab.Reports;
using MnistLab.Runs;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Experiments.Rotated;

/// <summary>The report folder of the rotated-digits experiment.</summary>
static class RotatedReport
{
    static readonly string[] Digits = Enumerable.Range(0, 10).Select(d => d.ToString()).ToArray();

    public static void Write(RotatedResult r, RunInfo info, ReportFolder folder)
    {
        Plots.Bars(folder.PathOf("labels.png"), "Label histogram (train+valid)", "digit", "fraction", Digits, r.LabelHistogram);
        Plots.GrayGrid(folder.PathOf("samples.png"), r.Samples, r.Samples.Select((_, i) => $"y={r.SampleLabels[i]} p={r.SamplePredictions[i]}").ToList(), 2, 10);
        if (r.History.Epochs.Count > 0)
        {
            Plots.Lines(folder.PathOf("loss.png"), "Loss", "epoch", "cross-entropy", [("train", r.History.TrainLoss), ("validation", r.History.ValLoss)]);
            Plots.Lines(folder.PathOf("accuracy.png"), "Accuracy", "epoch", "accuracy", [("train", r.History.TrainAcc), ("validation", r.History.ValAcc)]);
        }
        Plots.Confusion(folder.PathOf("confusion.png"), "ResNet: test confusion", r.Confusion.Counts);
        Plots.Bars(folder.PathOf("per_class_acc.png"), "ResNet: test accuracy per digit", "digit", "accuracy", Digits, r.Confusion.PerClassAccuracy());
        Plots.DivergingGrid(folder.PathOf("filters_first_layer.png"), r.FirstLayerFilters, r.FirstLayerFilters.Select((_, i) => $"{i}").ToList(), 8, 8, side: 3);
        Plots.GrayGrid(folder.PathOf("activations.png"), r.Activations, r.Activations.Select((_, i) => $"block {i / 8 + 1} ch {i % 8}").ToList(), 6, 8);
        var layers = r.Filters.Select(f => f.Layer).ToList();
        Plots.Lines(folder.PathOf("filters_mean_abs_cos.png"), "Mean |cos| between filters, by convolution (1 = res1.conv1)", "convolution", "mean |cos|",
            [("init", r.Filters.Select(f => f.Init.MeanAbsCos).ToList()), ("trained", r.Filters.Select(f => f.Trained.MeanAbsCos).ToList())]);
        Plots.Lines(folder.PathOf("filters_effective_rank.png"), "Effective rank of each convolution's 64 filters", "convolution", "effective rank",
            [("init", r.Filters.Select(f => f.Init.EffectiveRank).ToList()), ("trained", r.Filters.Select(f => f.Trained.EffectiveRank).ToList())]);
        foreach (var f in r.Filters)
        {
            Plots.Heatmap(folder.PathOf($"cos_{f.Layer}_init.png"), $"{f.Layer}: cosine between filters, at init", Flat(f.Init.Cosine), f.Init.Filters, f.Init.Filters, diverging: true);
            Plots.Heatmap(folder.PathOf($"cos_{f.Layer}_trained.png"), $"{f.Layer}: cosine between filters, trained", Flat(f.Trained.Cosine), f.Trained.Filters, f.Trained.Filters, diverging: true);
        }

        RotatedAttribution.WriteFigures(r.Attribution, folder);
        RotatedDictionarySection.WriteFigures(r.Dictionaries, folder);
        folder.WriteReport(Markdown(r, info));
    }

    public static object Metrics(RotatedResult r) => new
    {
        attribution = RotatedAttribution.Metrics(r.Attribution),
        dictionaries = RotatedDictionarySection.Metrics(r.Dictionaries),
        data = new { source = r.Source, train = r.TrainCount, val = r.ValCount, test = r.TestCount },
        model = r.Given,
        history = new { train_loss = r.History.TrainLoss, train_acc = r.History.TrainAcc, val_loss = r.History.ValLoss, val_acc = r.History.ValAcc, images_per_second = r.History.Epochs.Select(e => e.ImagesPerSecond) },
        test_acc = r.TestAcc,
        per_class_acc = r.Confusion.PerClassAccuracy(),
        confusion = r.Confusion.ToJagged(),
        linear_test_acc = r.LinearTestAcc,
        filters = r.Filters.ToDictionary(f => f.Layer, f => new
        {
            init = Summary(f.Init), trained = Summary(f.Trained), filters = f.Trained.Filters, fan_in = f.FanIn,
            relative_change = f.RelativeChange, random_mean_abs_cos = f.Trained.RandomMeanAbsCos,
        }),
    };

    static object Summary(FilterDiversityResult d) => new { mean_abs_cos = d.MeanAbsCos, near_duplicates = d.NearDuplicates, effective_rank = d.EffectiveRank };
    static double[] Flat(float[][] m) => m.SelectMany(row => row.Select(v => (double)v)).ToArray();
    static string Word(FilterVerdict v) => v == FilterVerdict.Diverse ? "diverse" : "redundant";

    static string Markdown(RotatedResult r, RunInfo info)
    {
        var o = r.Options.Train;
        var sb = new StringBuilder();
        sb.AppendLine("# Rotated digits on textured backgrounds: what do a ResNet's filters learn?").AppendLine();
        sb.AppendLine(r.Given is { } given
            ? $"Data: {r.Source} ({r.TestCount:N0} test images). The ResNet analysed here was not trained by this run: it is the model folder `{r.Options.Model}`, " +
              $"imported from `{given.Source}` (SHA-256 {given.SourceSha256[..16]}…), tested on the whole test set. \"Init\" below is a fresh initialisation of " +
              $"the same architecture with seed {r.Options.Seed}, the reference for untrained filters. MnistLab {info.MnistlabVersion}, {info.Threads} thread(s)."
            : $"Data: {r.Source} ({r.TrainCount:N0} train, {r.ValCount:N0} validation, {r.TestCount:N0} test). The seed's ResNet (six residual " +
              $"blocks of 64 channels), Adam lr {o.LearningRate}, weight decay {o.WeightDecay}, batch {o.BatchSize}, {o.Epochs} epochs; validated on the whole " +
              $"validation set each epoch and tested on the whole test set. Seed {r.Options.Seed}; MnistLab {info.MnistlabVersion}, {info.Threads} thread(s).").AppendLine();
        if (r.Source == "generated")
            sb.AppendLine($"The generated data set does not follow the run's seed: it has a seed of its own ({r.Options.Data.Generate.Seed}, `--data-seed`), so " +
                          "like LISA's files it is the same data for every run seed, and the run's seed draws only the split, the initial weights and the shuffles.").AppendLine();
        sb.AppendLine(Table(["model", "test accuracy", "test error"],
        [
            ["ResNet (seed 001)", Pct(r.TestAcc), Pct(1 - r.TestAcc)],
            ["linear 784-10, same data", Pct(r.LinearTestAcc), Pct(1 - r.LinearTestAcc)],
        ]));
        sb.AppendLine($"The ResNet {(r.TestAcc > r.LinearTestAcc + 0.05 ? "clearly beats" : r.TestAcc > r.LinearTestAcc ? "beats, narrowly," : "does not beat")} the linear model " +
                      $"({(r.TestAcc - r.LinearTestAcc) * 100:+0.0;-0.0} points). For reference, the best published errors on LISA's original files are about 35.5% " +
                      "(PCANet, TIRBM) and 47.4% in the paper that made the data (DBN-3); generated data is not the same data, so compare with care.").AppendLine();
        sb.AppendLine(Image("samples with predictions", "samples.png")).AppendLine();
        sb.AppendLine(Image("label histogram", "labels.png")).AppendLine();
        if (r.History.Epochs.Count > 0)
        {
            sb.AppendLine(Image("loss", "loss.png")).AppendLine();
            sb.AppendLine(Image("accuracy", "accuracy.png")).AppendLine();
            sb.AppendLine(Table(["epoch", "train loss", "train acc", "val loss", "val acc", "images/s"],
                r.History.Epochs.Select(e => (IReadOnlyList<string>)[e.Epoch.ToString(), Num(e.TrainLoss), Pct(e.TrainAcc), Num(e.ValLoss ?? double.NaN), Pct(e.ValAcc ?? double.NaN), e.ImagesPerSecond.ToString("F0")])));
        }
        sb.AppendLine(Image("per-class accuracy", "per_class_acc.png")).AppendLine();
        sb.AppendLine(Image("confusion", "confusion.png")).AppendLine();

        sb.Append(RotatedAttribution.Markdown(r.Attribution));
        sb.AppendLine("## Are the filters diverse or redundant?").AppendLine();
        sb.AppendLine("For each convolution, every filter is flattened to one vector: mean |cos| between distinct filters, the number of " +
                      $"near-duplicate pairs (|cos| ≥ {FilterDiversity.DuplicateThreshold}), and the effective rank (exp of the entropy of the normalised singular " +
                      "values) against the most its shape allows. A layer counts as redundant here when it has near-duplicates or its effective rank is below half of that maximum.").AppendLine();
        sb.AppendLine(Table(["convolution", "filters x fan-in", r.Given is null ? "moved by training" : "distance from a fresh init", "mean |cos| init → trained (random directions)", "near-duplicates init → trained", "effective rank init → trained", "verdict (trained)"],
            r.Filters.Select(f => (IReadOnlyList<string>)[f.Layer, $"{f.Trained.Filters} x {f.FanIn}", Pct(f.RelativeChange, 1),
                $"{f.Init.MeanAbsCos:F3} → {f.Trained.MeanAbsCos:F3} ({f.Trained.RandomMeanAbsCos:F3})", $"{f.Init.NearDuplicates} → {f.Trained.NearDuplicates}",
                $"{f.Init.EffectiveRank:F1} → {f.Trained.EffectiveRank:F1} (max {f.Trained.MaxRank})", Word(f.Verdict)])));
        foreach (var line in Findings(r)) sb.AppendLine($"- {line}");
        sb.AppendLine();
        sb.AppendLine(Image("mean |cos| per layer", "filters_mean_abs_cos.png")).AppendLine();
        sb.AppendLine(Image("effective rank per layer", "filters_effective_rank.png")).AppendLine();
        sb.AppendLine("The first layer's 64 filters (3x3, one colour scale centred on 0):").AppendLine();
        sb.AppendLine(Image("first-layer filters", "filters_first_layer.png")).AppendLine();
        sb.AppendLine("The first 8 channels after each block for the first test image (each map scaled to [0, 1] on its own):").AppendLine();
        sb.AppendLine(Image("activations", "activations.png")).AppendLine();
        sb.AppendLine("Cosine matrices of every convolution at initialisation and after training: `cos_<layer>_init.png`, `cos_<layer>_trained.png`.").AppendLine();
        sb.Append(RotatedDictionarySection.Markdown(r));
        return sb.ToString();
    }

    static IEnumerable<string> Findings(RotatedResult r)
    {
        var diverse = r.Filters.Where(f => f.Verdict == FilterVerdict.Diverse).Select(f => f.Layer).ToList();
        var redundant = r.Filters.Where(f => f.Verdict == FilterVerdict.Redundant).Select(f => f.Layer).ToList();
        yield return diverse.Count == 0 ? "No convolution ends up diverse by this measure." : $"Diverse after training: {string.Join(", ", diverse)}.";
        yield return redundant.Count == 0 ? "No convolution ends up redundant by this measure." : $"Redundant after training: {string.Join(", ", redundant)}.";
        var first = r.Filters[0];
        yield return $"{first.Layer} has {first.Trained.Filters} filters of only {first.FanIn} weights each: they can span at most {first.FanIn} directions, so many must be alike " +
                     $"(mean |cos| {first.Trained.MeanAbsCos:F2}, effective rank {first.Trained.EffectiveRank:F1} of {first.Trained.MaxRank}, {first.Trained.NearDuplicates} near-duplicate pairs).";
        var deep = r.Filters.Skip(1).ToList();
        double moved = deep.Average(f => f.RelativeChange);
        double ratio = r.MeanAbsCosOverRandom;
        var most = deep.MaxBy(f => f.Trained.MeanAbsCos)!;
        yield return r.Given is null
            ? $"Training moved the 64-channel convolutions by {Pct(moved, 1)} of their initial weight norm on average (lr {r.Options.Train.LearningRate}, " +
              $"{r.Options.Train.Epochs} epochs), the first convolution by {Pct(first.RelativeChange, 1)}."
            : $"The given model's 64-channel convolutions lie {Pct(moved, 1)} of a fresh initialisation's weight norm away from it on average, the first " +
              $"convolution {Pct(first.RelativeChange, 1)} (a distance from an initialisation it never had, not how far training moved it).";
        yield return $"Their mean |cos| is {ratio:F2} times that of random directions in {deep[0].FanIn} dimensions ({deep[0].Trained.RandomMeanAbsCos:F3}); the most alike, {most.Layer}, " +
                     $"went from {most.Init.MeanAbsCos:F3} to {most.Trained.MeanAbsCos:F3}. " +
                     (ratio < 1.5 ? "So the filters are diverse, but mostly because random filters are: training has added only a little shared structure, more in the deeper blocks."
                                  : "Training has made them markedly more alike than random filters: shared structure the network found useful.");
    }
}
