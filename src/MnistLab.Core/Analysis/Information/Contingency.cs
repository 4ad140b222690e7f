namespace MnistLab.Analysis.Information;

/// <summary>
/// The joint counts of two coded variables over a set of rows, and the plug-in quantities read from them (nats). X is
/// the response (a binned layer, a neuron) and Y the stimulus (the class), as the bias corrections read them.
/// </summary>
public sealed class Contingency
{
    readonly int[] _joint; // (x, y) row-major
    readonly int[] _x, _y;

    public int XCount { get; }
    public int YCount { get; }
    public int Total { get; }

    Contingency(int[] joint, int[] x, int[] y, int xCount, int yCount, int total) =>
        (_joint, _x, _y, XCount, YCount, Total) = (joint, x, y, xCount, yCount, total);

    /// <summary>Counts of codes <paramref name="x"/> (in [0, xCount)) against <paramref name="y"/> over <paramref name="rows"/> (all rows when null); <paramref name="yOrder"/> reorders Y (a shuffle).</summary>
    public static Contingency Count(int[] x, int xCount, int[] y, int yCount, int[]? rows = null, int[]? yOrder = null)
    {
        if ((long)xCount * yCount > 200_000_000) throw new ArgumentException($"a {xCount} x {yCount} table is too large to count.");
        var joint = new int[xCount * yCount];
        var mx = new int[xCount];
        var my = new int[yCount];
        int n = rows?.Length ?? x.Length;
        for (int k = 0; k < n; k++)
        {
            int i = rows is null ? k : rows[k];
            int a = x[i], b = y[yOrder is null ? i : yOrder[i]];
            joint[a * yCount + b]++;
            mx[a]++;
            my[b]++;
        }
        return new Contingency(joint, mx, my, xCount, yCount, n);
    }

    /// <summary>
    /// The table of the same rows with Y reordered by <paramref name="yOrder"/>: a shuffle leaves both margins as they are,
    /// so only the joint counts are made again (from <paramref name="xOffset"/> = x * YCount, precomputed once).
    /// </summary>
    public Contingency Shuffled(int[] xOffset, int[] y, int[] yOrder)
    {
        var joint = new int[XCount * YCount];
        for (int i = 0; i < xOffset.Length; i++) joint[xOffset[i] + y[yOrder[i]]]++;
        return new Contingency(joint, _x, _y, XCount, YCount, Total);
    }

    /// <summary>Plug-in I(X; Y) = sum p(x, y) log(p(x, y) / (p(x) p(y))).</summary>
    public double MutualInformation()
    {
        double n = Total, mi = 0;
        for (int a = 0; a < XCount; a++)
        {
            if (_x[a] == 0) continue;
            for (int b = 0; b < YCount; b++)
            {
                int c = _joint[a * YCount + b];
                if (c > 0) mi += c / n * Math.Log(c * n / ((double)_x[a] * _y[b]));
            }
        }
        return mi;
    }

    /// <summary>Plug-in H(X).</summary>
    public double EntropyX() => Entropy(_x, Total);

    public static double Entropy(IReadOnlyList<int> counts, int total)
    {
        double h = 0;
        foreach (int c in counts)
            if (c > 0) h -= (double)c / total * Math.Log((double)c / total);
        return h;
    }

    /// <summary>Occupied cells: of X, of Y, and of the joint table (Miller-Madow's counts).</summary>
    public (int X, int Y, int Joint) Occupied() => (_x.Count(c => c > 0), _y.Count(c => c > 0), _joint.Count(c => c > 0));

    /// <summary>Counts of X among the rows with Y = <paramref name="b"/>.</summary>
    public int[] XGiven(int b)
    {
        var column = new int[XCount];
        for (int a = 0; a < XCount; a++) column[a] = _joint[a * YCount + b];
        return column;
    }

    public int YTotal(int b) => _y[b];
    public int[] XCounts => _x;
}
