using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

public sealed record GradientShapOptions
{
    /// <summary>Random draws per input (Captum's <c>n_samples</c>).</summary>
    public int Samples { get; init; } = 5;

    /// <summary>Gaussian noise added to the input in each draw (Captum's <c>stdevs</c>, 0 by default).</summary>
    public double Stdev { get; init; }

    /// <summary>The baseline distribution, (K, ...) in the inputs' shape; null is the zero input alone.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Tensor? Baselines { get; init; }

    public long Seed { get; init; }
    public int InternalBatchRows { get; init; } = 1024;

    public GradientShapOptions Validated()
    {
        Require.InRange(Samples, 1, 100_000, $"{nameof(GradientShapOptions)}.{nameof(GradientShapOptions.Samples)}");
        Require.NonNegative(Stdev, $"{nameof(GradientShapOptions)}.{nameof(GradientShapOptions.Stdev)}");
        Require.Positive(InternalBatchRows, $"{nameof(GradientShapOptions)}.{nameof(GradientShapOptions.InternalBatchRows)}");
        return this;
    }
}

/// <summary>
/// GradientSHAP (Lundberg and Lee 2017; Captum's GradientShap): the expectation over a baseline b drawn from a
/// distribution, α ~ U[0, 1] and noise of ∇f_t(b + α(x̃ − b)) ⊙ (x̃ − b), estimated from <see cref="GradientShapOptions.Samples"/>
/// draws per input (seeded, stream <c>gradient-shap</c>). Its completeness error compares the mean of the sums with
/// f_t(x) − E f_t(b) over the drawn baselines, so it is only small in expectation.
/// </summary>
public static class GradientShap
{
    public const string Name = "gradient-shap";

    public static AttributionResult Compute(AttributionInput input, GradientShapOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var g = Seeds.Generator(options.Seed, "gradient-shap");
        var x = input.Inputs;
        int n = input.Count, s = options.Samples;
        var pool = options.Baselines?.to_type(x.dtype) ?? zeros([1, .. input.ExampleShape], dtype: x.dtype);
        if (!pool.shape[1..].SequenceEqual(input.ExampleShape))
            throw new InvalidOptionException($"{nameof(GradientShapOptions)}.{nameof(GradientShapOptions.Baselines)}", $"baselines of shape ({string.Join(", ", pool.shape)}) do not fit inputs of shape ({string.Join(", ", x.shape)}).");
        var unit = Enumerable.Repeat(1L, (int)x.dim() - 1).ToArray();

        // All draws up front, example-major: row i·s + k is draw k of example i.
        var pick = randint(0, pool.shape[0], [n * s], generator: g);
        var alpha = rand([n * s], dtype: x.dtype, generator: g).view([n * s, .. unit]);
        var xs = x.repeat_interleave(s, 0);
        var noisy = options.Stdev > 0 ? xs + randn(xs.shape, dtype: x.dtype, generator: g) * options.Stdev : xs;
        var b = pool.index_select(0, pick);
        var targets = tensor(input.Targets).repeat_interleave(s);
        var maps = zeros_like(x);
        var baselineOutputs = new double[n * s];
        ModelCalls.InEval(input.Model, () =>
        {
            for (int r0 = 0; r0 < n * s; r0 += options.InternalBatchRows)
            {
                using var step = NewDisposeScope();
                int m = Math.Min(options.InternalBatchRows, n * s - r0);
                var bi = b.narrow(0, r0, m);
                var diff = noisy.narrow(0, r0, m) - bi;
                var (grad, _) = ModelCalls.TargetGradient(input.Model, bi + alpha.narrow(0, r0, m) * diff, targets.narrow(0, r0, m));
                var rowsOf = tensor(Enumerable.Range(r0, m).Select(r => (long)(r / s)).ToArray());
                maps.index_add_(0, rowsOf, grad * diff / s, 1);
                ModelCalls.TargetOutput(input.Model, bi, targets.narrow(0, r0, m)).to_type(ScalarType.Float64).data<double>().ToArray().CopyTo(baselineOutputs, r0);
            }
            return 0;
        });
        var fx = ModelCalls.TargetOutputs(input.Model, x, input.Targets);
        var sums = maps.reshape(n, -1).to_type(ScalarType.Float64).sum(1).data<double>().ToArray();
        var error = sums.Select((v, i) => v - (fx[i] - baselineOutputs.Skip(i * s).Take(s).Average())).ToArray();
        return AttributionResult.From(Name, maps, error, sw.Elapsed.TotalSeconds);
    }
}
