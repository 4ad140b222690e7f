using System.Globalization;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>
/// Which MNIST images an analysis reads (<c>explain</c>, <c>probe</c>): a range of a split (<c>test:0:64</c> is test images 0 to 63, <c>train:</c> likewise), or the
/// first <see cref="PerClass"/> test images of each digit, digit by digit.
/// </summary>
public sealed record ImageSelection(string Split, int Start, int End, int? PerClass = null)
{
    public static readonly ImageSelection Default = new("test", 0, 64);

    public static ImageSelection OfEachClass(int perClass) => new("test", 0, 0, perClass);

    /// <summary>Reads <c>SPLIT:START:END</c>; errors name the value and the expected form.</summary>
    public static ImageSelection Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length == 3 && parts[0] is "test" or "train"
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int start)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int end) && end > start)
            return new(parts[0], start, end);
        throw new InvalidOptionException("images", $"images must be SPLIT:START:END with SPLIT test or train and END > START (test:0:64 is test images 0 to 63), got '{text}'.");
    }

    public override string ToString() => PerClass is { } k ? $"first {k} test images of each digit" : $"{Split}:{Start}:{End}";


    /// <summary>The chosen images' indices in their split (<see cref="Split"/> of <paramref name="mnist"/>), in order; a range past the split's end is an error.</summary>
    public long[] Indices(Mnist mnist)
    {
        var split = Split == "train" ? mnist.Train : mnist.Test;
        if (PerClass is { } k)
        {
            long[] labels = split.LabelArray();
            return Enumerable.Range(0, 10).SelectMany(c => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(k)).Select(i => (long)i).ToArray();
        }
        if (End > split.Count)
            throw new InvalidOptionException("images", $"images {this}: the {Split} split has {split.Count} images.");
        return Enumerable.Range(Start, End - Start).Select(i => (long)i).ToArray();
    }

    /// <summary>How many images are chosen.</summary>
    public int Count => PerClass is { } k ? 10 * k : End - Start;

    /// <summary>The split the images come from.</summary>
    public LabeledImages SplitOf(Mnist mnist) => Split == "train" ? mnist.Train : mnist.Test;
}
