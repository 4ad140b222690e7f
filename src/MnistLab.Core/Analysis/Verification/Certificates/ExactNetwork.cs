using System.Numerics;
using System.Security.Cryptography;
using MnistLab.Attribution;
using MnistLab.Attribution.Graph;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification.Certificates;

/// <summary>
/// A fully connected network read for exact arithmetic (after an optional input normalisation with one mean and std): its dense layers z_k = W_k y_(k−1) + b_k with the float weights as
/// exact dyadic rationals, and between them a ReLU or a LeakyReLU y = max(z, a·z). It evaluates the Lagrangian lower bound
/// of a linear function c·z_K that a certificate's multipliers λ_k (one per unit of each z_k below K) give:
/// <code>
///   c·b_K + Σ_k λ_k·b_k + Σ_k Σ_j min over z in [l_kj, u_kj] of (μ_kj·act(z) − λ_kj·z) + min over the box of μ_0·x,
///   with μ_(K−1) = W_K^T c and μ_(k−1) = W_k^T λ_k,
/// </code>
/// an identity rearranged and then minimised term by term, so it is a valid bound for any λ (CROWN's and β-CROWN's
/// backward passes are one choice of them), and it is computed here without rounding: the products of float32 weights and
/// multipliers held on a grid of 2^−<see cref="GridBits"/> are summed in 128-bit integers, everything else in
/// <see cref="Dyadic"/>.
/// </summary>
public sealed class ExactNetwork
{
    /// <summary>Multipliers are written on this grid, so that their products with the weights are integers of a known size.</summary>
    public const int GridBits = 32;

    sealed class Layer(int inputs, int outputs, double[] weight, double[] bias)
    {
        public int Inputs { get; } = inputs;
        public int Outputs { get; } = outputs;
        public double[] Weight { get; } = weight;
        public Dyadic[] Bias { get; } = [.. bias.Select(Dyadic.From)];

        /// <summary>The weights as integers over 2^Scale (W = Fixed·2^−Scale), with their largest bit length; null if they do not fit a long.</summary>
        public long[]? Fixed { get; init; }
        public int Scale { get; init; }
        public int Bits { get; init; }
    }

    readonly List<Layer> layers;

    /// <summary>An input normalisation (x − mean) / std with one pair for every input, before the first layer; null if none.</summary>
    readonly (Dyadic Mean, Dyadic Std)? normalize;

    /// <summary>The slope below 0 of the activation after each hidden layer (0: ReLU).</summary>
    readonly Dyadic[] slopes;

    public string Describe { get; }

    /// <summary>SHA-256 of every weight and bias (as float64, little-endian) in order: the network a certificate speaks of.</summary>
    public string Sha256 { get; }

    public int Inputs => layers[0].Inputs;
    public int Outputs => layers[^1].Outputs;

    /// <summary>The width of each hidden layer (the units a certificate bounds and splits).</summary>
    public IReadOnlyList<int> Hidden => [.. layers.Take(layers.Count - 1).Select(l => l.Outputs)];

    ExactNetwork(List<Layer> layers, double[] slopes, string describe, (double Mean, double Std)? normalize)
    {
        this.layers = layers;
        this.slopes = [.. slopes.Select(Dyadic.From)];
        if (normalize is { } n) this.normalize = (Dyadic.From(n.Mean), Dyadic.From(n.Std));
        Describe = describe;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var l in layers)
        {
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(l.Weight.AsSpan()));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(l.Bias.Select(b => b.Down()).ToArray().AsSpan()));
        }
        if (normalize is { } m) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new[] { m.Mean, m.Std }.AsSpan()));
        Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The network of a bound graph: reshapes, then dense layers with a ReLU or LeakyReLU between each two; anything else is refused by name.</summary>
    public static ExactNetwork Of(BoundGraph graph)
    {
        var layers = new List<Layer>();
        var slopes = new List<double>();
        (double, double)? normalize = null;
        bool activationNext = false;
        foreach (var stage in graph.Layers.Stages)
        {
            switch (stage)
            {
                case ReshapeStage:
                    continue;
                case NormalizeStage { Scalar: { } pair } when layers.Count == 0 && normalize is null && pair.Item2 > 0:
                    normalize = pair;
                    continue;
                case AffineStage { IsConv: false } a when !activationNext:
                {
                    using var scope = NewDisposeScope();
                    int outputs = (int)a.Weight.shape[0], inputs = (int)a.Weight.shape[1];
                    if (layers.Count > 0 && layers[^1].Outputs != inputs)
                        throw new MnistLabException($"{stage.Describe()}: reads {inputs} values after a layer of {layers[^1].Outputs}.");
                    double[] w = [.. a.Weight.contiguous().data<double>()];
                    double[] b = a.Bias is null ? new double[outputs] : [.. a.Bias.contiguous().data<double>()];
                    layers.Add(Fixed(inputs, outputs, w, b));
                    activationNext = true;
                    continue;
                }
                case ReluStage when activationNext:
                    slopes.Add(0);
                    activationNext = false;
                    continue;
                case PiecewiseLinearStage p when activationNext && p.Low == 0 && double.IsPositiveInfinity(p.High) && p.SlopeAbove == 1 && p.SlopeBelow is >= 0 and <= 1:
                    slopes.Add(p.SlopeBelow);
                    activationNext = false;
                    continue;
                default:
                    throw new MnistLabException($"{stage.Describe()}: certificates are written and checked for fully connected networks (flatten or reshape, one input normalisation " +
                        $"with a single mean and std, then Linear layers with a ReLU or LeakyReLU between each two); this network's layers are {graph.Describe()}.");
            }
        }
        if (layers.Count == 0 || !activationNext)
            throw new MnistLabException($"certificates need a network that ends in a Linear layer; this network's layers are {graph.Describe()}.");
        return new ExactNetwork(layers, [.. slopes], graph.Describe(), normalize);
    }

    /// <summary>A layer with its weights as integers over a common power of two where they fit in a long.</summary>
    static Layer Fixed(int inputs, int outputs, double[] w, double[] b)
    {
        int scale = 0;
        foreach (var v in w)
            if (v != 0)
            {
                var d = Dyadic.From(v);
                scale = Math.Max(scale, -d.Exponent);
            }
        var fixedWeights = new long[w.Length];
        int bits = 0;
        for (int i = 0; i < w.Length; i++)
        {
            if (w[i] == 0) continue;
            var d = Dyadic.From(w[i]);
            var m = d.Mantissa << (d.Exponent + scale);
            bits = Math.Max(bits, (int)BigInteger.Abs(m).GetBitLength());
            if (bits > 62) return new Layer(inputs, outputs, w, b);
            fixedWeights[i] = (long)m;
        }
        return new Layer(inputs, outputs, w, b) { Fixed = fixedWeights, Scale = scale, Bits = bits };
    }

    /// <summary>Bounds of one hidden layer's units: for a certificate, exact; for splits, cut at 0.</summary>
    public sealed record Bounds(Dyadic[] Lower, Dyadic[] Upper);

    /// <summary>
    /// The exact lower bound of c·z_K (K = 1 … number of layers, the last being the output) given the multipliers on the hidden
    /// layers below it (lambdas[k − 1] on z_k; null or missing: 0 from that layer down, which gives interval arithmetic on
    /// the layer below), the bounds of those layers, and the input box.
    /// </summary>
    public ExactBound LowerBound(int k, Dyadic[] c, IReadOnlyList<double[]?> lambdas, IReadOnlyList<Bounds> hidden, Dyadic[] boxLower, Dyadic[] boxUpper)
    {
        var layer = layers[k - 1];
        if (c.Length != layer.Outputs) throw new ArgumentException($"a row on layer {k} has {layer.Outputs} coefficients, got {c.Length}.");
        var total = Dot(c, layer.Bias);
        var mu = TransposeTimes(layer, c);
        for (int below = k - 1; below >= 1; below--)
        {
            var lambda = below - 1 < lambdas.Count ? lambdas[below - 1] : null;
            if (lambda is not null && lambda.Length != mu.Length)
                throw new ArgumentException($"hidden layer {below} has {mu.Length} units and its multipliers number {lambda.Length}.");
            var bounds = hidden[below - 1];
            var a = slopes[below - 1];
            var exactLambda = lambda?.Select(Dyadic.From).ToArray();
            for (int j = 0; j < mu.Length; j++)
                total += Minimum(mu[j], exactLambda is null ? Dyadic.Zero : exactLambda[j], bounds.Lower[j], bounds.Upper[j], a);
            if (exactLambda is null) return ExactBound.Of(total); // μ below is 0: nothing more to add
            total += Dot(exactLambda, layers[below - 1].Bias);
            mu = TransposeTimes(layers[below - 1], lambda!);
        }
        var input = Dyadic.Zero;
        for (int i = 0; i < mu.Length; i++) input += mu[i].Sign > 0 ? mu[i] * boxLower[i] : mu[i] * boxUpper[i];
        if (normalize is not { } n) return ExactBound.Of(total + input);
        // μ·(x − mean)/std = (μ·x − mean·Σμ)/std: the box's corner for μ·x is the same (std > 0), and one division remains.
        var sum = Dyadic.Zero;
        foreach (var m in mu) sum += m;
        return new ExactBound(total * n.Std + input - n.Mean * sum, n.Std);
    }

    /// <summary>min over z in [l, u] of μ·act(z) − λ·z, act(z) = max(z, a·z): piecewise linear, so at l, u or the corner 0.</summary>
    static Dyadic Minimum(Dyadic mu, Dyadic lambda, Dyadic l, Dyadic u, Dyadic a)
    {
        Dyadic Value(Dyadic z) => (z.Sign >= 0 ? mu * z : mu * a * z) - lambda * z;
        var best = Dyadic.Min(Value(l), Value(u));
        return l.Sign < 0 && u.Sign > 0 ? Dyadic.Min(best, Dyadic.Zero) : best;
    }

    static Dyadic Dot(Dyadic[] a, Dyadic[] b)
    {
        var sum = Dyadic.Zero;
        for (int i = 0; i < a.Length; i++) if (a[i].Sign != 0 && b[i].Sign != 0) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>W^T v for exact coefficients (the row a bound starts from), term by term.</summary>
    static Dyadic[] TransposeTimes(Layer layer, Dyadic[] v)
    {
        var mu = new Dyadic[layer.Inputs];
        for (int i = 0; i < layer.Inputs; i++) mu[i] = Dyadic.Zero;
        for (int j = 0; j < layer.Outputs; j++)
        {
            if (v[j].Sign == 0) continue;
            for (int i = 0; i < layer.Inputs; i++)
            {
                double w = layer.Weight[j * layer.Inputs + i];
                if (w != 0) mu[i] += Dyadic.From(w) * v[j];
            }
        }
        return mu;
    }

    /// <summary>
    /// W^T λ for multipliers on the grid: integer products summed in 128 bits when the sizes allow it (checked before, not
    /// after), term by term in <see cref="Dyadic"/> otherwise.
    /// </summary>
    static Dyadic[] TransposeTimes(Layer layer, double[] lambda)
    {
        if (lambda.Length != layer.Outputs) throw new ArgumentException($"{layer.Outputs} multipliers expected, got {lambda.Length}.");
        var onGrid = new long[lambda.Length];
        int bits = 0;
        bool grid = layer.Fixed is not null;
        for (int j = 0; j < lambda.Length && grid; j++)
        {
            double scaled = Math.ScaleB(lambda[j], GridBits);
            if (scaled != Math.Round(scaled) || Math.Abs(scaled) >= 4.611686018427387904E18) { grid = false; break; }
            onGrid[j] = (long)scaled;
            bits = Math.Max(bits, 64 - (int)long.LeadingZeroCount(Math.Abs(onGrid[j])));
        }
        int sumBits = (int)Math.Ceiling(Math.Log2(Math.Max(2, layer.Outputs)));
        if (!grid || layer.Bits + bits + sumBits > 125) return TransposeTimes(layer, lambda.Select(Dyadic.From).ToArray());
        var w = layer.Fixed!;
        var acc = new Int128[layer.Inputs];
        for (int j = 0; j < layer.Outputs; j++)
        {
            long l = onGrid[j];
            if (l == 0) continue;
            int row = j * layer.Inputs;
            for (int i = 0; i < layer.Inputs; i++) acc[i] += (Int128)w[row + i] * l;
        }
        int exponent = -(layer.Scale + GridBits);
        return [.. acc.Select(v => new Dyadic((BigInteger)v, exponent))];
    }

    /// <summary>A multiplier moved onto the grid (the certificate's λ: any value is valid, this one makes the arithmetic cheap).</summary>
    public static double OnGrid(double lambda) =>
        Math.Abs(lambda) >= 536870912.0 || !double.IsFinite(lambda) ? 0 : Math.ScaleB(Math.Round(Math.ScaleB(lambda, GridBits)), -GridBits);
}
