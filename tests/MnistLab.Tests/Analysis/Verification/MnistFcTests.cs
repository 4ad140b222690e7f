using System.Globalization;
using MnistLab.Analysis.Verification;
using MnistLab.Common;
using MnistLab.Tests.Import;
using MnistLab.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MnistLab.Tests.Analysis.Verification;

/// <summary>
/// A handful of VNN-COMP 2022 mnist_fc instances (bench/vnncomp2022/mnist_fc) with short time limits: every answer agrees
/// with the entrants' published ones, every unsat answer's certificate is accepted by the exact checker, and every
/// counterexample satisfies the property when ONNX Runtime, not MnistLab, runs the network on it. The bench runs all 90 under the competition's limits.
/// </summary>
public class MnistFcTests
{
    static string Folder => Path.Combine(AppContext.BaseDirectory, "vnncomp2022", "mnist_fc");

    [Theory]
    // α-CROWN proves it at the root; PGD falsifies it; branch and bound proves it; branch and bound falsifies it (PGD does not).
    [InlineData("mnist-net_256x2", "prop_0_0.03", "unsat")]
    [InlineData("mnist-net_256x2", "prop_1_0.05", "sat")]
    [InlineData("mnist-net_256x2", "prop_10_0.05", "unsat")]
    [InlineData("mnist-net_256x2", "prop_2_0.03", "sat")]
    [InlineData("mnist-net_256x4", "prop_1_0.03", "sat")]
    public void Complete_verification_answers_as_the_entrants_did(string network, string property, string published)
    {
        var suite = VnnCompSuite.Open(Folder);
        var instance = suite.Instances.Single(i => i.Name == $"{network}/{property}");
        Assert.Equal(published, suite.Reference(instance));
        using var work = new TempDir();
        var answer = suite.Run(instance, new VnnLibOptions { Method = "complete", Certify = true }, work.Path, timeScale: 0.5);
        Assert.False(answer.Contradicts, $"{instance.Name}: MnistLab answered {answer.Status}, the entrants {published}");
        Assert.True(answer.Solved, $"{instance.Name}: {answer.Status} after {answer.Seconds:F1} s of {instance.Timeout * 0.5} s");
        // An unsat answer comes with a certificate that the exact checker accepts.
        if (answer.Status == VnnStatus.Unsat) Assert.True(answer.Check is { Accepted: true }, answer.Check?.Reason ?? "no certificate");
        if (answer.Status != VnnStatus.Sat) return;

        OnnxRuntimeCheck.Require("the counterexample was re-checked on MnistLab's own import of the network");
        var vnnlib = VnnLibProperty.Read(suite.Unpacked(instance.Vnnlib, work.Path));
        using var onnx = new InferenceSession(suite.Unpacked(instance.Onnx, work.Path));
        var x = answer.X!.Select(v => (float)v).ToArray();
        for (int i = 0; i < x.Length; i++) Assert.InRange(x[i], vnnlib.Lower[i], vnnlib.Upper[i]);
        string input = onnx.InputMetadata.Keys.Single();
        var shape = onnx.InputMetadata[input].Dimensions.Select(d => d < 0 ? 1 : d).ToArray();
        using var outputs = onnx.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(x, shape))]);
        var y = outputs.Single().AsEnumerable<float>().Select(v => (double)v).ToArray();
        Assert.Contains(vnnlib.Unsafe, disjunct => disjunct.All(c => c.Coefficients.Zip(y, (a, v) => a * v).Sum() >= c.Bound));
    }

    [Fact]
    public void A_malformed_instance_list_is_refused_naming_its_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("instances.csv"), "onnx/a.onnx,vnnlib/p.vnnlib,120\nonnx/b.onnx,vnnlib/q.vnnlib\n");
        var e = Assert.Throws<MnistLabException>(() => VnnCompSuite.Open(dir.Path));
        Assert.Contains("instances.csv, line 2", e.Message);
        Assert.Contains("expected 'network.onnx,property.vnnlib,timeout seconds'", e.Message);
    }
}
