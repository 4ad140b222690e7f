using System.Text;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Data;
using MnistLab.Import;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;

namespace MnistLab.Experiments.Ring;

/// <summary>
/// The probe finds the ring readable in the pixels-only MLP's hidden layer; did the MLP build a ring feature of its own?
/// A sparse dictionary (TopK) learned on the hidden layer's activations of the training images, each feature scored
/// against the ring bit on the test images (the AUC of the feature's code for ring against no ring); the best single
/// feature beside the probe, which may combine many directions.
/// </summary>
public static class RingDictionarySection
{
    public static readonly DictionaryOptions Defaults = new()
    {
        Kind = DictionaryKinds.TopK, Width = 256, K = 16, Epochs = 3, Concepts = ["ring", "holes", "class"], ConceptImages = 5000,
    };

    public const string Layer = "relu1";

    public static SparseDictionaryResult Compute(nn.Module<Tensor, Tensor> mlp, Mnist mnist, DictionaryOptions options, long seed, Common.IProgressSink progress)
    {
        progress.Info("learning a sparse dictionary of the pixels-only MLP's hidden layer ...");
        using var model = LoadedModel.Borrowed(mlp, "the pixels-only MLP");
        var rows = new PointRows(model, Layer, mnist.Train, mnist.Test, options.ReadBatch);
        return SparseDictionary.Compute(rows, options, seed, progress);
    }

    public static FeatureConcept? BestRing(SparseDictionaryResult d) => d.Concepts?.BestPerConcept.FirstOrDefault(c => c.Concept == "ring");

    public static string Markdown(RingResult r)
    {
        if (r.Dictionary is not { } d) return "";
        var o = d.Options;
        var sb = new StringBuilder();
        sb.AppendLine("## Did the pixels-only MLP build a ring feature of its own?").AppendLine();
        sb.AppendLine($"A TopK sparse dictionary ({o.Width} features, k = {o.KOrDefault}, {o.Epochs} epochs on {d.Statistics.Rows:N0} training images) of the hidden " +
                      $"layer: L0 {Num(d.Metrics.L0, 1)}, fraction of variance unexplained {Num(d.Metrics.Fvu, 3)}, {d.Metrics.Dead} dead feature{(d.Metrics.Dead == 1 ? "" : "s")}" +
                      (d.Splice is { } s ? $", the MLP at {Pct(s.Dictionary.Accuracy)} accuracy on {s.Images:N0} test images with the reconstruction in place of the layer ({Pct(s.Model.Accuracy)} without)" : "") +
                      $". Each feature is scored against the concepts on the first {d.Concepts?.Images ?? 0:N0} test images (AUC of its code for its best class; see `mnistlab dictionary`).").AppendLine();
        if (d.Concepts is { } c)
        {
            sb.AppendLine(Table(["concept", "best feature", "its class", "AUC"],
                c.BestPerConcept.Select(f => (IReadOnlyList<string>)[f.Concept, f.Feature.ToString(), f.Class ?? "", Num(f.Score, 3)])));
            if (BestRing(d) is { } ring)
                sb.AppendLine($"- The best single feature tells the ring with AUC {Num(ring.Score, 3)} (feature {ring.Feature}, firing for ring = {ring.Class}); " +
                              (ring.Score >= 0.9 ? "the layer holds a ring feature of its own." : ring.Score >= 0.75 ? "a partial ring feature: the ring is spread over several." : "no single feature is the ring.") +
                              " Compare the probe above, which may combine every direction of the layer.").AppendLine();
        }
        return sb.ToString();
    }

    public static object? Metrics(RingResult r) => r.Dictionary is not { } d ? null : new
    {
        width = d.Options.Width, k = d.Options.KOrDefault, l0 = d.Metrics.L0, fvu = d.Metrics.Fvu, dead = d.Metrics.Dead,
        spliced_accuracy = d.Splice?.Dictionary.Accuracy, accuracy = d.Splice?.Model.Accuracy,
        best = d.Concepts?.BestPerConcept.Select(f => new { concept = f.Concept, feature = f.Feature, @class = f.Class, score = f.Score }),
        seconds = d.Seconds,
    };
}
