namespace MnistLab.Analysis.Information;

/// <summary>The digamma function at positive integers, as the nearest-neighbour estimators need it: psi(n) = -gamma + sum_{j&lt;n} 1/j.</summary>
public static class Digamma
{
    const double EulerGamma = 0.57721566490153286061;
    static readonly double[] Small = Table(64);

    public static double Of(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"digamma is taken at positive integers here, got {n}.");
        if (n < Small.Length) return Small[n];
        // Asymptotic series; its next term is below 1 / (240 n^8) < 1e-16 for n >= 64.
        double x = n, x2 = 1 / (x * x);
        return Math.Log(x) - 0.5 / x - x2 * (1.0 / 12 - x2 * (1.0 / 120 - x2 * (1.0 / 252 - x2 / 240)));
    }

    static double[] Table(int size)
    {
        var t = new double[size];
        t[1] = -EulerGamma;
        for (int n = 2; n < size; n++) t[n] = t[n - 1] + 1.0 / (n - 1);
        return t;
    }
}
