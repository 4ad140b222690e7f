using MnistLab.Attribution;
using MnistLab.Models;
using MnistLab.Tests.Support;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Tests.Attribution;

public class AttributionMethodsTests
{
    static Tensor Images(int n, int seed) => RandomImages.Of(n, seed);

    static long[] Targets(int n, int classes = 10) => Enumerable.Range(0, n).Select(i => (long)((i * 7 + 3) % classes)).ToArray();

    static float[] Row(Tensor t, long i) => t[i].reshape(-1).to_type(ScalarType.Float32).data<float>().ToArray();

    [Fact]
    public void Integrated_gradients_of_a_linear_model_is_input_minus_baseline_times_the_weights()
    {
        using var init = new Generator(3);
        using var model = new LinearClassifier(new LinearSpec(), init);
        using var x = Images(6, 1);
        using var baseline = Images(1, 2);
        var targets = Targets(6);
        foreach (var method in new[] { IntegrationMethod.GaussLegendre, IntegrationMethod.RiemannLeft, IntegrationMethod.RiemannMiddle, IntegrationMethod.RiemannRight })
        {
            var ig = IntegratedGradients.Compute(new AttributionInput(model, x, targets), new IntegratedGradientsOptions { Method = method, Steps = 7, Baseline = Baseline.Image(baseline) });
            for (int i = 0; i < 6; i++)
            {
                var want = ((x[i] - baseline[0]).reshape(-1) * model.Weight[targets[i]].detach()).data<float>().ToArray();
                var got = ig.Map(i);
                for (int p = 0; p < 784; p++) Assert.Equal(want[p], got[p], 1e-6);
            }
            // A linear model is its own first-order expansion: completeness holds to float rounding.
            Assert.True(ig.MaxAbsCompletenessError < 1e-4, $"{method}: {ig.MaxAbsCompletenessError}");
        }
    }

    [Fact]
    public void Saliency_of_a_linear_model_is_the_absolute_weight_for_every_input()
    {
        using var init = new Generator(4);
        using var model = new LinearClassifier(new LinearSpec(), init);
        using var x = Images(5, 3);
        var targets = Targets(5);
        var saliency = Saliency.Compute(new AttributionInput(model, x, targets), new SaliencyOptions());
        var signed = Saliency.Compute(new AttributionInput(model, x, targets), new SaliencyOptions { Abs = false });
        for (int i = 0; i < 5; i++)
        {
            var w = model.Weight[targets[i]].detach().data<float>().ToArray();
            Assert.Equal(w.Select(Math.Abs), saliency.Map(i));
            Assert.Equal(w, signed.Map(i));
        }
    }

    [Fact]
    public void Gauss_Legendre_nodes_are_numpys_and_integrate_polynomials_exactly()
    {
        var (x2, w2) = Quadrature.GaussLegendre(2);
        Assert.Equal(-1 / Math.Sqrt(3), x2[0], 1e-15);
        Assert.Equal(1 / Math.Sqrt(3), x2[1], 1e-15);
        Assert.Equal([1.0, 1.0], w2.Select(w => Math.Round(w, 14)));
        foreach (int n in new[] { 1, 5, 50, 101 })
        {
            var (a, w) = Quadrature.Nodes(IntegrationMethod.GaussLegendre, n);
            Assert.Equal(1, w.Sum(), 1e-13);
            Assert.True(a.Zip(a.Skip(1)).All(p => p.First < p.Second) && a[0] > 0 && a[^1] < 1);
            int degree = 2 * n - 1; // ∫₀¹ α^d dα = 1/(d+1)
            Assert.Equal(1.0 / (degree + 1), a.Zip(w).Sum(p => Math.Pow(p.First, degree) * p.Second), 1e-12);
        }
        // Captum's trapezoid: linspace(0, 1, n) with the ends halved, weights summing to 1 − 1/n.
        var (ta, tw) = Quadrature.Nodes(IntegrationMethod.RiemannTrapezoid, 4);
        Assert.Equal([0, 1 / 3.0, 2 / 3.0, 1], ta);
        Assert.Equal([0.125, 0.25, 0.25, 0.125], tw);
    }

    static Mlp SmallMlp(int seed, int hidden = 24)
    {
        using var init = new Generator((ulong)seed);
        return new Mlp(new MlpSpec(784, hidden, 10), init);
    }

    [Fact]
    public void Exact_integrated_gradients_completes_and_riemann_converges_to_it()
    {
        using var model = SmallMlp(5);
        using var x = Images(4, 6);
        var input = new AttributionInput(model, x, Targets(4));
        var exact = ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions());
        Assert.True(exact.MaxAbsCompletenessError < 1e-5, $"exact completeness {exact.MaxAbsCompletenessError}");
        Assert.All(exact.Pieces!, p => Assert.True(p >= 1 && p <= 25)); // one hidden ReLU layer: each unit switches at most once
        double previous = double.MaxValue;
        foreach (int steps in new[] { 8, 64, 512, 4096 })
        {
            var riemann = IntegratedGradients.Compute(input, new IntegratedGradientsOptions { Steps = steps, Method = IntegrationMethod.RiemannMiddle });
            double diff = exact.Values.Zip(riemann.Values).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(diff <= previous * 1.05 + 1e-7, $"{steps} steps: {diff} after {previous}");
            previous = diff;
        }
        Assert.True(previous < 1e-4, $"4096 midpoint steps differ from the exact integral by {previous}");
    }

    [Fact]
    public void Exact_integrated_gradients_handles_convolution_batchnorm_and_max_pooling()
    {
        manual_seed(11);
        using var model = Sequential(Conv2d(1, 3, 3, padding: 1), BatchNorm2d(3), ReLU(), MaxPool2d(2), Flatten(), Linear(3 * 14 * 14, 10));
        using (no_grad())
        {
            // Running statistics as training would leave them, so the fold into the convolution is exercised.
            var bn = (TorchSharp.Modules.BatchNorm2d)model.children().ElementAt(1);
            bn.running_mean!.copy_(tensor(new float[] { 0.1f, -0.2f, 0.3f }));
            bn.running_var!.copy_(tensor(new float[] { 0.5f, 2f, 1.5f }));
            bn.weight!.copy_(tensor(new float[] { 1.2f, 0.7f, -0.9f }));
        }
        using var x = Images(3, 7);
        var input = new AttributionInput(model, x, Targets(3));
        var exact = ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions());
        Assert.True(exact.MaxAbsCompletenessError < 1e-5, $"exact completeness {exact.MaxAbsCompletenessError}");
        var riemann = IntegratedGradients.Compute(input, new IntegratedGradientsOptions { Steps = 3000, Method = IntegrationMethod.RiemannMiddle });
        double scale = exact.Values.Max(v => Math.Abs(v));
        Assert.True(exact.Values.Zip(riemann.Values).Max(p => Math.Abs(p.First - p.Second)) < 1e-3 * scale);
    }

    [Fact]
    public void Lrp_zero_on_a_bias_free_relu_net_is_gradient_times_input()
    {
        manual_seed(12);
        using var mlp = Sequential(Flatten(), Linear(784, 32, hasBias: false), ReLU(), Linear(32, 10, hasBias: false));
        using var cnn = Sequential(Conv2d(1, 4, 3, bias: false), ReLU(), MaxPool2d(2), Flatten(), Linear(4 * 13 * 13, 10, hasBias: false));
        using var x = Images(5, 8);
        foreach (var model in new Module<Tensor, Tensor>[] { mlp, cnn })
        {
            var input = new AttributionInput(model, x, Targets(5));
            var lrp = Lrp.Compute(input, new LrpOptions { Composite = "zero" });
            var gxi = InputXGradient.Compute(input, new InputXGradientOptions());
            double scale = gxi.Values.Max(v => Math.Abs(v));
            Assert.True(lrp.Values.Zip(gxi.Values).Max(p => Math.Abs(p.First - p.Second)) < 1e-5 * Math.Max(1, scale));
            Assert.True(lrp.MaxAbsCompletenessError < 1e-4, $"LRP-0 without biases conserves relevance: {lrp.MaxAbsCompletenessError}");
        }
    }

    [Fact]
    public void Lrp_reads_the_lab_resnet_and_refuses_what_it_cannot_read()
    {
        using var init = new Generator(13);
        using var net = new RotResNet(init);
        using var x = Images(2, 9);
        var lrp = Lrp.Compute(new AttributionInput(net, x, Targets(2)), new LrpOptions());
        Assert.Equal([2L, 1, 28, 28], lrp.Shape);
        Assert.All(lrp.Values, v => Assert.True(float.IsFinite(v)));
        Assert.Contains("residual", LayerGraph.Of(net).Describe());
        // A deep network has too many linear pieces along the path for the exact integral: refused early, with the reason.
        var tooMany = Assert.ThrowsAny<MnistLab.Common.MnistLabException>(() =>
            ExactIntegratedGradients.Compute(new AttributionInput(net, x.narrow(0, 0, 1), [0]), new ExactIntegratedGradientsOptions { MaxPieces = 10 }));
        Assert.Contains("linear pieces", tooMany.Message);

        using var softmax = Sequential(Flatten(), Linear(784, 10), Softmax(1));
        var e = Assert.ThrowsAny<MnistLab.Common.MnistLabException>(() => LayerGraph.Of(softmax));
        Assert.Contains("Softmax: exact Integrated Gradients and LRP explain the scores before the softmax", e.Message);
    }

    [Fact]
    public void The_speed_runs_cnn_is_read_as_its_layers_with_each_blocks_pool_bias_and_relu()
    {
        using var init = new Generator(21);
        using var net = new FastCnn(init);
        using var x = Images(4, 3);
        var graph = LayerGraph.Of(net);
        graph.CheckReproduces(net, x); // throws unless the stages compute the network's own logits
        Assert.Equal("conv 1→24 5x5 → maxpool 2x2 → add constant → relu → conv 24→32 3x3 → maxpool 2x2 → add constant → relu → flatten → linear 800→256 → relu → linear 256→10",
            graph.Describe());
        var lrp = Lrp.Compute(new AttributionInput(net, x, Targets(4)), new LrpOptions());
        Assert.All(lrp.Values, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>Standard layers as fields, applied in order, with the flatten in the forward pass (as an imported model may be built).</summary>
    sealed class PlainNet : Module<Tensor, Tensor>
    {
        readonly TorchSharp.Modules.Linear fc1 = Linear(784, 16);
        readonly TorchSharp.Modules.ReLU relu = ReLU();
        readonly TorchSharp.Modules.Linear fc2 = Linear(16, 10);
        readonly double _scale;

        public PlainNet(double scale = 1) : base(nameof(PlainNet)) { _scale = scale; RegisterComponents(); }

        public override Tensor forward(Tensor x) => fc2.call(relu.call(fc1.call(x.flatten(1) * _scale)));
    }

    [Fact]
    public void A_module_of_standard_layers_is_read_in_order_and_one_that_does_more_is_refused()
    {
        manual_seed(18);
        using var plain = new PlainNet();
        using var x = Images(3, 15);
        var input = new AttributionInput(plain, x, Targets(3));
        Assert.Equal("flatten → linear 784→16 → relu → linear 16→10", LayerGraph.Of(plain).Describe());
        var exact = ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions());
        Assert.True(exact.MaxAbsCompletenessError < 1e-9);
        // The same layers, but the forward pass scales its input: the graph would give wrong maps, so it is refused.
        manual_seed(18);
        using var scaled = new PlainNet(scale: 2);
        var e = Assert.ThrowsAny<MnistLab.Common.MnistLabException>(() => Lrp.Compute(new AttributionInput(scaled, x, Targets(3)), new LrpOptions()));
        Assert.Contains("do not reproduce", e.Message);
    }

    [Fact]
    public void Occlusion_of_a_model_that_reads_one_pixel_finds_that_pixel()
    {
        const int pixel = 13 * 28 + 9;
        using var model = Sequential(Flatten(), Linear(784, 2, hasBias: false));
        using (no_grad())
        {
            var w = new float[2 * 784];
            w[pixel] = 1;
            model.parameters().First().copy_(tensor(w, [2, 784]));
        }
        using var x = Images(3, 10);
        var input = new AttributionInput(model, x, [0, 0, 0]);
        var single = Occlusion.Compute(input, new OcclusionOptions { Window = 1, Stride = 1 });
        for (int i = 0; i < 3; i++)
        {
            var map = single.Map(i);
            float value = x[i].reshape(-1)[pixel].item<float>();
            Assert.Equal(value, map[pixel], 6);
            Assert.Equal(0, map.Where((_, p) => p != pixel).Max(Math.Abs));
        }
        // With 3x3 windows at stride 1 every window covering the pixel drops the output by its value; a pixel's map is
        // the share of its covering windows that also cover the read pixel.
        var wide = Occlusion.Compute(input, new OcclusionOptions { Window = 3, Stride = 1 });
        var m0 = wide.Map(0);
        float v0 = x[0].reshape(-1)[pixel].item<float>();
        Assert.Equal(v0, m0[pixel], 5);
        Assert.Equal(0, m0[0]);
        Assert.Equal(v0 * 6 / 9f, m0[pixel + 1], 5); // (13, 10): 6 of its 9 windows contain (13, 9)
    }

    [Fact]
    public void Batched_and_unbatched_runs_agree()
    {
        using var model = SmallMlp(14);
        using var x = Images(7, 11);
        var input = new AttributionInput(model, x, Targets(7));
        void Same(AttributionResult a, AttributionResult b) => Assert.True(a.Values.Zip(b.Values).Max(p => Math.Abs(p.First - p.Second)) < 1e-5, $"{a.Method}");
        Same(IntegratedGradients.Compute(input, new IntegratedGradientsOptions { InternalBatchRows = 3 }), IntegratedGradients.Compute(input, new IntegratedGradientsOptions { InternalBatchRows = 5000 }));
        Same(ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions { InternalBatchRows = 4 }), ExactIntegratedGradients.Compute(input, new ExactIntegratedGradientsOptions()));
        Same(Occlusion.Compute(input, new OcclusionOptions { InternalBatchRows = 10 }), Occlusion.Compute(input, new OcclusionOptions()));
        Same(Lrp.Compute(input, new LrpOptions { BatchSize = 2 }), Lrp.Compute(input, new LrpOptions()));
        Same(Saliency.Compute(input, new SaliencyOptions { BatchSize = 2 }), Saliency.Compute(input, new SaliencyOptions()));
        Same(GradientShap.Compute(input, new GradientShapOptions { InternalBatchRows = 3 }), GradientShap.Compute(input, new GradientShapOptions()));
        // One input at a time gives the maps of the batch.
        var one = IntegratedGradients.Compute(input.Slice(4, 1), new IntegratedGradientsOptions());
        var all = IntegratedGradients.Compute(input, new IntegratedGradientsOptions());
        Assert.True(one.Map(0).Zip(all.Map(4)).Max(p => Math.Abs(p.First - p.Second)) < 1e-6);
    }

    [Fact]
    public void Noise_tunnel_and_gradient_shap_repeat_with_the_seed_and_differ_without_it()
    {
        using var model = SmallMlp(15);
        using var x = Images(3, 12);
        var input = new AttributionInput(model, x, Targets(3));
        var settings = new AttributionSettings();
        var a = AttributionMethods.Get("smoothgrad").Compute(input, settings);
        var b = AttributionMethods.Get("smoothgrad").Compute(input, settings);
        var c = AttributionMethods.Get("smoothgrad").Compute(input, settings with { SmoothGrad = settings.SmoothGrad with { Seed = 1 } });
        Assert.Equal(a.Values, b.Values);
        Assert.NotEqual(a.Values, c.Values);
        // VarGrad is a variance: never negative; with no noise it is zero.
        var vargrad = NoiseTunnel.Compute(input, new NoiseTunnelOptions { Kind = NoiseTunnelKind.VarGrad, Samples = 4 }, i => Saliency.Compute(i, new SaliencyOptions()));
        Assert.All(vargrad.Values, v => Assert.True(v >= -1e-7));
        var still = NoiseTunnel.Compute(input, new NoiseTunnelOptions { Kind = NoiseTunnelKind.VarGrad, Samples = 4, Stdev = 0 }, i => Saliency.Compute(i, new SaliencyOptions()));
        Assert.All(still.Values, v => Assert.True(Math.Abs(v) < 1e-10));
        // GradientSHAP with the zero baseline alone is Integrated Gradients by Monte Carlo: complete in expectation.
        var shap = GradientShap.Compute(input, new GradientShapOptions { Samples = 2000 });
        var ig = IntegratedGradients.Compute(input, new IntegratedGradientsOptions());
        Assert.True(Math.Abs(shap.Values.Sum() - ig.Values.Sum()) < 0.05 * ig.Values.Sum(Math.Abs));
    }

    [Fact]
    public void Layer_and_neuron_variants_complete_at_named_points()
    {
        using var model = SmallMlp(16);
        using var x = Images(3, 13);
        var input = new AttributionInput(model, x, Targets(3));
        var layerIg = LayerIntegratedGradients.Compute(input, new LayerOptions { Point = "fc1", Steps = 400 });
        Assert.Equal([3L, 24], layerIg.Shape);
        Assert.True(layerIg.MaxAbsCompletenessError < 1e-3, $"layer IG {layerIg.MaxAbsCompletenessError}");
        var conductance = LayerConductance.Compute(input, new LayerOptions { Point = "relu1", Steps = 400 });
        Assert.True(conductance.MaxAbsCompletenessError < 1e-2, $"conductance {conductance.MaxAbsCompletenessError}");
        var gxa = LayerGradientXActivation.Compute(input, new LayerOptions { Point = "relu1" });
        // The last layer is linear: f = W2 relu1 + b2, so Σ relu1 ⊙ ∂f/∂relu1 = f − b2.
        using var fx = model.call(x);
        for (int i = 0; i < 3; i++)
        {
            double f = fx[i, input.Targets[i]].item<float>() - model.named_parameters().First(p => p.name == "fc2.bias").parameter[input.Targets[i]].item<float>();
            Assert.Equal(f, gxa.Map(i).Sum(), 4);
        }
        var neuronIg = NeuronIntegratedGradients.Compute(input, new NeuronOptions { Point = "fc1", Neuron = 5 });
        Assert.True(neuronIg.MaxAbsCompletenessError < 1e-4, $"neuron IG {neuronIg.MaxAbsCompletenessError}");
        // fc1 is linear in the input: the neuron's gradient is its weight row, for every input.
        var neuronGrad = NeuronGradient.Compute(input, new NeuronOptions { Point = "fc1", Neuron = 5 });
        var row = model.Weight1[5].detach().data<float>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(row, neuronGrad.Map(i));
        Assert.Throws<MnistLab.Common.InvalidOptionException>(() => LayerIntegratedGradients.Compute(input, new LayerOptions { Point = "nowhere" }));
    }

    [Fact]
    public void The_memory_bound_sets_the_rows_per_pass()
    {
        using var model = SmallMlp(19);
        using var x = Images(1, 16);
        Assert.Equal(1, ModelCalls.RowBudget(model, x, megabytes: 0.001));
        int some = ModelCalls.RowBudget(model, x, megabytes: 1);
        Assert.InRange(some, 2, 4095);
        Assert.Equal(4096, ModelCalls.RowBudget(model, x, megabytes: 1e6));
        Assert.True(ModelCalls.RowBudget(model, x, megabytes: 2) >= 2 * some - 1);
    }

    [Fact]
    public void Targets_outside_the_outputs_are_refused()
    {
        using var model = SmallMlp(17);
        using var x = Images(2, 14);
        var e = Assert.Throws<MnistLab.Common.InvalidOptionException>(() => Saliency.Compute(new AttributionInput(model, x, [0, 10]), new SaliencyOptions()));
        Assert.Contains("10", e.Message);
    }
}
