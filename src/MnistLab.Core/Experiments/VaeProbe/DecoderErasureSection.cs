using System.Text;
using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;

namespace MnistLab.Experiments.VaeProbe;

/// <summary>
/// Options of <see cref="DecoderErasureSection"/>: the concepts erased from mu, the training images the erasers are fitted
/// on, the test images the reconstructions are measured on, and the random directions of the control.
/// </summary>
public sealed record DecoderErasureOptions
{
    public IReadOnlyList<string> Concepts { get; init; } = ["slant", "thick", "size"];
    public int FitImages { get; init; } = 5000;
    public int Images { get; init; } = 2000;
    public int Controls { get; init; } = 10;

    public DecoderErasureOptions Validated()
    {
        const string o = nameof(DecoderErasureOptions);
        Require.That(Concepts.Count > 0, $"{o}.{nameof(Concepts)}", "must name at least one concept.");
        Require.InRange(FitImages, 10, 60000, $"{o}.{nameof(FitImages)}");
        Require.InRange(Images, 10, 10000, $"{o}.{nameof(Images)}");
        Require.InRange(Controls, 2, 1000, $"{o}.{nameof(Controls)}");
        return this;
    }
}

/// <summary>How well a concept of the input survives into the reconstruction: Pearson's r between the two, as decoded and with the concept erased from mu.</summary>
public sealed record DecoderErasureRow(string Concept, int Rank, double Before, double After, Spread Control, double MseBefore, double MseAfter);

/// <summary>
/// The probe finds size, thickness and slant readable in mu; does the decoder use what it reads there? Each concept is
/// erased from mu by LEACE (fitted on training images' mu), the test images are decoded from the erased mu, and the
/// concept measured on the reconstructions is compared with the concept of the inputs (Pearson's r), against erasing
/// random directions of the same rank. A decoder that draws the concept from that direction loses it from its pictures.
/// </summary>
public static class DecoderErasureSection
{
    public static IReadOnlyList<DecoderErasureRow>? Compute(Vae vae, Mnist mnist, VaeProbeOptions options, IProgressSink progress)
    {
        if (options.DecoderErasure is not { } o) return null;
        int f = Math.Min(o.FitImages, mnist.Train.Count), n = Math.Min(o.Images, mnist.Test.Count);
        using var fitImages = mnist.Train.Images.narrow(0, 0, f);
        using var images = mnist.Test.Images.narrow(0, 0, n);
        var labels = mnist.Test.LabelArray()[..n];
        var concepts = ConceptRegistry.Resolve(o.Concepts);
        var fit = new ConceptImages(fitImages, mnist.Train.LabelArray()[..f]);
        var inputs = new ConceptImages(images, labels);
        progress.Info("erasing each concept from mu and decoding ...");
        using var fitMu = Mu(vae, fitImages);
        var rows = new List<DecoderErasureRow>();
        using var plain = Activations.RunWith(vae, images, "output", Replacement.Using(a => a)); // the reconstructions as decoded
        foreach (var concept in concepts)
        {
            var truth = concept.Compute(inputs).Values;
            double Survives(Tensor recon) => Pearson(truth, concept.Compute(new ConceptImages(recon.reshape(-1, 1, 28, 28), labels)).Values);
            using var eraser = Leace.Fit(fitMu, concept.Compute(fit));
            using var erased = Activations.RunWith(vae, images, "mu", Replacement.Using(eraser.Apply));
            var controls = new List<double>();
            using (var g = Seeds.Generator(options.Seed, $"vae/decoder-erasure/{concept.Name}"))
                for (int c = 0; c < o.Controls; c++)
                {
                    using var random = ConceptEraser.RandomSubspace(eraser.Mean, eraser.Rank, g);
                    using var recon = Activations.RunWith(vae, images, "mu", Replacement.Using(random.Apply));
                    controls.Add(Survives(recon));
                }
            rows.Add(new DecoderErasureRow(concept.Name, eraser.Rank, Survives(plain), Survives(erased), Spread.Of(controls),
                Mse(plain, images), Mse(erased, images)));
        }
        return rows;
    }

    static Tensor Mu(Vae vae, Tensor images)
    {
        using var _ = no_grad();
        vae.eval();
        return vae.Encode(images).Mu.to_type(ScalarType.Float64).detach();
    }

    static double Mse(Tensor recon, Tensor images) => (recon.reshape(images.shape) - images).square().mean().item<float>();

    static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average();
        double cov = a.Zip(b).Sum(t => (t.First - ma) * (t.Second - mb));
        double va = a.Sum(v => (v - ma) * (v - ma)), vb = b.Sum(v => (v - mb) * (v - mb));
        return va == 0 || vb == 0 ? double.NaN : cov / Math.Sqrt(va * vb);
    }

    public static string Markdown(VaeProbeResult r)
    {
        if (r.DecoderErasure is not { } rows) return "";
        var o = r.Options.DecoderErasure!;
        var sb = new StringBuilder();
        sb.AppendLine("## Does the decoder use what mu encodes?").AppendLine();
        sb.AppendLine($"Each concept erased from mu by LEACE (fitted on {o.FitImages:N0} training images), the first {o.Images:N0} test images decoded " +
                      "from the erased mu, and the concept measured on the reconstructions: Pearson's r between the inputs' concept and the " +
                      $"reconstructions', as decoded, after the erasure, and after erasing {o.Controls} random directions of the same rank (the control: " +
                      "mean and 2.5–97.5% range). A concept the decoder draws from the erased direction falls well below the control.").AppendLine();
        sb.AppendLine(Table(["concept", "rank", "r as decoded", "r erased", "r control [range]", "MSE as decoded → erased"],
            rows.Select(x => (IReadOnlyList<string>)[x.Concept, x.Rank.ToString(), Num(x.Before, 3), Num(x.After, 3),
                $"{Num(x.Control.Mean, 3)} [{Num(x.Control.Low, 3)}, {Num(x.Control.High, 3)}]", $"{Num(x.MseBefore, 4)} → {Num(x.MseAfter, 4)}"])));
        foreach (var x in rows)
            sb.AppendLine($"- {x.Concept}: " + (x.Rank == 0 ? "constant on the fit images' mu: nothing to erase."
                : double.IsNaN(x.Before) ? "constant on the inputs or the reconstructions: no correlation to compare."
                : x.After < x.Control.Low
                ? $"erasing it from mu takes r from {Num(x.Before, 3)} to {Num(x.After, 3)}, below every random direction: the decoder uses it."
                : $"erasing it leaves r at {Num(x.After, 3)}, within the random directions' range: the decoder does not rely on that direction alone."));
        sb.AppendLine();
        return sb.ToString();
    }

    public static object? Metrics(VaeProbeResult r) => r.DecoderErasure?.Select(x => new
    {
        concept = x.Concept, rank = x.Rank, r_decoded = x.Before, r_erased = x.After,
        r_control = new { mean = x.Control.Mean, low = x.Control.Low, high = x.Control.High }, mse_decoded = x.MseBefore, mse_erased = x.MseAfter,
    });
}
