using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Data;

/// <summary>Seeded train/validation splits.</summary>
public static class Splits
{
    /// <summary>
    /// Splits <paramref name="data"/> into (train, validation) by a permutation drawn from the stream "split" of
    /// <paramref name="seed"/> (<see cref="Seeds"/>); MNIST's default is 55,000 / 5,000.
    /// </summary>
    public static (LabeledImages Train, LabeledImages Validation) TrainValidation(LabeledImages data, int validationCount, long seed)
    {
        Require.InRange(validationCount, 1, data.Count - 1, "validation size");
        using var scope = NewDisposeScope();
        using var g = Seeds.Generator(seed, "split");
        var perm = randperm(data.Count, generator: g, dtype: ScalarType.Int64);
        int trainCount = data.Count - validationCount;
        return (data.Subset(perm.narrow(0, 0, trainCount), data.Name + "/train"),
                data.Subset(perm.narrow(0, trainCount, validationCount), data.Name + "/validation"));
    }
}
