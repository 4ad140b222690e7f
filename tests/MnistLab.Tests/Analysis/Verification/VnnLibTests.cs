using System.Globalization;
using System.Text;
using MnistLab.Analysis.Verification;
using MnistLab.Cli;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Verification;

[Collection(RealMnistCollection.Name)]
public class VnnLibTests(RealMnist mnist)
{
    /// <summary>VNN-COMP's MNIST property: the L∞ ball of the image clipped to [0, 1], unsafe when any other output reaches the label's.</summary>
    static string Property(float[] pixels, int label, double eps)
    {
        var sb = new StringBuilder("; robustness of one image\n");
        for (int i = 0; i < pixels.Length; i++) sb.Append(CultureInfo.InvariantCulture, $"(declare-const X_{i} Real)\n");
        for (int j = 0; j < 10; j++) sb.Append(CultureInfo.InvariantCulture, $"(declare-const Y_{j} Real)\n");
        for (int i = 0; i < pixels.Length; i++)
        {
            double x = pixels[i];
            sb.Append(CultureInfo.InvariantCulture, $"(assert (<= X_{i} {Math.Min(1, x + eps):R}))\n(assert (>= X_{i} {Math.Max(0, x - eps):R}))\n");
        }
        sb.Append("(assert (or\n");
        for (int j = 0; j < 10; j++) if (j != label) sb.Append(CultureInfo.InvariantCulture, $"    (and (>= Y_{j} Y_{label}))\n");
        return sb.Append("))\n").ToString();
    }

    [Fact]
    public void A_property_is_read_into_its_box_and_unsafe_disjuncts()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("p.vnnlib"), "(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n" +
            "(declare-const Y_2 Real)\n(assert (>= X_0 -1)) (assert (<= X_0 0.5)) (assert (<= 0.25 X_1)) (assert (>= 1 X_1)) ; comment\n" +
            "(assert (<= Y_2 3))\n(assert (or (and (>= Y_0 Y_1) (<= Y_0 2.5)) (and (> Y_1 Y_0))))\n");
        var p = VnnLibProperty.Read(dir.File("p.vnnlib"));
        Assert.Equal([-1, 0.25], p.Lower);
        Assert.Equal([0.5, 1], p.Upper);
        Assert.Equal(3, p.Outputs);
        Assert.Equal(2, p.Unsafe.Count);
        // Y_0 − Y_1 ≥ 0, −Y_0 ≥ −2.5, and the common −Y_2 ≥ −3.
        Assert.Equal([[1.0, -1, 0], [-1.0, 0, 0], [0.0, 0, -1]], p.Unsafe[0].Select(c => c.Coefficients));
        Assert.Equal([0, -2.5, -3], p.Unsafe[0].Select(c => c.Bound));
        Assert.Equal([[-1.0, 1, 0], [0.0, 0, -1]], p.Unsafe[1].Select(c => c.Coefficients));

        File.WriteAllText(dir.File("bad.vnnlib"), "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (>= X_0 0))\n(assert (<= Y_0 (* 2 X_0)))\n");
        var e = Assert.Throws<MnistLabException>(() => VnnLibProperty.Read(dir.File("bad.vnnlib")));
        Assert.StartsWith($"{dir.File("bad.vnnlib")}, line 4:", e.Message);
        File.WriteAllText(dir.File("open.vnnlib"), "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (>= X_0 0))\n(assert (<= Y_0 1))\n");
        Assert.Contains("X_0 has no upper bound", Assert.Throws<MnistLabException>(() => VnnLibProperty.Read(dir.File("open.vnnlib"))).Message);
    }

    [Fact]
    public void Verify_answers_unsat_for_a_proved_ball_and_sat_with_a_checked_counterexample_for_a_wide_one()
    {
        using var dir = new TempDir();
        var test = mnist.Data.Test;
        float[] pixels = [.. test.Images[0].flatten().data<float>()];
        int label = (int)test.Labels[0].item<long>();
        File.WriteAllText(dir.File("small.vnnlib"), Property(pixels, label, 0.01));
        File.WriteAllText(dir.File("wide.vnnlib"), Property(pixels, label, 0.15));
        string onnx = ModelFixtures.File("mlp.onnx");

        Assert.Equal(CliApp.Ok, CliApp.Run(["verify", "--onnx", onnx, "--vnnlib", dir.File("small.vnnlib"), "--result", dir.File("small.txt")]));
        Assert.Equal("unsat\n", File.ReadAllText(dir.File("small.txt")));

        Assert.Equal(CliApp.Ok, CliApp.Run(["verify", "--onnx", onnx, "--vnnlib", dir.File("wide.vnnlib"), "--result", dir.File("wide.txt")]));
        var lines = File.ReadAllLines(dir.File("wide.txt"));
        Assert.Equal("sat", lines[0]);
        Assert.Equal(784 + 10, lines.Length - 1);
        double[] x = [.. lines.Skip(1).Take(784).Select(l => double.Parse(l.Trim('(', ')').Split(' ')[1], CultureInfo.InvariantCulture))];
        double[] y = [.. lines.Skip(785).Select(l => double.Parse(l.Trim('(', ')').Split(' ')[1], CultureInfo.InvariantCulture))];
        for (int i = 0; i < 784; i++) Assert.InRange(x[i], Math.Max(0, pixels[i] - 0.15), Math.Min(1, pixels[i] + 0.15));
        // The counterexample, run through the model again here: some other class reaches the label's score.
        var built = ModelSource.Build(onnx, null, null, empty(0));
        using var model = built.Model;
        using var _ = no_grad();
        var again = model.call(tensor(x.Select(v => (float)v).ToArray(), [1, 784])).flatten().to_type(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(y, again);
        Assert.Contains(Enumerable.Range(0, 10), j => j != label && again[j] >= again[label]);
    }
}
