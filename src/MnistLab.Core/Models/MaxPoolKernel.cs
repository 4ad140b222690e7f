using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace MnistLab.Models;

/// <summary>
/// The loops of <see cref="PoolBiasRelu"/> and <see cref="MaxPool2"/> on channels-last float32 memory: (B, H, W, C)
/// with C a multiple of 8. A 2x2 max-pool, optionally followed by a per-channel bias and a relu, in one pass; its
/// gradient in one pass, writing every input gradient once with no zero fill. The forward keeps one byte per output:
/// which of the four inputs won (the first on ties, as max_pool2d).
/// </summary>
static class MaxPoolKernel
{
    const int Lanes = 8;

    /// <summary>Images per bias-gradient partial sum: the sums are added in a fixed order, so the gradient does not depend on the thread count.</summary>
    const int Chunk = 16;

    public static bool Takes(Tensor x, Tensor? bias = null) =>
        x.dim() == 4 && x.dtype == ScalarType.Float32 && x.device_type == TorchSharp.DeviceType.CPU
        && x.shape[1] % Lanes == 0 && x.shape[2] >= 2 && x.shape[3] >= 2
        && (bias is null || (bias.dtype == ScalarType.Float32 && x.shape[1] == bias.numel()))
        && x.permute(0, 2, 3, 1).is_contiguous();

    /// <summary>The result (B, C, H/2, W/2) as a channels-last view of the output (B, H/2, W/2, C), and which input won each output.</summary>
    public static (Tensor Result, Tensor Output, Tensor Winners) Forward(Tensor x, Tensor? bias, bool relu)
    {
        int n = (int)x.shape[0], c = (int)x.shape[1], h = (int)x.shape[2], w = (int)x.shape[3];
        using var input = x.permute(0, 2, 3, 1);               // (B, H, W, C), the memory as it is
        using var b = bias?.detach().contiguous();
        var output = empty([n, h / 2, w / 2, c]);
        var winners = empty([n, h / 2, w / 2, c], ScalarType.Byte);
        unsafe
        {
            float* src = Floats(input), dst = Floats(output), bp = b is null ? null : Floats(b);
            byte* win = Bytes(winners);
            Parallel(n, (long)h * w * c, (from, to) => ForwardImages(src, dst, win, bp, relu, from, to, h, w, c));
        }
        return (output.permute(0, 3, 1, 2), output, winners);
    }

    /// <summary>
    /// The input's gradient from the output's; the bias's too when <paramref name="bias"/>. <paramref name="output"/>
    /// (the forward's) is read only to pass the gradient through the relu, and may be null without one.
    /// </summary>
    public static (Tensor InputGrad, Tensor? BiasGrad) Backward(Tensor grad, Tensor? output, Tensor winners, long[] shape, bool relu, bool bias)
    {
        if (relu && output is null) throw new ArgumentNullException(nameof(output), "The relu's gradient reads the forward's output.");
        int n = (int)shape[0], c = (int)shape[1], h = (int)shape[2], w = (int)shape[3];
        using var g = grad.permute(0, 2, 3, 1).contiguous();
        var gx = empty([n, h, w, c]);
        int chunks = (n + Chunk - 1) / Chunk;
        var partial = bias ? new float[chunks * c] : null;
        unsafe
        {
            float* gp = Floats(g), op = relu ? Floats(output!) : null, gxp = Floats(gx);
            byte* win = Bytes(winners);
            fixed (float* sums = partial)
            {
                float* s = sums;
                Parallel(chunks, (long)Chunk * h * w * c, (from, to) =>
                {
                    for (int k = from; k < to; k++)
                        BackwardImages(gp, op, win, gxp, s is null ? null : s + (long)k * c, k * Chunk, Math.Min(n, (k + 1) * Chunk), h, w, c);
                });
            }
        }
        if (partial is null) return (gx.permute(0, 3, 1, 2), null);
        var biasGrad = new float[c];
        for (int k = 0; k < chunks; k++)
            for (int ch = 0; ch < c; ch++) biasGrad[ch] += partial[k * c + ch];
        return (gx.permute(0, 3, 1, 2), tensor(biasGrad));
    }

    /// <summary>
    /// Splits [0, count) into one range per libtorch thread (the threads the rest of the step uses), when there is
    /// enough work to pay for waking them: below a million elements one thread does it all.
    /// </summary>
    static void Parallel(int count, long elementsEach, Action<int, int> body)
    {
        int parts = count * elementsEach < (1 << 20) ? 1 : Math.Max(1, Math.Min(get_num_threads(), count));
        if (parts == 1) body(0, count);
        else System.Threading.Tasks.Parallel.For(0, parts, p => body(count * p / parts, count * (p + 1) / parts));
    }

    static unsafe float* Floats(Tensor t) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
    static unsafe byte* Bytes(Tensor t) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void ForwardImages(float* src, float* dst, byte* win, float* bias, bool relu, int from, int to, int h, int w, int c)
    {
        int oh = h / 2, ow = w / 2;
        var zero = Vector256<float>.Zero;
        for (int img = from; img < to; img++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    float* p00 = src + (((long)img * h + 2 * i) * w + 2 * j) * c;
                    float* p01 = p00 + c, p10 = p00 + (long)w * c, p11 = p10 + c;
                    long o = (((long)img * oh + i) * ow + j) * c;
                    for (int k = 0; k < c; k += Lanes)
                    {
                        // max_pool2d's order and rule: row by row, a later value wins only if greater (or NaN).
                        var best = Vector256.Load(p00 + k);
                        var which = Vector256<int>.Zero;
                        Take(ref best, ref which, Vector256.Load(p01 + k), 1);
                        Take(ref best, ref which, Vector256.Load(p10 + k), 2);
                        Take(ref best, ref which, Vector256.Load(p11 + k), 3);
                        if (bias is not null) best += Vector256.Load(bias + k);
                        if (relu) best = Vector256.Max(best, zero);
                        best.Store(dst + o + k);
                        var packed = Vector256.Narrow(Vector256.Narrow(which, which), Vector256<short>.Zero); // lanes 0-7: which[0..7]
                        *(ulong*)(win + o + k) = packed.AsUInt64().ToScalar();
                    }
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Take(ref Vector256<float> best, ref Vector256<int> which, Vector256<float> v, int index)
    {
        var wins = Vector256.GreaterThan(v, best) | ~Vector256.Equals(v, v);
        best = Vector256.ConditionalSelect(wins, v, best);
        which = Vector256.ConditionalSelect(wins.AsInt32(), Vector256.Create(index), which);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void BackwardImages(float* g, float* outp, byte* win, float* gx, float* biasSum, int from, int to, int h, int w, int c)
    {
        int oh = h / 2, ow = w / 2;
        var zero = Vector256<float>.Zero;
        // Rows and columns the pool never reads (odd H or W) get no gradient.
        if (h % 2 == 1 || w % 2 == 1)
            new Span<float>(gx + (long)from * h * w * c, (to - from) * h * w * c).Clear();
        for (int img = from; img < to; img++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    float* q00 = gx + (((long)img * h + 2 * i) * w + 2 * j) * c;
                    float* q01 = q00 + c, q10 = q00 + (long)w * c, q11 = q10 + c;
                    long o = (((long)img * oh + i) * ow + j) * c;
                    for (int k = 0; k < c; k += Lanes)
                    {
                        var gv = Vector256.Load(g + o + k);
                        // Through the relu (its output is > 0 where it passed the gradient), then to the winner.
                        if (outp is not null) gv = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(outp + o + k), zero), gv, zero);
                        var bytes = Vector128.WidenLower(Vector128.CreateScalar(*(ulong*)(win + o + k)).AsByte());
                        var which = Vector256.Create(Vector128.WidenLower(bytes), Vector128.WidenUpper(bytes)).AsInt32();
                        Vector256.ConditionalSelect(Vector256.Equals(which, Vector256.Create(0)).AsSingle(), gv, zero).Store(q00 + k);
                        Vector256.ConditionalSelect(Vector256.Equals(which, Vector256.Create(1)).AsSingle(), gv, zero).Store(q01 + k);
                        Vector256.ConditionalSelect(Vector256.Equals(which, Vector256.Create(2)).AsSingle(), gv, zero).Store(q10 + k);
                        Vector256.ConditionalSelect(Vector256.Equals(which, Vector256.Create(3)).AsSingle(), gv, zero).Store(q11 + k);
                        if (biasSum is not null) (Vector256.Load(biasSum + k) + gv).Store(biasSum + k);
                    }
                }
    }
}
