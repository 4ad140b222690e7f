namespace MnistLab.Analysis.Information;

/// <summary>
/// The plug-in estimate with Miller's (1955) first-order bias correction applied to each entropy: H + (m - 1) / (2N) with
/// m the occupied bins, so I = I_plugin + (m_x + m_y - m_xy - 1) / (2N). With every cell occupied this subtracts exactly
/// (bins - 1)(classes - 1) / (2N), the plug-in's leading bias.
/// </summary>
public sealed class MillerMadowEstimator : IMiEstimator
{
    public string Name => Estimators.MillerMadow;
    public string Description => "binned plug-in with the Miller-Madow correction (m - 1)/(2N) on each entropy";

    public MiFit Fit(Variable x, Variable y, MiOptions options) => Binned.Fit(x, y, options.Binning, Value);

    public static double Value(Contingency t)
    {
        var (mx, my, mxy) = t.Occupied();
        return t.MutualInformation() + (mx + my - mxy - 1) / (2.0 * t.Total);
    }
}
