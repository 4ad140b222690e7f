using MnistLab.Common;
using SkiaSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Data;

/// <summary>
/// Grayscale background images in [0, 1] for the rotated-digits data: a deterministic built-in set of
/// procedural textures (multi-octave value noise, gratings, rings, rotated checks), or a folder of the
/// user's own pictures.
/// </summary>
public static class Textures
{
    public const int Size = 96;

    /// <summary><paramref name="count"/> textures (count, Size, Size), the same for the same seed on every machine.</summary>
    public static Tensor BuiltIn(int count = 48, long seed = 20070601)
    {
        using var scope = NewDisposeScope();
        using var g = TorchSetup.Generator(seed);
        var coords = linspace(0, 1, Size);
        var y = coords.view(Size, 1).expand(Size, Size);
        var x = coords.view(1, Size).expand(Size, Size);
        var list = new List<Tensor>();
        for (int i = 0; i < count; i++)
        {
            double U() => rand(1, generator: g).item<float>();
            Tensor t = (i % 4) switch
            {
                0 => Noise(g, [4, 8, 16, 32]),
                1 => Enumerable.Range(0, 3).Select(_ =>
                {
                    double theta = U() * Math.PI, f = 3 + U() * 12, phase = U() * 2 * Math.PI;
                    return (x * Math.Cos(theta) + y * Math.Sin(theta)).mul(2 * Math.PI * f).add(phase).sin();
                }).Aggregate((a, b) => a + b) + Noise(g, [8, 16]).mul(1.5),
                2 => ((x - U()).square() + (y - U()).square()).sqrt().mul(2 * Math.PI * (6 + U() * 14)).add(Noise(g, [4, 8]).mul(4)).sin(),
                _ => CheckTexture(x, y, U() * Math.PI, 4 + U() * 8) + Noise(g, [16, 32]).mul(0.8),
            };
            list.Add(Normalise(t));
        }
        return stack(list).MoveToOuterDisposeScope();
    }

    /// <summary>Every PNG, JPEG, BMP, GIF or WEBP image in <paramref name="folder"/>, as grayscale; each at least 28x28.</summary>
    public static List<Tensor> FromFolder(string folder)
    {
        if (!Directory.Exists(folder)) throw new MnistLabException($"{folder}: no such folder.");
        string[] extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];
        var files = Directory.EnumerateFiles(folder).Where(f => extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new MnistLabException($"{folder}: no images ({string.Join(", ", extensions)}) found.");
        var result = new List<Tensor>();
        foreach (var file in files)
        {
            using var bitmap = SKBitmap.Decode(file) ?? throw new DataFormatException($"{file}: not a readable image.");
            if (bitmap.Width < 28 || bitmap.Height < 28)
                throw new DataFormatException($"{file}: {bitmap.Width}x{bitmap.Height} pixels, expected at least 28x28.");
            var gray = new float[bitmap.Width * bitmap.Height];
            for (int r = 0; r < bitmap.Height; r++)
                for (int c = 0; c < bitmap.Width; c++)
                {
                    var px = bitmap.GetPixel(c, r);
                    gray[r * bitmap.Width + c] = (0.299f * px.Red + 0.587f * px.Green + 0.114f * px.Blue) / 255f;
                }
            result.Add(tensor(gray, [bitmap.Height, bitmap.Width]));
        }
        return result;
    }

    static Tensor Noise(Generator g, int[] cells)
    {
        var sum = zeros(Size, Size);
        double amplitude = 1;
        foreach (int n in cells)
        {
            var coarse = rand([1, 1, n, n], generator: g);
            sum += functional.interpolate(coarse, [Size, Size], mode: InterpolationMode.Bilinear, align_corners: true).view(Size, Size).mul(amplitude);
            amplitude *= 0.6;
        }
        return sum;
    }

    static Tensor CheckTexture(Tensor x, Tensor y, double theta, double cells)
    {
        var u = (x * Math.Cos(theta) - y * Math.Sin(theta)).mul(cells).floor();
        var v = (x * Math.Sin(theta) + y * Math.Cos(theta)).mul(cells).floor();
        return (u + v).remainder(2);
    }

    static Tensor Normalise(Tensor t) => (t - t.min()) / (t.max() - t.min() + 1e-6);
}
