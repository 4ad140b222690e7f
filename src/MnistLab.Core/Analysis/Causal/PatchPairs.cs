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
/// Where patching pairs come from: the user's list of image pairs, or pairs made from the concepts: each image against
/// itself with its holes filled (a 0 that no longer encloses anything), or shifted sideways; or two real digits that
/// differ in the concept, a 4 whose top closes into a loop against the most alike 4 that stays open.
/// </summary>
public static class PatchPairs
{
    public const string FillHoles = "fill-holes", Shift = "shift", Closed4 = "closed-4";

    /// <summary>The kinds of pairs <see cref="Make"/> builds.</summary>
    public static readonly IReadOnlyList<string> Kinds = [FillHoles, Shift, Closed4];

    /// <summary>A hole of fewer pixels is noise in the stroke, not a loop.</summary>
    const int LoopPixels = 4;

    /// <summary>
    /// Up to <paramref name="count"/> pairs of <paramref name="kind"/> from <paramref name="images"/>: for fill-holes and
    /// shift the first images the corruption applies to, each against its corrupted copy (a filled hole's pixels are set
    /// to 1); for closed-4 the first 4s (by <paramref name="labels"/>) that enclose a hole, each against the 4 without
    /// any hole nearest to it in pixels (Euclidean), so the pair differs in the loop and as little else as the images allow.
    /// </summary>
    public static PatchPairSet Make(string kind, Tensor images, int count, int shift = 4, int[]? labels = null)
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
                    if (holes.Count(h => h) < LoopPixels) continue;
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
            case Closed4:
            {
                if (labels is null || labels.Length != images.shape[0]) throw new ArgumentException($"{Closed4} pairs need one label per image.", nameof(labels));
                var closed = new List<int>();
                var open = new List<int>();
                for (int i = 0; i < labels.Length; i++)
                {
                    if (labels[i] != 4) continue;
                    int hole = HoleMask.Of(images[i].reshape(-1).data<float>().ToArray()).Count(h => h);
                    if (hole >= LoopPixels) closed.Add(i);
                    else if (hole == 0) open.Add(i);
                }
                if (closed.Count == 0 || open.Count == 0)
                    throw new InvalidOptionException("pairs", $"{Closed4} needs 4s that enclose a hole and 4s that do not; these {labels.Length} images hold " +
                        $"{closed.Count} closed and {open.Count} open 4s. Choose more images: 54 of the 10,000 test images' 4s close (--images test:0:10000).");
                var chosen = closed.Take(count).ToArray();
                var clean = images.index_select(0, tensor(chosen.Select(i => (long)i).ToArray()));
                var candidates = images.index_select(0, tensor(open.Select(i => (long)i).ToArray()));
                var nearest = cdist(clean.reshape(chosen.Length, -1), candidates.reshape(open.Count, -1)).argmin(1).data<long>().ToArray();
                int[] partner = [.. nearest.Select(j => open[(int)j])];
                var corrupt = images.index_select(0, tensor(partner.Select(i => (long)i).ToArray()));
                return new PatchPairSet(clean.MoveToOuterDisposeScope(), corrupt.MoveToOuterDisposeScope(), chosen, partner,
                    $"{chosen.Length} 4s that close into a loop, each against the most alike of the {open.Count} 4s that stay open");
            }
            default:
                throw new InvalidOptionException("pairs", $"unknown kind of pairs '{kind}'; the kinds are {string.Join(", ", Kinds)}, or give a CSV of pairs.");
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
