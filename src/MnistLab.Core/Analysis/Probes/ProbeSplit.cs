using MnistLab.Common;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// Which images train a probe and which measure it, as row numbers in a seeded random order; the training rows keep
/// that order (the order in which the online code transmits them), and fold f of the cross-validation is every
/// training row at a position ≡ f (mod folds).
/// </summary>
public sealed record ProbeSplit(int[] Train, int[] Test)
{
    public int Count => Train.Length + Test.Length;

    public static ProbeSplit Random(int count, double testFraction, long seed)
    {
        if (count < 3) throw new InvalidOptionException("images", $"a probe needs at least 3 images, got {count}.");
        int test = Math.Clamp((int)Math.Round(testFraction * count), 1, count - 2);
        var order = Enumerable.Range(0, count).ToArray();
        Seeds.Random(seed, "probe/split").Shuffle(order);
        return new ProbeSplit(order[test..], order[..test]);
    }

    /// <summary>Positions (into <see cref="Train"/>) of the training and validation rows of fold <paramref name="f"/>.</summary>
    public static (int[] Fit, int[] Validate) Fold(int trainCount, int folds, int f) =>
        (Enumerable.Range(0, trainCount).Where(i => i % folds != f).ToArray(), Enumerable.Range(0, trainCount).Where(i => i % folds == f).ToArray());
}
