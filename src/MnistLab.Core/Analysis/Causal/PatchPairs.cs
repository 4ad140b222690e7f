using MnistLab.Common;
using MnistLab.Features;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Causal;

/// <summary>Pairs of images (clean, corrupted) for activation patching, as (N, 1, 28, 28) tensors, and which images they came from.</summary>
public sealed record PatchPairSet(Tensor Clean, Tensor Corrupt, int[] CleanIndex, int[] CorruptIndex, string Description) : IDisposable
{
    public int Count => CleanIndex.Length;

    public void Dispose()
    {
        Clean.Dispose();
        Corrupt.Dispose();
    }
}

/// <summary>
/// Where patching pairs come from: the user's list of image pairs, or a corruption of each image made from the
/// concepts: its holes filled (a 0 that no longer encloses anything), or the digit shifted sideways.
/// </summary>
public static class PatchPairs
{
    public const string FillHoles = "fill-holes", Shift = "shift";

    /// <summary>The first <paramref name="count"/> images the corruption applies to, each against its corrupted copy (a filled hole's pixels are set to 1).</summary>
    public static PatchPairSet Make(string kind, Tensor images, int count, int shift = 4)
    {
        using var scope = NewDisposeScope();
        switch (kind)
        {
            case FillHoles:
            {
                var chosen = new List<int>();
                var filled = new List<Tensor>();
                for (int i = 0; i < images.shape[0] && chosen.Count < count; i++)
                {
                    var pixels = images[i].reshape(-1).data<float>().ToArray();
                    var holes = HoleMask.Of(pixels);
                    if (holes.Count(h => h) < 4) continue; // a hole of a few pixels is noise in the stroke, not a loop
                    for (int p = 0; p < pixels.Length; p++) if (holes[p]) pixels[p] = 1;
                    chosen.Add(i);
                    filled.Add(tensor(pixels, [1, 1, 28, 28]));
                }
                if (chosen.Count == 0) throw new InvalidOptionException("pairs", "none of the images has a hole to fill; choose images with loops (0, 6, 8, 9).");
                var clean = images.index_select(0, tensor(chosen.Select(i => (long)i).ToArray()));
                return new PatchPairSet(clean.MoveToOuterDisposeScope(), cat(filled, 0).MoveToOuterDisposeScope(), [.. chosen], [.. chosen],
                    $"{chosen.Count} images with a hole, against the same images with their holes filled");
            }
            case Shift:
            {
                int n = (int)Math.Min(count, images.shape[0]);
                var clean = images.narrow(0, 0, n);
                // Sideways by `shift` pixels, the columns that come in blank (no wrap-around).
                var moved = nn.functional.pad(clean, [shift, 0, 0, 0]).narrow(3, 0, 28);
                return new PatchPairSet(clean.clone().MoveToOuterDisposeScope(), moved.MoveToOuterDisposeScope(), [.. Enumerable.Range(0, n)], [.. Enumerable.Range(0, n)],
                    $"{n} images against the same images shifted {shift} pixels to the right");
            }
            default:
                throw new InvalidOptionException("pairs", $"unknown corruption '{kind}'; the corruptions are {FillHoles} and {Shift}, or give a CSV of pairs.");
        }
    }

    /// <summary>Pairs from a CSV with columns <c>clean,corrupted</c>: image indices into <paramref name="images"/>.</summary>
    public static PatchPairSet FromCsv(string path, Tensor images)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new MnistLabException($"{path}: cannot read the file ({e.Message})."); }
        if (lines.Length == 0 || lines[0].Trim().Replace(" ", "") != "clean,corrupted")
            throw new DataFormatException($"{path}: line 1 must be the header 'clean,corrupted' (image indices of each pair).");
        var clean = new List<int>();
        var corrupt = new List<int>();
        for (int l = 1; l < lines.Length; l++)
        {
            if (string.IsNullOrWhiteSpace(lines[l])) continue;
            var cells = lines[l].Split(',');
            if (cells.Length != 2 || !int.TryParse(cells[0], out int a) || !int.TryParse(cells[1], out int b) || a < 0 || b < 0 || a >= images.shape[0] || b >= images.shape[0])
                throw new DataFormatException($"{path}, line {l + 1}: expected two image indices from 0 to {images.shape[0] - 1} as 'clean,corrupted', got '{lines[l]}'.");
            clean.Add(a);
            corrupt.Add(b);
        }
        if (clean.Count == 0) throw new DataFormatException($"{path}: no pairs after the header.");
        return new PatchPairSet(images.index_select(0, tensor(clean.Select(i => (long)i).ToArray())), images.index_select(0, tensor(corrupt.Select(i => (long)i).ToArray())),
            [.. clean], [.. corrupt], $"{clean.Count} pairs from {Path.GetFileName(path)}");
    }
}
