using System.Globalization;
using System.Text;
using MnistLab.Analysis.Verification;
using MnistLab.Export;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>
/// The report folder of <c>mnistlab verify</c>: metrics.json (the accuracies, each image's verdict, margin bound and time),
/// counterexamples.npy (the falsifying inputs, in the order of metrics.json's <c>counterexamples</c>), the histogram of
/// margin bounds, the hardest images, the counterexamples, certificates/INDEX.json (with --certify, one per verified image), and report.md/html.
/// </summary>
public static class VerificationReport
{
    public const string CounterexamplesFile = "counterexamples.npy", CertificatesFolder = "certificates";
    public const string MarginsFigure = "margins.png", HardestFigure = "hardest.png", CounterexamplesFigure = "counterexamples.png";

    public static void Write(VerificationResult r, ReportFolder folder, IReadOnlyList<string>? command = null)
    {
        var falsified = r.Images.Where(i => i.Counterexample is not null).ToList();
        if (falsified.Count > 0)
        {
            using var npy = new NpyWriter(folder.PathOf(CounterexamplesFile), [falsified.Count, .. Shape(r)]);
            foreach (var v in falsified) npy.Append(v.Counterexample!);
            npy.Complete();
        }
        var figures = new List<(string Caption, string File)>();
        Plots.Histogram(folder.PathOf(MarginsFigure), $"{r.Options.Method.ToUpperInvariant()} margin bounds at eps {F(r.Options.Eps)} (> 0: verified)",
            "smallest lower bound of logit(label) − logit(other)", [.. r.Images.Select(i => i.MarginBound)], 30);
        figures.Add(("Margin bounds", MarginsFigure));
        bool digits = r.Pixels.Length > 0 && r.Pixels[0].Length == 784;
        var hardest = Hardest(r);
        if (digits && hardest.Count > 0)
        {
            Grid(folder.PathOf(HardestFigure), [.. hardest.Select(h => r.Pixels[h.Position])],
                [.. hardest.Select(h => $"#{h.Verdict.Index} y={h.Verdict.Label} {h.Verdict.MarginBound.ToString("F2", CultureInfo.InvariantCulture)}")]);
            figures.Add(("The hardest images: correctly classified and not broken by the attack, with the smallest proved margins (image, label, bound; above 0 verified, else unknown)", HardestFigure));
        }
        if (digits && falsified.Count > 0)
        {
            var shown = falsified.Take(16).ToList();
            Grid(folder.PathOf(CounterexamplesFigure), [.. shown.Select(v => v.Counterexample!)],
                [.. shown.Select(v => $"#{v.Index} y={v.Label} → {v.CounterexamplePrediction}")]);
            figures.Add(("Counterexamples, re-checked on the model (label → the model's class)", CounterexamplesFigure));
        }
        var certified = r.Images.Where(i => i.Certificate is not null).ToList();
        if (certified.Count > 0)
        {
            Directory.CreateDirectory(Path.Combine(folder.Staging, CertificatesFolder));
            foreach (var v in certified) v.Certificate!.Write(Path.Combine(folder.Staging, CertificatesFolder, $"{v.Index}.json"));
        }
        folder.WriteJson(ReportFolder.Marker, Metrics(r, command, falsified));
        folder.WriteReport(MarkdownText(r, figures));
    }

    static long[] Shape(VerificationResult r) => r.Pixels.Length > 0 && r.Pixels[0].Length == 784 ? [1, 28, 28] : [r.Pixels.Length > 0 ? r.Pixels[0].Length : 0];

    /// <summary>The correctly classified images that the attack did not break, the smallest proved margins first.</summary>
    static List<(ImageVerdict Verdict, int Position)> Hardest(VerificationResult r) =>
        [.. r.Images.Select((v, i) => (v, i)).Where(p => p.v.Verdict != Verdict.Falsified).OrderBy(p => p.v.MarginBound).Take(r.Options.Hardest)];

    static void Grid(string path, IReadOnlyList<float[]> images, IReadOnlyList<string> titles)
    {
        int cols = Math.Min(4, images.Count), rows = (images.Count + cols - 1) / cols;
        Plots.GrayGrid(path, images, titles, rows, cols);
    }

    public static string Name(Verdict v) => v.ToString().ToLowerInvariant();

    public static object Metrics(VerificationResult r, IReadOnlyList<string>? command, IReadOnlyList<ImageVerdict> falsified) => new
    {
        source = r.Model,
        layers = r.Layers,
        method = r.Options.Method,
        eps = r.Options.Eps,
        images = r.Count,
        clean_accuracy = r.CleanAccuracy,
        pgd_accuracy = r.PgdAccuracy,
        certified_accuracy = r.CertifiedAccuracy,
        verified = r.Verified,
        falsified = r.Falsified,
        unknown = r.Unknown,
        seconds = new { pgd = r.PgdSeconds, bounds = r.BoundSeconds, bounds_per_image = r.BoundSeconds / r.Count },
        counterexamples = falsified.Count == 0 ? null : new { file = CounterexamplesFile, indices = falsified.Select(v => v.Index) },
        certificates = r.Options.Certify ? new { folder = CertificatesFolder, indices = r.Images.Where(i => i.Certificate is not null).Select(v => v.Index) } : null,
        per_image = r.Images.Select(v => new
        {
            index = v.Index,
            label = v.Label,
            prediction = v.Prediction,
            verdict = Name(v.Verdict),
            margin_bound = v.MarginBound,
            // The label's own entry is left out (JSON has no infinity): one bound per other class, in class order.
            margins = v.Margins.Where((_, j) => j != v.Label),
            counterexample_class = v.CounterexamplePrediction,
            seconds = v.Seconds,
        }),
        options = r.Options,
        run = r.Data is null ? null : Runs.RunInfo.Capture(r.Data) with { Seed = r.Options.Seed, Command = command },
    };

    static string MarkdownText(VerificationResult r, List<(string Caption, string File)> figures)
    {
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine($"# Certified robustness at eps {F(o.Eps)}").AppendLine();
        sb.AppendLine($"Model `{r.Model}`: {r.Layers}. Images: {o.Images}. Each image's set is the L∞ ball of radius {F(o.Eps)} around it, clipped to " +
                      $"[0, 1], in the pixels the model reads (before its normalisation). A PGD attack ({o.Pgd.Restarts} random starts x {o.Pgd.Steps} steps, " +
                      $"seed {o.Seed}) runs first; an input it finds counts only after the model, run again on it, classifies it otherwise (**falsified**). " +
                      $"Then {o.Method switch { "ibp" => "interval bound propagation", "crown" => "CROWN (backward linear relaxation)", _ => "α-CROWN (CROWN with its ReLU slopes optimised per margin)" }} bounds every margin " +
                      "logit(label) − logit(other) from below over the whole ball, in float64: **verified** when every bound is above 0, " +
                      "**unknown** otherwise (neither proved nor broken)." +
                      (o.Method == "complete" ? $" Where α-CROWN leaves a margin at or below 0, branch and bound splits the ball on the signs of ReLU inputs " +
                          $"(β-CROWN's split multipliers, the worst part first, each open part's minimising corner run on the model as a candidate) until " +
                          $"every part is proved, an input is falsified, or {F(o.Timeout)} s pass; the margin bound is then the smallest over the parts." : "")).AppendLine();
        sb.AppendLine(Table(["", "share", "images"],
        [
            ["clean accuracy", Pct(r.CleanAccuracy), $"{r.Images.Count(i => i.Prediction == i.Label)} of {r.Count}"],
            ["PGD accuracy (upper bound on robust accuracy)", Pct(r.PgdAccuracy), $"{r.Count - r.Falsified} of {r.Count}"],
            ["certified accuracy (lower bound)", Pct(r.CertifiedAccuracy), $"{r.Verified} of {r.Count}"],
            ["unknown", Pct(r.Unknown / (double)r.Count), $"{r.Unknown} of {r.Count}"],
        ])).AppendLine();
        sb.AppendLine($"Time: the attack {F(r.PgdSeconds, 2)} s for all images; the bounds {F(r.BoundSeconds, 2)} s, {F(1000 * r.BoundSeconds / r.Count, 1)} ms per image.").AppendLine();
        foreach (var (caption, file) in figures) sb.AppendLine($"{caption}:").AppendLine().AppendLine(Image(caption, file)).AppendLine();
        sb.AppendLine("## Per image").AppendLine();
        sb.AppendLine(Table(["image", "label", "prediction", "verdict", "margin bound", "ms"],
            r.Images.Select(v => (IReadOnlyList<string>)[v.Index.ToString(CultureInfo.InvariantCulture), v.Label.ToString(CultureInfo.InvariantCulture),
                v.Prediction.ToString(CultureInfo.InvariantCulture), Name(v.Verdict) + (v.CounterexamplePrediction is { } p ? $" (→ {p})" : ""),
                F(v.MarginBound, 4), F(1000 * v.Seconds, 1)])));
        return sb.ToString();
    }

    static string F(double v, int decimals = 3) => v.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
}
