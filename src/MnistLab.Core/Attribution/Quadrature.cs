using MnistLab.Common;

namespace MnistLab.Attribution;

/// <summary>How Integrated Gradients approximates its path integral (Captum's names: <c>gausslegendre</c>, <c>riemann_left</c>, ...).</summary>
/// <remarks>Named as Captum names them (<c>gausslegendre</c>, <c>riemann_left</c>), in JSON and on the command line alike.</remarks>
public enum IntegrationMethod
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("gausslegendre")] GaussLegendre,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("riemann_left")] RiemannLeft,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("riemann_right")] RiemannRight,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("riemann_middle")] RiemannMiddle,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("riemann_trapezoid")] RiemannTrapezoid,
}

/// <summary>
/// Points α in [0, 1] and weights of the path integral ∫₀¹ g(α) dα ≈ Σ w_k g(α_k), as Captum builds them
/// (captum/attr/_utils/approximation_methods.py): Gauss–Legendre nodes 0.5·(x_k + 1) with weights 0.5·w_k of the
/// n-point rule on [−1, 1]; the Riemann rules with weights 1/n, the trapezoid on linspace(0, 1, n) with its two ends
/// halved (so its weights sum to 1 − 1/n, as in Captum).
/// </summary>
public static class Quadrature
{
    public static readonly IReadOnlyDictionary<string, IntegrationMethod> Names = new Dictionary<string, IntegrationMethod>
    {
        ["gausslegendre"] = IntegrationMethod.GaussLegendre,
        ["riemann_left"] = IntegrationMethod.RiemannLeft,
        ["riemann_right"] = IntegrationMethod.RiemannRight,
        ["riemann_middle"] = IntegrationMethod.RiemannMiddle,
        ["riemann_trapezoid"] = IntegrationMethod.RiemannTrapezoid,
    };

    public static string NameOf(IntegrationMethod m) => Names.First(p => p.Value == m).Key;

    /// <summary>The method called <paramref name="name"/>, or an error listing the names.</summary>
    public static IntegrationMethod Parse(string name, string option = $"{nameof(IntegratedGradientsOptions)}.{nameof(IntegratedGradientsOptions.Method)}") =>
        Names.TryGetValue(name, out var m) ? m : throw new InvalidOptionException(option, $"no integration method '{name}'; the methods are {string.Join(", ", Names.Keys)}.");

    public static (double[] Alphas, double[] Weights) Nodes(IntegrationMethod method, int n)
    {
        Require.That(n >= (method == IntegrationMethod.GaussLegendre ? 1 : 2), $"{nameof(IntegratedGradientsOptions)}.{nameof(IntegratedGradientsOptions.Steps)}",
            $"must be at least {(method == IntegrationMethod.GaussLegendre ? 1 : 2)} for {NameOf(method)}, got {n}.");
        if (method == IntegrationMethod.GaussLegendre)
        {
            var (x, w) = GaussLegendre(n);
            return (x.Select(v => 0.5 * (v + 1)).ToArray(), w.Select(v => 0.5 * v).ToArray());
        }
        var weights = Enumerable.Repeat(1.0 / n, n).ToArray();
        double[] alphas = method switch
        {
            IntegrationMethod.RiemannLeft => Linspace(0, 1 - 1.0 / n, n),
            IntegrationMethod.RiemannRight => Linspace(1.0 / n, 1, n),
            IntegrationMethod.RiemannMiddle => Linspace(1.0 / (2 * n), 1 - 1.0 / (2 * n), n),
            _ => Linspace(0, 1, n),
        };
        if (method == IntegrationMethod.RiemannTrapezoid) { weights[0] /= 2; weights[^1] /= 2; }
        return (alphas, weights);
    }

    static double[] Linspace(double a, double b, int n) => Enumerable.Range(0, n).Select(i => n == 1 ? a : a + (b - a) * i / (n - 1)).ToArray();

    /// <summary>
    /// The n-point Gauss–Legendre rule on [−1, 1] (numpy's leggauss), ascending: each root of P_n by Newton's method from
    /// the Tricomi estimate cos(π(k − 1/4)/(n + 1/2)), the weight 2 / ((1 − x²) P_n'(x)²).
    /// </summary>
    public static (double[] Nodes, double[] Weights) GaussLegendre(int n)
    {
        var x = new double[n];
        var w = new double[n];
        for (int k = 0; k < (n + 1) / 2; k++)
        {
            double root = Math.Cos(Math.PI * (k + 0.75) / (n + 0.5)), derivative = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                (double p, derivative) = Legendre(n, root);
                double step = p / derivative;
                root -= step;
                if (Math.Abs(step) < 1e-16) break;
            }
            (_, derivative) = Legendre(n, root);
            double weight = 2 / ((1 - root * root) * derivative * derivative);
            x[k] = -root; x[n - 1 - k] = root;
            w[k] = weight; w[n - 1 - k] = weight;
        }
        if (n % 2 == 1) x[n / 2] = 0;
        return (x, w);
    }

    /// <summary>P_n(x) and P_n'(x) by the three-term recurrence.</summary>
    static (double P, double Derivative) Legendre(int n, double x)
    {
        double p0 = 1, p1 = x;
        if (n == 0) return (1, 0);
        for (int k = 2; k <= n; k++)
        {
            double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
            p0 = p1;
            p1 = p2;
        }
        return (p1, n * (x * p1 - p0) / (x * x - 1));
    }
}
