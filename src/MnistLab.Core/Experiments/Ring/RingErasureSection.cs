using System.Text;
using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;

namespace MnistLab.Experiments.Ring;

/// <summary>
/// The probe says whether the pixels-only MLP's hidden layer encodes the ring; this section asks whether the MLP uses
/// it: the ring (and, for scale, the class) erased from the hidden layer by LEACE, the test accuracy with the erased
/// layer against erasing random subspaces of the same rank.
/// </summary>
public static class RingErasureSection
{
    public static readonly ErasureOptions Defaults = new() { Layers = ["relu1"], Concepts = ["ring", "class"], FitImages = 5000, Controls = 10 };

    /// <summary>The images everything but the erasers is measured on: the first test images.</summary>
    const int EvalImages = 2000;

    public static ErasureResult Compute(nn.Module<Tensor, Tensor> mlp, Mnist mnist, ErasureOptions options, long seed, Common.IProgressSink progress)
    {
        var spec = ((ILabModel)mlp).Spec;
        int f = Math.Min(options.FitImages, mnist.Train.Count), n = Math.Min(EvalImages, mnist.Test.Count);
        using var fitImages = mnist.Train.Images.narrow(0, 0, f);
        using var evalImages = mnist.Test.Images.narrow(0, 0, n);
        var fit = new ConceptImages(fitImages, mnist.Train.LabelArray()[..f]);
        var eval = new ConceptImages(evalImages, mnist.Test.LabelArray()[..n]);
        progress.Info("erasing the ring from the pixels-only MLP's hidden layer ...");
        return Erasure.Compute(mlp, x => ModelInputs.Prepare(spec, x, _ => throw new InvalidOperationException("reads no other training")), fit, eval,
            options with { FitImages = f }, progress, seed);
    }

    public static string Markdown(RingResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("## Does the pixels-only MLP use the ring?").AppendLine();
        if (r.Erasure is not { } e)
        {
            sb.AppendLine("Not measured: the pixels-only MLP is trained only by the ablation over seeds, which this run skipped (or the erasure was turned off).").AppendLine();
            return sb.ToString();
        }
        sb.AppendLine($"Each concept erased from the hidden layer by {e.Options.Method.ToUpperInvariant()} (fitted on {e.FitImages:N0} training images), the MLP " +
                      $"run on {e.EvalImages:N0} test images with the erased layer, against erasing {e.Options.Controls} random subspaces of the same rank " +
                      "(the control). **Used** is the control's accuracy minus the erased one; after the erasure the probe should score what a constant does.").AppendLine();
        sb.AppendLine(Table(["concept", "rank", "probe before → after (constant)", "accuracy before → after", "control after [range]", "used"],
            e.Rows.Select(x => (IReadOnlyList<string>)[x.Concept, $"{x.Rank} of {x.Width}", $"{Num(x.ProbeBefore, 3)} → {Num(x.ProbeAfter, 3)} ({Num(x.ConstantScore, 3)})",
                $"{Pct(x.AccBefore)} → {Pct(x.AccAfter)}", $"{Pct(x.ControlAccAfter.Mean)} [{Pct(x.ControlAccAfter.Low)}, {Pct(x.ControlAccAfter.High)}]",
                $"{x.Used * 100:+0.00;-0.00} pp"])));
        if (e.Rows.FirstOrDefault(x => x.Concept == "ring") is { } ring)
            sb.AppendLine($"- Without the ring's direction the MLP classifies {Pct(ring.AccAfter)} of the images, where a random direction leaves " +
                          $"{Pct(ring.ControlAccAfter.Mean)} (range {Pct(ring.ControlAccAfter.Low)}–{Pct(ring.ControlAccAfter.High)}): " +
                          (ring.AccAfter < ring.ControlAccAfter.Low ? "it uses the ring beyond any direction of the layer." : "erasing it costs no more than a random direction.")).AppendLine();
        return sb.ToString();
    }

    public static object? Metrics(RingResult r) => r.Erasure is null ? null : ErasureReport.Entries(r.Erasure);
}
