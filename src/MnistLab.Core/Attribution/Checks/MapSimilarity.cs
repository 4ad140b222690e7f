using MathNet.Numerics.Statistics;

namespace MnistLab.Attribution.Checks;

/// <summary>How alike two maps are, as the sanity checks of Adebayo et al. (2018) compare them.</summary>
public static class MapSimilarity
{
    /// <summary>Spearman's rank correlation (ties share their mean rank); 0 when either map is constant.</summary>
    public static double Spearman(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        double r = Correlation.Spearman(a.Select(v => (double)v), b.Select(v => (double)v));
        return double.IsFinite(r) ? r : 0;
    }

    /// <summary>
    /// SSIM (Wang et al. 2004) of two square maps after each is scaled to [0, 1] by its largest |value| (Adebayo et al.
    /// compare absolute maps so): 7x7 uniform windows with sample covariances, K1 = 0.01, K2 = 0.03, data range 1,
    /// averaged over the windows that fit, as scikit-image's structural_similarity by default.
    /// </summary>
    public static double Ssim(IReadOnlyList<float> a, IReadOnlyList<float> b, int side = 28, int window = 7)
    {
        double[] x = Normalised(a), y = Normalised(b);
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        int n = window * window;
        double total = 0;
        int count = 0;
        for (int r = 0; r + window <= side; r++)
            for (int c = 0; c + window <= side; c++)
            {
                double mx = 0, my = 0;
                for (int i = r; i < r + window; i++)
                    for (int j = c; j < c + window; j++) { mx += x[i * side + j]; my += y[i * side + j]; }
                mx /= n; my /= n;
                double vx = 0, vy = 0, cxy = 0;
                for (int i = r; i < r + window; i++)
                    for (int j = c; j < c + window; j++)
                    {
                        double dx = x[i * side + j] - mx, dy = y[i * side + j] - my;
                        vx += dx * dx; vy += dy * dy; cxy += dx * dy;
                    }
                vx /= n - 1; vy /= n - 1; cxy /= n - 1;
                total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                count++;
            }
        return total / count;
    }

    static double[] Normalised(IReadOnlyList<float> m)
    {
        double max = m.Max(v => Math.Abs((double)v));
        return m.Select(v => max == 0 ? 0 : Math.Abs(v) / max).ToArray();
    }
}
