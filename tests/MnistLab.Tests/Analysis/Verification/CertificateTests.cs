using MnistLab.Analysis.Verification;
using MnistLab.Analysis.Verification.Certificates;
using MnistLab.Cli;
using MnistLab.Tests.Support;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Analysis.Verification;

/// <summary>
/// Certificates: sealed in exact arithmetic, accepted when untouched, and rejected when anything in them is changed by the
/// least amount a double can change.
/// </summary>
public class CertificateTests
{
    /// <summary>The 2-input network and box of the branch-and-bound tests, proved just below its grid minimum.</summary>
    static (Module<Tensor, Tensor> Net, BoundGraph Graph, Interval Box, SplitProperty Property) Proved()
    {
        var net = SmallNets.Seeded(Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 3)), 11);
        var graph = BoundGraph.Of(net);
        var box = Interval.Box(tensor(new[] { -1.0, -1.0 }), tensor(new[] { 1.0, 1.0 }));
        using var _ = no_grad();
        var axis = linspace(-1, 1, 201, dtype: ScalarType.Float64);
        var y = graph.Layers.Forward(stack([axis.repeat_interleave(201), axis.repeat(201)], 1));
        int label = (int)graph.Layers.Forward(zeros(1, 2, dtype: ScalarType.Float64)).argmax(1).item<long>();
        var margin = y[TensorIndex.Colon, label].unsqueeze(1) - y;
        margin[TensorIndex.Colon, label] = tensor(double.PositiveInfinity);
        double threshold = margin.min().item<double>() - 0.1;
        return (net, graph, box, SplitProperty.Margins(label, 3) with { Thresholds = [threshold, threshold] });
    }

    static Certificate Sealed()
    {
        var (_, graph, box, property) = Proved();
        var (result, certificate) = BranchAndBound.Certify(graph, box, property, _ => null, 60);
        Assert.Equal(Verdict.Verified, result.Verdict);
        Assert.NotNull(certificate);
        return certificate!;
    }

    [Fact]
    public void A_linear_region_s_exact_minimum_is_what_the_dual_bound_gives_with_its_own_weights_as_multipliers()
    {
        using var scope = NewDisposeScope();
        // 2 → 2 → 1 with both hidden units active on the whole box: the network is one affine map there, so with λ = μ the
        // bound is min over the box's corners of that map, which the test computes itself.
        var net = Sequential(Linear(2, 2), ReLU(), Linear(2, 1));
        using (no_grad())
        {
            var p = net.parameters().ToArray();
            p[0].copy_(tensor(new float[] { 0.5f, -0.25f, 0.75f, 1.5f }, [2, 2]));
            p[1].copy_(tensor(new float[] { 3f, 4f }));
            p[2].copy_(tensor(new float[] { 1.25f, -0.5f }, [1, 2]));
            p[3].copy_(tensor(new float[] { 0.125f }));
        }
        var network = ExactNetwork.Of(BoundGraph.Of(net));
        var lower = new[] { Dyadic.From(-1), Dyadic.From(0.5) };
        var upper = new[] { Dyadic.From(1), Dyadic.From(2) };
        // Hidden bounds by interval arithmetic (exact here): z1 = 0.5a − 0.25b + 3 ∈ [2, 3.375], z2 = 0.75a + 1.5b + 4 ∈ [4, 7.75].
        var z = new[] { (Dyadic.From(2), Dyadic.From(3.375)), (Dyadic.From(4), Dyadic.From(7.75)) };
        for (int j = 0; j < 2; j++)
        {
            Assert.Equal(0, network.LowerBound(1, CertificateCheck.Unit(2, j, false), [], [], lower, upper).N.CompareTo(z[j].Item1));
            Assert.Equal(0, (-network.LowerBound(1, CertificateCheck.Unit(2, j, true), [], [], lower, upper).N).CompareTo(z[j].Item2));
        }
        var hidden = new ExactNetwork.Bounds([z[0].Item1, z[1].Item1], [z[0].Item2, z[1].Item2]);
        // y = 1.25 z1 − 0.5 z2 + 0.125 = 0.25a − 1.0625b + 1.875 on the box: smallest at a = −1, b = 2: −0.5.
        var exact = network.LowerBound(2, [Dyadic.From(1)], [new[] { 1.25, -0.5 }], [hidden], lower, upper);
        Assert.Equal(0, exact.N.CompareTo(Dyadic.From(-0.5)));
        // With no multipliers it is interval arithmetic on the hidden layer: 1.25·2 − 0.5·7.75 + 0.125 = −1.25, looser.
        Assert.Equal(0, network.LowerBound(2, [Dyadic.From(1)], [], [hidden], lower, upper).N.CompareTo(Dyadic.From(-1.25)));
    }

    [Fact]
    public void A_sealed_certificate_is_accepted_and_survives_being_written_and_read()
    {
        using var scope = NewDisposeScope();
        var certificate = Sealed();
        Assert.True(certificate.Leaves > 1, "the proof should need branching");
        var (_, graph, box, property) = Proved();
        var network = ExactNetwork.Of(graph);
        var check = CertificateCheck.Run(certificate, network, property, box);
        Assert.True(check.Accepted, check.Reason);
        Assert.Equal(certificate.Leaves, check.Leaves);
        using var dir = new TempDir();
        certificate.Write(dir.File("c.json"));
        var again = Certificate.Read(dir.File("c.json"));
        Assert.True(CertificateCheck.Run(again, network, property, box).Accepted);
    }

    public static TheoryData<string, string> Tamperings => new()
    {
        { "a leaf's bound one ulp higher", "higher than its multipliers give" },
        { "a hidden unit's lower bound one ulp higher", "tighter than its proof gives" },
        { "a hidden unit's upper bound one ulp lower", "tighter than its proof gives" },
        { "a missing leaf", "missing a part" },
        { "a leaf's multipliers zeroed", "higher than its multipliers give" },
        { "a weight of the network one ulp off", "not this one" },
        { "a box narrower than the property's", "does not hold the property's" },
        { "a proof left out", "leaves disjunct" },
    };

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void A_certificate_changed_by_the_least_amount_is_rejected_saying_where(string change, string said)
    {
        using var scope = NewDisposeScope();
        var c = Sealed();
        var (net, graph, box, property) = Proved();
        var network = ExactNetwork.Of(graph);
        var leaf = FirstLeaf(c.Tree);
        switch (change)
        {
            case "a leaf's bound one ulp higher":
                leaf.Proofs[0] = leaf.Proofs[0] with { Bound = Math.BitIncrement(leaf.Proofs[0].Bound) };
                break;
            case "a hidden unit's lower bound one ulp higher":
                c.Layers[1].Lower[3] = Math.BitIncrement(c.Layers[1].Lower[3]);
                break;
            case "a hidden unit's upper bound one ulp lower":
                c.Layers[0].Upper[5] = Math.BitDecrement(c.Layers[0].Upper[5]);
                break;
            case "a missing leaf":
                c = c with { Tree = WithoutFirstLeaf(c.Tree) };
                break;
            case "a leaf's multipliers zeroed":
                Array.Clear(leaf.Proofs[0].Lambdas[1]);
                break;
            case "a weight of the network one ulp off":
                using (no_grad())
                {
                    var w = net.parameters().First();
                    w[0, 0] = tensor(MathF.BitIncrement(w[0, 0].item<float>()));
                }
                network = ExactNetwork.Of(BoundGraph.Of(net));
                break;
            case "a box narrower than the property's":
                c.BoxLower[1] = Math.BitIncrement(c.BoxLower[1]);
                break;
            case "a proof left out":
                c = c with { Tree = WithoutProofs(c.Tree) };
                break;
        }
        var check = CertificateCheck.Run(c, network, property, box);
        Assert.False(check.Accepted, $"{change}: accepted");
        Assert.Contains(said, check.Reason);
    }

    [Fact]
    public void A_file_that_is_not_a_whole_certificate_is_refused_naming_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("cut.json"), "{\"format\": \"mnistlab-certificate/1\", \"network\": ");
        Assert.Contains($"{dir.File("cut.json")}: not a certificate", Assert.Throws<MnistLab.Common.MnistLabException>(() => Certificate.Read(dir.File("cut.json"))).Message);
        File.WriteAllText(dir.File("empty.json"), "{\"format\": \"mnistlab-certificate/1\"}");
        Assert.Contains("not a complete certificate (network is missing)", Assert.Throws<MnistLab.Common.MnistLabException>(() => Certificate.Read(dir.File("empty.json"))).Message);
        using var scope = NewDisposeScope();
        var c = Sealed();
        var (_, graph, box, property) = Proved();
        // A vector of multipliers one entry short is malformed, not a crash.
        var leaf = FirstLeaf(c.Tree);
        leaf.Proofs[0] = leaf.Proofs[0] with { Lambdas = [leaf.Proofs[0].Lambdas[0][..^1], leaf.Proofs[0].Lambdas[1]] };
        var check = CertificateCheck.Run(c, ExactNetwork.Of(graph), property, box);
        Assert.False(check.Accepted);
        Assert.StartsWith("malformed:", check.Reason);
    }

    [Fact]
    public void Verify_writes_a_certificate_for_an_unsat_mnist_fc_instance_and_verify_check_accepts_it_and_rejects_a_changed_one()
    {
        using var dir = new TempDir();
        var suite = VnnCompSuite.Open(Path.Combine(AppContext.BaseDirectory, "vnncomp2022", "mnist_fc"));
        string onnx = suite.Unpacked("onnx/mnist-net_256x2.onnx", dir.Path), vnnlib = suite.Unpacked("vnnlib/prop_4_0.03.vnnlib", dir.Path);
        string cert = dir.File("proof.json");
        Assert.Equal(CliApp.Ok, CliApp.Run(["verify", "--onnx", onnx, "--vnnlib", vnnlib, "--method", "complete", "--timeout", "60", "--certificate", cert, "--result", dir.File("r.txt")]));
        Assert.Equal("unsat\n", File.ReadAllText(dir.File("r.txt")));
        Assert.Equal(CliApp.Ok, CliApp.Run(["verify-check", cert, "--onnx", onnx, "--vnnlib", vnnlib]));

        var c = Certificate.Read(cert);
        var leaf = FirstLeaf(c.Tree);
        leaf.Proofs[0] = leaf.Proofs[0] with { Bound = Math.BitIncrement(leaf.Proofs[0].Bound) };
        c.Write(dir.File("changed.json"));
        Assert.Equal(CliApp.Failure, CliApp.Run(["verify-check", dir.File("changed.json"), "--onnx", onnx, "--vnnlib", vnnlib]));
        // The property of another image: the certificate's rows or box are not its own.
        string other = suite.Unpacked("vnnlib/prop_5_0.03.vnnlib", dir.Path);
        Assert.Equal(CliApp.Failure, CliApp.Run(["verify-check", cert, "--onnx", onnx, "--vnnlib", other]));
    }

    /// <summary>The first leaf with a proof, depth first (the leaves of a sealed tree each prove what their ancestors left open).</summary>
    static CertificateNode FirstLeaf(CertificateNode n) =>
        n.Split is null ? n : FirstWithProof(n.Active!) ?? FirstLeaf(n.Inactive!);

    static CertificateNode? FirstWithProof(CertificateNode n) =>
        n.Split is null ? (n.Proofs.Length > 0 ? n : null) : FirstWithProof(n.Active!) ?? FirstWithProof(n.Inactive!);

    static CertificateNode WithoutFirstLeaf(CertificateNode n) =>
        n.Active!.Split is null ? n with { Active = null } : n with { Active = WithoutFirstLeaf(n.Active) };

    static CertificateNode WithoutProofs(CertificateNode n) =>
        n.Split is null ? n with { Proofs = [] } : n with { Active = WithoutProofs(n.Active!) };
}
