namespace MnistLab.Analysis.Probes;

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, algorithm 7.4: the two-loop recursion, 10 pairs) with a backtracking
/// Armijo line search, for the smooth convex objectives of the probes. Deterministic: no randomness, a fixed order of
/// operations. Stops when the largest gradient entry is below the tolerance, when the objective stops
/// moving relative to its size, or after the most iterations allowed.
/// </summary>
public static class Lbfgs
{
    /// <summary>An objective: its value at x, with its gradient written into the second array.</summary>
    public delegate double Objective(double[] x, double[] gradient);

    public sealed record Outcome(double[] X, double Value, int Iterations, double GradientMax);

    /// <param name="gradientScale">
    /// Each gradient entry's factor in the stopping test (none: 1): a problem solved in rescaled coordinates stops on the
    /// gradient of the original ones.
    /// </param>
    public static Outcome Minimise(Objective f, double[] start, double gradientTolerance = 1e-6, int maxIterations = 500, int memory = 10,
        double[]? gradientScale = null)
    {
        if (gradientScale is not null && gradientScale.Length != start.Length)
            throw new ArgumentException($"{gradientScale.Length} gradient scales for {start.Length} variables.");
        double Size(double[] g) => gradientScale is null ? MaxAbs(g) : MaxAbsScaled(g, gradientScale);
        int n = start.Length;
        var x = (double[])start.Clone();
        var g = new double[n];
        double fx = f(x, g);
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var d = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        int iteration = 0;
        for (; iteration < maxIterations && Size(g) > gradientTolerance; iteration++)
        {
            Direction(g, s, y, rho, d);
            double slope = Dot(g, d);
            if (!(slope < 0))
            {
                // Not a descent direction (a poor curvature pair): forget the history and go downhill.
                s.Clear(); y.Clear(); rho.Clear();
                for (int i = 0; i < n; i++) d[i] = -g[i];
                slope = Dot(g, d);
            }
            double step = s.Count == 0 ? Math.Min(1, 1 / Math.Sqrt(-slope)) : 1;
            double fNew = double.NaN;
            for (int tries = 0; tries < 60; tries++)
            {
                for (int i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
                fNew = f(xNew, gNew);
                if (fNew <= fx + 1e-4 * step * slope) break;
                step *= 0.5;
            }
            if (!(fNew <= fx)) break; // no step lowers the objective: at the optimum to rounding
            var sk = new double[n];
            var yk = new double[n];
            for (int i = 0; i < n; i++) { sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i]; }
            double sy = Dot(sk, yk);
            if (sy > 1e-12 * Math.Sqrt(Dot(sk, sk) * Dot(yk, yk)))
            {
                s.Add(sk); y.Add(yk); rho.Add(1 / sy);
                if (s.Count > memory) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
            }
            double change = fx - fNew;
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            fx = fNew;
            if (change <= 1e-14 * Math.Max(1, Math.Abs(fx))) { iteration++; break; }
        }
        return new Outcome(x, fx, iteration, Size(g));
    }

    /// <summary>d = -H g by the two-loop recursion, with H0 = (s.y / y.y) I from the latest pair.</summary>
    static void Direction(double[] g, List<double[]> s, List<double[]> y, List<double> rho, double[] d)
    {
        int n = g.Length, m = s.Count;
        for (int i = 0; i < n; i++) d[i] = -g[i];
        var alpha = new double[m];
        for (int k = m - 1; k >= 0; k--)
        {
            alpha[k] = rho[k] * Dot(s[k], d);
            Axpy(-alpha[k], y[k], d);
        }
        if (m > 0)
        {
            double gamma = Dot(s[m - 1], y[m - 1]) / Dot(y[m - 1], y[m - 1]);
            for (int i = 0; i < n; i++) d[i] *= gamma;
        }
        for (int k = 0; k < m; k++)
        {
            double beta = rho[k] * Dot(y[k], d);
            Axpy(alpha[k] - beta, s[k], d);
        }
    }

    static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    static double MaxAbsScaled(double[] a, double[] scale)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] * scale[i]));
        return m;
    }

    static double MaxAbs(double[] a)
    {
        double m = 0;
        foreach (double v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
