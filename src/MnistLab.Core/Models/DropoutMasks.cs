using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace MnistLab.Models;

/// <summary>
/// Dropout's keep-masks from a counter-based hash: the element with logical (row-major) index i is kept when
/// hash(key, i) ≥ p·2³², hash being two rounds of MurmurHash3's 32-bit finaliser, and the 64-bit key drawn once per
/// mask from the generator. Why not <c>bernoulli_</c>: libtorch draws its Bernoulli numbers one by one from a Mersenne
/// Twister on one thread, 5 ms of the ResNet's 140 ms training step for its first dropout (400,000 elements); the hash
/// is eight lanes at a time. Why logical order: the mask of an element does not depend on the tensor's memory layout,
/// so a channels-last model draws the masks a contiguous one would; and a checkpointed generator resumes the same
/// masks, since a mask's only draw is its key.
/// </summary>
static class DropoutMasks
{
    const int Lanes = 8;

    /// <summary>A tensor of x's shape and memory layout holding 1/(1 − p) where the element is kept and 0 where it is dropped.</summary>
    public static Tensor Scaled(Tensor x, double p, Generator? generator)
    {
        if (p is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "The drop probability must lie strictly between 0 and 1.");
        var key = randint(0, 1L << 32, [2], generator: generator).data<long>().ToArray();
        uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(p * 4294967296.0));
        float scale = (float)(1 / (1 - p));
        bool channelsLast = x.dim() == 4 && !x.is_contiguous() && x.permute(0, 2, 3, 1).is_contiguous();
        // The mask in memory order: runs of `inner` elements whose logical indices step by `stride`, starting at each run's base.
        long n = x.numel(), inner, stride;
        Func<long, long> runStart;
        Tensor mask;
        if (channelsLast)
        {
            long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
            mask = empty([b, h, w, c]);
            (inner, stride) = (c, h * w);
            runStart = r => r / (h * w) * c * h * w + r % (h * w); // run r is pixel (b, y, x) = (r / hw, r % hw)
        }
        else
        {
            mask = empty(x.shape);
            (inner, stride) = (n, 1);
            runStart = _ => 0;
        }
        unsafe
        {
            float* dst = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(mask.bytes));
            for (long r = 0, runs = n == 0 ? 0 : n / inner; r < runs; r++)
                Fill(dst + r * inner, runStart(r), inner, stride, (uint)key[0], (uint)key[1], threshold, scale);
        }
        return channelsLast ? mask.permute(0, 3, 1, 2) : mask;
    }

    /// <summary>The hash the masks are drawn from, one element at a time: the definition the vector loop follows.</summary>
    public static uint Hash(long index, uint key0, uint key1) => Mix(Mix((uint)index ^ key0) ^ key1 ^ (uint)(index >> 32) * 0x9E3779B9u);

    static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        return h ^ (h >> 16);
    }

    static Vector256<uint> Mix(Vector256<uint> h)
    {
        h ^= Vector256.ShiftRightLogical(h, 16);
        h *= 0x85ebca6bu;
        h ^= Vector256.ShiftRightLogical(h, 13);
        h *= 0xc2b2ae35u;
        return h ^ Vector256.ShiftRightLogical(h, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Fill(float* dst, long start, long count, long stride, uint key0, uint key1, uint threshold, float scale)
    {
        long k = 0;
        // Lanes hold indices start + (k + lane)·stride; the vector path needs them to share their high 32 bits.
        if ((start + count * stride) >> 32 == 0)
        {
            var lanes = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7) * (uint)stride;
            var (k0, k1, limit) = (Vector256.Create(key0), Vector256.Create(key1), Vector256.Create(threshold));
            var (kept, dropped) = (Vector256.Create(scale), Vector256<float>.Zero);
            for (; k + Lanes <= count; k += Lanes)
            {
                var index = Vector256.Create((uint)(start + k * stride)) + lanes;
                var h = Mix(Mix(index ^ k0) ^ k1);
                Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(h, limit).AsSingle(), kept, dropped).Store(dst + k);
            }
        }
        for (; k < count; k++)
            dst[k] = Hash(start + k * stride, key0, key1) >= threshold ? scale : 0f;
    }
}
