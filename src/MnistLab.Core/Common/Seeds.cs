using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;

namespace MnistLab.Common;

/// <summary>
/// Every random stream of a run (weight initialisation, shuffles, noise, dropout, splits, replicates) is drawn
/// from its own generator, seeded by hashing the run's seed with the stream's name. Streams of one run never
/// share a seed, neither do those of neighbouring run seeds (with <c>seed + 1</c> the VAE's noise of seed 0 was
/// the shuffle of seed 1), and no stream touches the global generator that other code in the process may use.
/// </summary>
public static class Seeds
{
    /// <summary>The seed of stream <paramref name="stream"/> of a run seeded with <paramref name="seed"/>: the first 8 bytes of SHA-256("seed/stream").</summary>
    public static ulong Derive(long seed, string stream)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}/{stream}"), hash);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    /// <summary>A run seed for replicate <paramref name="index"/> of a run (an ablation over seeds), as a non-negative long.</summary>
    public static long Replicate(long seed, int index) => (long)(Derive(seed, $"replicate/{index}") >> 1);

    /// <summary>A generator for stream <paramref name="stream"/> of the run seeded with <paramref name="seed"/>.</summary>
    public static torch.Generator Generator(long seed, string stream) => new(Derive(seed, stream));

    /// <summary>
    /// A <see cref="System.Random"/> for stream <paramref name="stream"/> of the run seeded with <paramref name="seed"/>
    /// (shuffles and resamples drawn on the CPU side): seeded with the low 31 bits of <see cref="Derive"/>.
    /// </summary>
    public static Random Random(long seed, string stream) => new((int)(Derive(seed, stream) & int.MaxValue));
}
