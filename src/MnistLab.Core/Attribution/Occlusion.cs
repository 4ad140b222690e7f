using System.Diagnostics;
using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Attribution;

public sealed record OcclusionOptions
{
    /// <summary>Side of the square window over the 28x28 image (or length of the window over a flat input without an image).</summary>
    public int Window { get; init; } = 4;
    public int Stride { get; init; } = 2;

    /// <summary>What an occluded feature becomes (zeros by default, as Captum).</summary>
    public Baseline Baseline { get; init; } = Baseline.Zero;

    /// <summary>Occluded copies per forward pass.</summary>
    public int InternalBatchRows { get; init; } = 2048;

    public OcclusionOptions Validated()
    {
        Require.InRange(Window, 1, InputLayout.Side, $"{nameof(OcclusionOptions)}.{nameof(OcclusionOptions.Window)}");
        Require.InRange(Stride, 1, InputLayout.Side, $"{nameof(OcclusionOptions)}.{nameof(OcclusionOptions.Stride)}");
        Require.Positive(InternalBatchRows, $"{nameof(OcclusionOptions)}.{nameof(OcclusionOptions.InternalBatchRows)}");
        return this;
    }
}

/// <summary>
/// Occlusion (Zeiler and Fergus 2014; Captum's Occlusion): a window slides over the input with a stride; each position
/// replaces the window by the baseline and records f_t(x) − f_t(x occluded). A feature's attribution is the mean of
/// that drop over the windows that cover it (0 where none does). Over the 28x28 image the windows are squares; any
/// feature after the 784 pixels (the ring bit) is occluded on its own; a flat input without an image gets 1-D windows.
/// </summary>
public static class Occlusion
{
    public const string Name = "occlusion";

    public static AttributionResult Compute(AttributionInput input, OcclusionOptions options)
    {
        options.Validated();
        input.Validated();
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var x = input.Inputs;
        int n = input.Count;
        var masks = Windows(InputLayout.Of(input.ExampleShape), options.Window, options.Stride).to_type(x.dtype); // (P, D)
        long p = masks.shape[0], d = masks.shape[1];
        var flat = x.reshape(n, d);
        var bflat = options.Baseline.For(x).reshape(n, d);
        var targets = tensor(input.Targets);
        var baseOut = ModelCalls.InEval(input.Model, () => ModelCalls.TargetOutput(input.Model, x, targets));
        var drops = zeros(n, p, dtype: x.dtype);
        int perChunk = (int)Math.Max(1, options.InternalBatchRows / p);
        ModelCalls.InEval(input.Model, () =>
        {
            for (int i0 = 0; i0 < n; i0 += perChunk)
            {
                using var step = NewDisposeScope();
                int k = Math.Min(perChunk, n - i0);
                var xi = flat.narrow(0, i0, k).unsqueeze(1);
                var bi = bflat.narrow(0, i0, k).unsqueeze(1);
                var occluded = (xi * (1 - masks) + bi * masks).reshape([k * p, .. input.ExampleShape]); // (k·P, ...)
                var out_ = ModelCalls.TargetOutput(input.Model, occluded, targets.narrow(0, i0, k).repeat_interleave(p)).view(k, p);
                drops.narrow(0, i0, k).copy_(baseOut.narrow(0, i0, k).unsqueeze(1) - out_);
            }
            return 0;
        });
        var counts = masks.sum(dim: 0);
        var maps = drops.matmul(masks) / counts.clamp(min: 1);
        return AttributionResult.From(Name, maps.reshape(x.shape), null, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The windows as 0/1 masks over the flattened input (P, D).</summary>
    internal static Tensor Windows(InputLayout layout, int window, int stride)
    {
        long d = layout.Size;
        var rows = new List<float[]>();
        if (layout.HasImage)
        {
            int side = InputLayout.Side;
            for (int r = 0; r + window <= side; r += stride)
                for (int c = 0; c + window <= side; c += stride)
                {
                    var m = new float[d];
                    for (int i = r; i < r + window; i++)
                        for (int j = c; j < c + window; j++) m[i * side + j] = 1;
                    rows.Add(m);
                }
            for (long e = InputLayout.Pixels; e < d; e++)
            {
                var m = new float[d];
                m[e] = 1;
                rows.Add(m);
            }
        }
        else
            for (long start = 0; start + window <= d; start += stride)
            {
                var m = new float[d];
                for (long i = start; i < start + window; i++) m[i] = 1;
                rows.Add(m);
            }
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, d]);
    }
}
