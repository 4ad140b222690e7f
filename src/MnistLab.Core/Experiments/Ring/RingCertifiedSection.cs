using System.Text;
using MnistLab.Analysis.Verification;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Features;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Experiments.Ring;

/// <summary>
/// How robust are the ring models, proved? The ring models read 785 numbers, the pixels and then the ring bit (or a 0 in
/// its place), so each is proved through an equivalent model of the image alone: the first layer's ring column folded into
/// its bias at a fixed ring value. The pixels-only models hold 0 there, exactly as they were trained. For the models that
/// read the ring, an image of the ball may have a hole or not (binarising a pixel near the threshold can open or close
/// one), so an image counts as proved only when both ring values are proved over its ball; the attack runs with the
/// image's own ring value, and a counterexample counts only if its own ring (recomputed) is that value.
/// </summary>
static class RingCertifiedSection
{
    public static IEnumerable<CertifiedRow> Compute(Module net, string key, bool readsRing, Mnist mnist, byte[] testRing, RingOptions options, IProgressSink progress)
    {
        if (options.Certified is not { } o) yield break;
        int n = Math.Min(o.Images, mnist.Test.Count);
        using var images = mnist.Test.Images.narrow(0, 0, n);
        long[] labels = mnist.Test.LabelArray()[..n];
        long[] indices = [.. Enumerable.Range(0, n).Select(i => (long)i)];
        using var withoutRing = ImageModel(net, 0);
        using var withRing = readsRing ? ImageModel(net, 1) : null;
        foreach (var eps in o.Epsilons)
        {
            progress.Info($"{key}: proving its answers over L∞ balls of radius {eps} ...");
            var at0 = Verifier.Compute(withoutRing, images, labels, indices, o.At(eps, n, options.Seed));
            if (withRing is null)
            {
                yield return CertifiedRow.Of(key, at0);
                continue;
            }
            var at1 = Verifier.Compute(withRing, images, labels, indices, o.At(eps, n, options.Seed));
            int clean = 0, falsified = 0, certified = 0;
            for (int i = 0; i < n; i++)
            {
                var own = testRing[i] == 0 ? at0.Images[i] : at1.Images[i];
                if (own.Prediction == own.Label) clean++;
                if (at0.Images[i].Verdict == Verdict.Verified && at1.Images[i].Verdict == Verdict.Verified) certified++;
                else if (own.Verdict == Verdict.Falsified && RingOf(own.Counterexample!, options.Threshold) == testRing[i]) falsified++;
            }
            yield return new CertifiedRow(key, eps, n, clean / (double)n, 1 - falsified / (double)n, certified / (double)n,
                at0.PgdSeconds + at0.BoundSeconds + at1.PgdSeconds + at1.BoundSeconds);
        }
    }

    /// <summary>
    /// The model of the image alone that <paramref name="net"/> (a sequence of layers starting with a Linear on 785 inputs)
    /// is when its last input is held at <paramref name="ring"/>: the first layer's pixel columns, with the ring column
    /// times the ring value added to its bias; the later layers copied.
    /// </summary>
    internal static TorchSharp.Modules.Sequential ImageModel(Module net, float ring)
    {
        using var _ = no_grad();
        var layers = ((ILayerSequence)net).Layers().ToList();
        if (layers[0] is not TorchSharp.Modules.Linear { in_features: 785 } first)
            throw new ArgumentException($"a ring model starts with a Linear layer on 785 inputs, got {layers[0].GetType().Name}.");
        var image = Linear(784, first.out_features);
        image.weight!.copy_(first.weight!.narrow(1, 0, 784));
        image.bias!.copy_(first.bias! + first.weight!.select(1, 784) * ring);
        var rest = layers.Skip(1).Select(l => l switch
        {
            TorchSharp.Modules.Linear linear => Copy(linear),
            TorchSharp.Modules.ReLU => (Module)ReLU(),
            _ => throw new ArgumentException($"a ring model's later layers are Linear and ReLU, got {l.GetType().Name}."),
        });
        var model = Sequential([Flatten(), image, .. rest]);
        model.eval();
        return model;

        static Module Copy(TorchSharp.Modules.Linear linear)
        {
            var copy = Linear(linear.in_features, linear.out_features);
            copy.weight!.copy_(linear.weight!);
            copy.bias!.copy_(linear.bias!);
            return copy;
        }
    }

    static byte RingOf(float[] pixels, double threshold)
    {
        using var image = tensor(pixels).reshape(1, 1, 28, 28);
        return Topology.Compute(image, threshold).Ring[0];
    }

    public static string Markdown(RingResult r)
    {
        if (r.Certified is not { Count: > 0 } rows) return "";
        var o = r.Options.Certified!;
        var sb = new StringBuilder();
        sb.AppendLine("## Proved robustness: certified accuracy").AppendLine();
        sb.AppendLine($"The run's own unboosted models on the first {rows[0].Images:N0} test images, for every image within an L∞ ball around each (clipped " +
                      $"to [0, 1]): a PGD attack (accuracy against it is an upper bound on the robust accuracy), then {o.Method.ToUpperInvariant()}'s lower " +
                      "bounds on every margin over the ball (a lower bound). The pixels-only models read a 0 in the ring's place, as they were trained. " +
                      "A model that reads the ring is proved on an image only if it keeps the label with the ring input at 0 and at 1 over the whole " +
                      "ball (a pixel moved across the binarising threshold can open or close a hole), and is broken only by an image of the ball " +
                      "whose own ring, recomputed, is the one the attack held: the ring is a feature the model can be fooled through.").AppendLine();
        sb.AppendLine(CertifiedAccuracy.Table(rows));
        return sb.ToString();
    }

    public static object? Metrics(RingResult r) => r.Certified is null ? null : CertifiedAccuracy.Metrics(r.Certified);
}
