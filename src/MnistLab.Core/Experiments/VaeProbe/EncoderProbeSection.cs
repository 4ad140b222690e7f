using System.Text;
using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;

namespace MnistLab.Experiments.VaeProbe;

/// <summary>
/// Every layer of the encoder, not only the latent means: the same ridge probe reads size, thickness and slant from the
/// encoder's hidden layer, mu and logvar, from the raw pixels, and from the same points of a randomly initialised VAE,
/// each with its control task, online code length and MI (KSG between the probe's held-out prediction and the concept).
/// </summary>
static class EncoderProbeSection
{
    public static readonly ProbeTableOptions Defaults = new()
    {
        Layers = ["enc.hidden", "mu", "logvar"],
        Concepts = ["size", "thick", "slant"],
        Images = 5000,
        Probe = new ProbeOptions { Folds = 3, LogisticLambdas = [1e-1, 1e-2, 1e-3], Bootstrap = 100, Null = 100 },
    };

    public static ProbeTableResult? Compute(Vae vae, Mnist mnist, VaeProbeOptions options, Common.IProgressSink progress)
    {
        if (options.EncoderProbe is not { } o) return null;
        int n = Math.Min(o.Images, mnist.Test.Count);
        using var images = mnist.Test.Images.narrow(0, 0, n);
        progress.Info("probing every encoder layer for the concepts ...");
        return ProbeTable.Compute(vae, x => x, new ConceptImages(images, mnist.Test.LabelArray()[..n]), o with { Images = n }, progress, options.Seed);
    }

    public static string Markdown(VaeProbeResult r)
    {
        if (r.Encoder is not { } t) return "";
        var sb = new StringBuilder();
        sb.AppendLine("## Every encoder layer, with the pixel baseline").AppendLine();
        var p0 = t.Probes[0];
        sb.AppendLine($"The same ridge probe on each point of the encoder (enc.hidden = the 256 ReLU units, mu, logvar), on the raw pixels, and on " +
                      $"a randomly initialised VAE's same points; first {t.Images:N0} test images, {p0.TrainImages:N0} to fit and {p0.TestImages:N0} held " +
                      $"out; lambda by {t.Options.Probe.Folds}-fold cross-validation. Score = held-out R²; control = the concept shuffled across images; " +
                      "MDL = online code of the concept's deciles under the ridge probe; MI = KSG between the held-out prediction and the concept " +
                      $"(a lower bound on I(layer; concept)). Probed in {t.Seconds:F0} s.").AppendLine();
        sb.AppendLine(ProbeTableReport.CompactTable(t));
        foreach (var c in t.Concepts)
        {
            var trained = t.Layers.Where(l => l.Role == "trained").Select(l => t.Get(l.Name, c)).ToList();
            var best = trained.MaxBy(p => p.Score)!;
            var mu = t.Get("mu", c);
            string pixels = t.Layers.Any(l => l.Name == ProbeTable.Pixels) ? $"; pixels {t.Get(ProbeTable.Pixels, c).Score:F3}" : "";
            sb.AppendLine($"- {c}: R² {mu.Score:F3} from mu, best {best.Score:F3} from {best.Layer}{pixels}.");
        }
        sb.AppendLine();
        return sb.ToString();
    }

    public static object? Metrics(VaeProbeResult r) => r.Encoder is null ? null : new { images = r.Encoder.Images, seconds = r.Encoder.Seconds, probes = ProbeTableReport.Entries(r.Encoder) };
}
