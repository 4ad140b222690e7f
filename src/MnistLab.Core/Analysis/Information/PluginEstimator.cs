using static TorchSharp.torch;

namespace MnistLab.Analysis.Information;

/// <summary>
/// The binned plug-in estimate: bin (continuous variables), count, and read I from the table. With the default bins and a
/// single continuous column against a class it is seed 002's estimator, computed by <see cref="MutualInformation.Hard"/>
/// itself, bit for bit. Its bias is about (bins - 1)(classes - 1) / (2N) nats, upwards.
/// </summary>
public sealed class PluginEstimator : IMiEstimator
{
    public string Name => Estimators.Plugin;
    public string Description => "binned plug-in estimate (seed 002's with the default bins); biased up by about (bins-1)(classes-1)/(2N)";

    public MiFit Fit(Variable x, Variable y, MiOptions options) =>
        Binned.Fit(x, y, options.Binning, t => t.MutualInformation(), SeedValue(x, y, options.Binning));

    /// <summary>
    /// The seed's own number when the seed would compute this estimate (one continuous column on fixed bins against a
    /// class); replicates and shuffles then count the same bins in float64.
    /// </summary>
    static double? SeedValue(Variable x, Variable y, Binning binning)
    {
        if (!binning.IsFixedWidth) return null;
        var (column, classes) = (x, y) switch
        {
            ({ IsDiscrete: false, Dims: 1 }, { IsDiscrete: true }) => (x, y),
            ({ IsDiscrete: true }, { IsDiscrete: false, Dims: 1 }) => (y, x),
            _ => (null, null),
        };
        if (column is null) return null;
        using var scope = NewDisposeScope();
        return MutualInformation.Hard(tensor(column.Values.ToArray(), [column.Count, 1]), tensor(classes!.Codes.ToArray().Select(c => (long)c).ToArray()),
            binning, classes.Classes)[0];
    }
}

/// <summary>What every binned estimator shares: the codes made once, the sample's table, and replicates that recount rows.</summary>
static class Binned
{
    public static MiFit Fit(Variable x, Variable y, Binning binning, Func<Contingency, double> estimate, double? exact = null)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} samples of X but {y.Count} of Y.");
        var bx = BinCodes.Of(x, binning);
        var by = BinCodes.Of(y, binning);
        var table = Contingency.Count(bx.Codes, bx.Distinct, by.Codes, by.Distinct);
        double value = exact ?? estimate(table);
        var offsets = bx.Codes.Select(c => c * by.Distinct).ToArray();
        return new MiFit(value, table.MutualInformation(),
            rows => estimate(Contingency.Count(bx.Codes, bx.Distinct, by.Codes, by.Distinct, rows)),
            perm => estimate(table.Shuffled(offsets, by.Codes, perm)),
            x.Count);
    }

    /// <summary>The response space of X for the Panzeri-Treves correction.</summary>
    public static double Space(Variable x, Binning binning) => x.IsDiscrete ? x.Classes : Math.Min(Math.Pow(binning.Count, x.Dims), int.MaxValue);
}
