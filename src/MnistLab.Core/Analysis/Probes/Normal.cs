namespace MnistLab.Analysis.Probes;

/// <summary>The standard normal distribution's mass between two points, from the complementary error function.</summary>
public static class Normal
{
    /// <summary>P(a ≤ Z ≤ b) for a standard normal Z (either end may be infinite), taken from the tail nearer both ends so it keeps its precision there.</summary>
    public static double Mass(double a, double b)
    {
        if (!(b > a)) return 0;
        if (a >= 0) return Upper(a) - Upper(b);
        if (b <= 0) return Upper(-b) - Upper(-a);
        return 1 - Upper(b) - Upper(-a);
    }

    /// <summary>P(Z > z) = erfc(z / sqrt 2) / 2.</summary>
    public static double Upper(double z) => double.IsPositiveInfinity(z) ? 0 : double.IsNegativeInfinity(z) ? 1 : 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>
    /// erfc by the Chebyshev fit of Press et al. (Numerical Recipes, 2nd ed., section 6.2), fractional error below
    /// 1.2e-7 everywhere: ample for code lengths.
    /// </summary>
    public static double Erfc(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                   t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
