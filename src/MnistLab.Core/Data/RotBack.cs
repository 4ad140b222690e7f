using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Data;

/// <summary>How to build the rotated-digits-on-backgrounds data when LISA's files are absent.</summary>
public sealed record RotBackOptions
{
    /// <summary>LISA's sizes: 12,000 train+valid and 50,000 test.</summary>
    public int TrainValidCount { get; init; } = 12000;
    public int TestCount { get; init; } = 50000;

    /// <summary>
    /// The data's own seed (<c>--data-seed</c>), not a run's: a generated set is fixed, like LISA's files, whatever the seed
    /// of the run that reads it, and stays valid in the cache across runs.
    /// </summary>
    public long Seed { get; init; }

    /// <summary>A folder of the user's own background images; null uses the built-in textures.</summary>
    public string? BackgroundsDir { get; init; }

    /// <summary>Background patches with a pixel standard deviation below this are rejected (flat patches).</summary>
    public double MinPatchStd { get; init; } = 0.08;

    public RotBackOptions Validated()
    {
        Require.Positive(TrainValidCount, $"{nameof(RotBackOptions)}.{nameof(RotBackOptions.TrainValidCount)}");
        Require.Positive(TestCount, $"{nameof(RotBackOptions)}.{nameof(RotBackOptions.TestCount)}");
        Require.That(TrainValidCount + TestCount <= 70000, $"{nameof(RotBackOptions)}.{nameof(RotBackOptions.TrainValidCount)}",
            $"plus RotBackOptions.TestCount must be at most 70,000 (the MNIST digits), got {TrainValidCount + TestCount}.");
        Require.That(MinPatchStd is >= 0 and < 0.5, $"{nameof(RotBackOptions)}.{nameof(RotBackOptions.MinPatchStd)}", $"must be in [0, 0.5), got {MinPatchStd}.");
        Require.That(BackgroundsDir is null || Directory.Exists(BackgroundsDir), $"{nameof(RotBackOptions)}.{nameof(RotBackOptions.BackgroundsDir)}", $"{BackgroundsDir}: no such folder.");
        return this;
    }
}

/// <summary>Rotated digits on textured backgrounds: LISA's mnist-rot-back-image, read or generated.</summary>
public sealed class RotBack : IDisposable
{
    public LabeledImages TrainValid { get; }
    public LabeledImages Test { get; }
    public string Source { get; }

    public RotBack(LabeledImages trainValid, LabeledImages test, string source)
    {
        TrainValid = trainValid;
        Test = test;
        Source = source;
    }

    public void Dispose()
    {
        TrainValid.Dispose();
        Test.Dispose();
    }

    /// <summary>
    /// The recipe of the original: each digit rotated by an angle uniform in [0, 2 pi) with bilinear sampling,
    /// put over a random 28x28 patch of a background image (patches with low variance rejected), digit over
    /// background by the pixel-wise maximum. Digits come from one seeded permutation of all 70,000 MNIST
    /// images, so train and test digits are disjoint. Stored as bytes (like MNIST), so a cached and a fresh
    /// build are identical. Cached on disk under <paramref name="cacheDir"/>.
    /// </summary>
    public static RotBack Generate(Mnist mnist, RotBackOptions options, string? cacheDir = null, IProgressSink? progress = null)
    {
        options.Validated();
        progress ??= ProgressSink.None;
        cacheDir ??= Path.Combine(Path.GetDirectoryName(MnistLocator.UserCache())!, "rot-back");
        string key = CacheKey(options);
        string cache = Path.Combine(cacheDir, $"rot-back-{key}.bin");
        if (File.Exists(cache))
        {
            try { return ReadCache(cache); }
            catch (DataFormatException e) { progress.Info($"ignoring a damaged cache ({e.Message}); building again"); }
        }

        using var scope = NewDisposeScope();
        var backgrounds = options.BackgroundsDir is null ? Textures.BuiltIn().unbind(0).ToList() : Textures.FromFolder(options.BackgroundsDir);
        using var g = Seeds.Generator(options.Seed, "rot-back");
        var all = cat([mnist.Train.Images, mnist.Test.Images], 0);
        var labels = cat([mnist.Train.Labels, mnist.Test.Labels], 0);
        var order = randperm(all.shape[0], generator: g, dtype: ScalarType.Int64);
        int n = options.TrainValidCount + options.TestCount;
        var idx = order.narrow(0, 0, n);
        var digits = all.index_select(0, idx);
        var y = labels.index_select(0, idx);

        using var task = progress.Start("generating rotated digits on backgrounds", n);
        var output = new byte[n * 784];
        for (int start = 0; start < n; start += 2000)
        {
            using var step = NewDisposeScope();
            int m = Math.Min(2000, n - start);
            var rotated = Rotate(digits.narrow(0, start, m), rand(m, generator: g).mul(2 * Math.PI));
            var patches = Patches(backgrounds, m, options.MinPatchStd, g);
            var combined = maximum(rotated, patches).mul(255).round().clamp(0, 255).to_type(ScalarType.Byte).contiguous();
            combined.bytes.CopyTo(output.AsSpan(start * 784, m * 784));
            task.Advance(m);
        }
        var labelBytes = y.to_type(ScalarType.Byte).contiguous().bytes.ToArray();
        WriteCache(cache, output, labelBytes, options.TrainValidCount);
        return FromBytes(output, labelBytes, options.TrainValidCount, "generated");
    }

    /// <summary>Rotates images (N, 1, 28, 28) by <paramref name="angles"/> (N, radians) about their centre, bilinear.</summary>
    public static Tensor Rotate(Tensor images, Tensor angles)
    {
        var cos = angles.cos();
        var sin = angles.sin();
        var zero = zeros_like(angles);
        var theta = stack([stack([cos, -sin, zero], 1), stack([sin, cos, zero], 1)], 1); // (N, 2, 3)
        var grid = functional.affine_grid(theta, [images.shape[0], 1, 28, 28], align_corners: false);
        return functional.grid_sample(images, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
    }

    /// <summary>Random 28x28 patches (N, 1, 28, 28), each from a random background, re-drawn while too flat.</summary>
    static Tensor Patches(List<Tensor> backgrounds, int count, double minStd, Generator g)
    {
        var patches = new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            Tensor patch = null!;
            for (int attempt = 0; attempt < 50; attempt++)
            {
                var bg = backgrounds[(int)randint(0, backgrounds.Count, [1], generator: g).item<long>()];
                long r = randint(0, bg.shape[0] - 27, [1], generator: g).item<long>();
                long c = randint(0, bg.shape[1] - 27, [1], generator: g).item<long>();
                patch = bg.narrow(0, r, 28).narrow(1, c, 28);
                if (patch.std().item<float>() >= minStd) break;
            }
            patches[i] = patch;
        }
        return stack(patches).unsqueeze(1);
    }

    static string CacheKey(RotBackOptions o)
    {
        var sb = new StringBuilder($"rot-back v2|seed {o.Seed}|{o.TrainValidCount}+{o.TestCount}|min std {o.MinPatchStd:R}|");
        if (o.BackgroundsDir is null) sb.Append("built-in textures v1");
        else
            foreach (var f in Directory.EnumerateFiles(o.BackgroundsDir).Order(StringComparer.Ordinal))
                sb.Append(Path.GetFileName(f)).Append(':').Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))).Append(';');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }

    const uint Magic = 0x4D4C5242; // "MLRB"

    static void WriteCache(string path, byte[] pixels, byte[] labels, int trainValid)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(header, Magic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), labels.Length);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), trainValid);
        AtomicFile.WriteAllBytes(path, [.. header, .. labels, .. pixels]);
    }

    static RotBack ReadCache(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 16 || BinaryPrimitives.ReadUInt32BigEndian(bytes) != Magic || BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4)) != 1)
            throw new DataFormatException($"{path}: not a rot-back cache file of version 1.");
        int n = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)), trainValid = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        if (n <= 0 || trainValid <= 0 || trainValid >= n || bytes.LongLength != 16L + n + 784L * n)
            throw new DataFormatException($"{path}: {bytes.Length} bytes do not hold the {n} images its header promises.");
        return FromBytes(bytes.AsSpan(16 + n).ToArray(), bytes.AsSpan(16, n).ToArray(), trainValid, "generated");
    }

    static RotBack FromBytes(byte[] pixels, byte[] labels, int trainValid, string source)
    {
        int n = labels.Length;
        var tv = LabeledImages.FromBytes(pixels[..(trainValid * 784)], labels[..trainValid], "rot-back/train_valid");
        var test = LabeledImages.FromBytes(pixels[(trainValid * 784)..], labels[trainValid..], "rot-back/test");
        return new RotBack(tv, test, source);
    }
}
