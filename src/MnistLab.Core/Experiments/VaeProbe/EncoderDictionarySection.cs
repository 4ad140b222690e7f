using System.Text;
using MnistLab.Analysis.Dictionaries;
using MnistLab.Import;
using MnistLab.Models;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Experiments.VaeProbe;

/// <summary>
/// The probe finds size, thickness and slant readable from the encoder's hidden layer by some direction; this section
/// asks whether the encoder built any of them as a feature of its own: a TopK sparse dictionary of enc.hidden (the 256
/// ReLU units), each feature scored against the three concepts by |Spearman ρ| on test images, the best single feature
/// per concept beside the probe, which may combine every direction of the layer.
/// </summary>
static class EncoderDictionarySection
{
    public const string Layer = "enc.hidden";

    public static readonly DictionaryOptions Defaults = new()
    {
        Kind = DictionaryKinds.TopK, Width = 512, K = 16, Epochs = 3, Concepts = ["size", "thick", "slant"], ConceptImages = 5000,
    };

    public static SparseDictionaryResult? Compute(Vae vae, Data.Mnist mnist, VaeProbeOptions options, Common.IProgressSink progress)
    {
        if (options.Dictionary is not { } o) return null;
        progress.Info($"learning a sparse dictionary of the encoder's hidden layer ({Layer}) ...");
        using var model = LoadedModel.Borrowed(vae, "the VAE");
        var rows = new PointRows(model, Layer, mnist.Train, mnist.Test, o.ReadBatch);
        return SparseDictionary.Compute(rows, o, options.Seed, progress);
    }

    public static string Markdown(VaeProbeResult r)
    {
        if (r.Dictionary is not { } d || d.Concepts is not { } c) return "";
        var o = d.Options;
        var sb = new StringBuilder();
        sb.AppendLine("## Did the encoder build size, thickness and slant as features of its own?").AppendLine();
        sb.AppendLine($"A TopK sparse dictionary of {Layer} ({o.Width} features, k = {o.KOrDefault}, {o.Epochs} epochs on {d.Statistics.Rows:N0} training images): " +
                      $"L0 {Num(d.Metrics.L0, 1)}, fraction of variance unexplained {Num(d.Metrics.Fvu, 3)}, {d.Metrics.Dead} dead features. Each feature is " +
                      $"scored against each concept by |Spearman ρ| of its code on the first {c.Images:N0} test images; the probe's R² at the same layer " +
                      "(the section above) is the best any linear read-out of all its units does, and ρ² puts a single feature on roughly that scale.").AppendLine();
        sb.AppendLine(Table(["concept", "best feature", "|ρ|", "ρ²", $"probe R² at {Layer}"],
            c.BestPerConcept.Select(f => (IReadOnlyList<string>)[f.Concept, f.Feature.ToString(), Num(f.Score, 3), Num(f.Score * f.Score, 3), ProbeScore(r, f.Concept)])));
        foreach (var f in c.BestPerConcept)
            sb.AppendLine($"- {f.Concept}: " + (f.Score >= 0.8 ? $"one feature ({f.Feature}) follows it closely (|ρ| {Num(f.Score, 3)})." :
                f.Score >= 0.5 ? $"feature {f.Feature} follows it in part (|ρ| {Num(f.Score, 3)}): the concept is spread over several features." :
                $"no single feature follows it (best |ρ| {Num(f.Score, 3)})."));
        sb.AppendLine();
        return sb.ToString();
    }

    static string ProbeScore(VaeProbeResult r, string concept) =>
        r.Encoder?.Probes.FirstOrDefault(p => p.Layer == Layer && p.Concept == concept) is { } p ? Num(p.Score, 3) : "–";

    public static object? Metrics(VaeProbeResult r) => r.Dictionary is not { } d ? null : new
    {
        layer = Layer, width = d.Options.Width, k = d.Options.KOrDefault, l0 = d.Metrics.L0, fvu = d.Metrics.Fvu, dead = d.Metrics.Dead,
        best = d.Concepts?.BestPerConcept.Select(f => new { concept = f.Concept, feature = f.Feature, abs_spearman = f.Score }),
        seconds = d.Seconds,
    };
}
