namespace MnistLab.Analysis.Verification.Certificates;

/// <summary>What the checker concluded: accepted, or the first thing it could not re-derive.</summary>
public sealed record CheckResult(bool Accepted, string Reason, int Leaves, int Proofs, double Seconds);

/// <summary>
/// <c>mnistlab verify-check</c>: re-derives a certificate from the network's own weights in exact arithmetic
/// (<see cref="ExactNetwork"/>), never trusting a number it can recompute. In order: the network is the one certified (its
/// weights' SHA-256); the box holds the ball or the property's box when one is given; each hidden unit's bound is no
/// tighter than interval arithmetic on the layer below or its multipliers give exactly; each node's proved rows are no
/// higher than their multipliers give on that node's part (the hidden bounds cut at 0 by the splits above it) and above
/// their thresholds; each split has both of its parts; and at every leaf, every disjunct is closed by a row proved there
/// or above. Floating point plays no part in the verdict.
/// </summary>
public static class CertificateCheck
{
    /// <param name="property">When given (a VNN-LIB property), the certificate's rows and box must be the property's own.</param>
    public static CheckResult Run(Certificate c, ExactNetwork network, SplitProperty? property = null, Interval? box = null)
    {
        try { return Checked(c, network, property, box); }
        catch (ArgumentException e)
        {
            // A vector of the wrong length, met where the arithmetic reads it.
            return new CheckResult(false, $"malformed: {e.Message}", 0, 0, 0);
        }
    }

    static CheckResult Checked(Certificate c, ExactNetwork network, SplitProperty? property, Interval? box)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int proofs = 0;
        CheckResult Reject(string why) => new(false, why, c.Leaves, proofs, clock.Elapsed.TotalSeconds);

        if (c.Sha256 != network.Sha256) return Reject($"the certificate is for the network with weights {c.Sha256[..12]}…, not this one ({network.Sha256[..12]}…).");
        int n = network.Inputs;
        if (c.BoxLower.Length != n || c.BoxUpper.Length != n) return Reject($"the box has {c.BoxLower.Length} values and the network reads {n}.");
        var lower = c.BoxLower.Select(Dyadic.From).ToArray();
        var upper = c.BoxUpper.Select(Dyadic.From).ToArray();
        for (int i = 0; i < n; i++) if (lower[i] > upper[i]) return Reject($"the box is empty at input {i}.");
        if (c.Ball is { } ball && Outside(ball, lower, upper) is { } why) return Reject(why);
        if (box is not null)
        {
            double[] l = [.. box.Lower.flatten().data<double>()], u = [.. box.Upper.flatten().data<double>()];
            for (int i = 0; i < n; i++)
                if (lower[i] > Dyadic.From(l[i]) || upper[i] < Dyadic.From(u[i])) return Reject($"the box does not hold the property's at input {i}.");
        }
        if (c.Rows.Length != c.Thresholds.Length || c.Rows.Length != c.Groups.Length || c.Rows.Any(r => r.Length != network.Outputs))
            return Reject($"the property's rows, thresholds and groups do not match one another or the network's {network.Outputs} outputs.");
        if (property is not null && !SameProperty(c, property)) return Reject("the certificate's rows are not the property's.");

        // The hidden layers' bounds, each from the ones below it.
        var hidden = new List<ExactNetwork.Bounds>();
        if (c.Layers.Length != network.Hidden.Count) return Reject($"{c.Layers.Length} hidden layers certified, the network has {network.Hidden.Count}.");
        for (int k = 1; k <= c.Layers.Length; k++)
        {
            var layer = c.Layers[k - 1];
            int width = network.Hidden[k - 1];
            if (layer.Lower.Length != width || layer.Upper.Length != width) return Reject($"hidden layer {k} has {width} units; its bounds list {layer.Lower.Length}.");
            if (layer.Proofs.GroupBy(p => (p.Unit, p.Upper)).FirstOrDefault(g => g.Count() > 1) is { } twice)
                return Reject($"hidden layer {k}, unit {twice.Key.Unit}: two proofs of its {(twice.Key.Upper ? "upper" : "lower")} bound.");
            var proved = layer.Proofs.ToDictionary(p => (p.Unit, p.Upper));
            var claimedLower = layer.Lower.Select(Dyadic.From).ToArray();
            var claimedUpper = layer.Upper.Select(Dyadic.From).ToArray();
            for (int j = 0; j < width; j++)
                foreach (bool side in new[] { false, true })
                {
                    var row = Unit(width, j, side);
                    var exact = network.LowerBound(k, row, [], hidden, lower, upper);
                    if (proved.TryGetValue((j, side), out var proof))
                    {
                        if (proof.Lambdas.Length != k - 1) return Reject($"hidden layer {k}, unit {j}: {proof.Lambdas.Length} multiplier vectors, expected {k - 1}.");
                        exact = ExactBound.Max(exact, network.LowerBound(k, row, proof.Lambdas, hidden, lower, upper));
                        proofs++;
                    }
                    // The lower bound of −z is −(upper bound of z).
                    if (!exact.AtLeast(side ? -claimedUpper[j] : claimedLower[j]))
                        return Reject($"hidden layer {k}, unit {j}: the {(side ? "upper" : "lower")} bound {(side ? layer.Upper[j] : layer.Lower[j]):R} is tighter than its proof gives ({(side ? -exact : exact)}).");
                }
            hidden.Add(new ExactNetwork.Bounds(claimedLower, claimedUpper));
        }

        var rows = c.Rows.Select(r => r.Select(Dyadic.From).ToArray()).ToArray();
        var thresholds = c.Thresholds.Select(Dyadic.From).ToArray();
        int leaves = 0;
        string? failure = Node(c.Tree, hidden, [], "root");
        return failure is null ? new CheckResult(true, $"every one of {leaves} leaves closes every disjunct; {proofs} proofs re-derived exactly.", leaves, proofs, clock.Elapsed.TotalSeconds) : Reject(failure);

        string? Node(CertificateNode node, List<ExactNetwork.Bounds> bounds, HashSet<int> closed, string path)
        {
            // A part whose splits leave some unit no room at all is empty, and holds the property vacuously.
            if (bounds.Any(b => b.Lower.Zip(b.Upper).Any(p => p.First > p.Second))) { leaves += node.Split is null ? 1 : 0; return null; }
            var open = new HashSet<int>(closed);
            foreach (var p in node.Proofs)
            {
                if (p.Row < 0 || p.Row >= rows.Length) return $"{path}: row {p.Row} is not a row of the property.";
                if (p.Lambdas.Length != network.Hidden.Count) return $"{path}, row {p.Row}: {p.Lambdas.Length} multiplier vectors, expected {network.Hidden.Count}.";
                var exact = network.LowerBound(network.Hidden.Count + 1, rows[p.Row], p.Lambdas, bounds, lower, upper);
                proofs++;
                if (!exact.AtLeast(Dyadic.From(p.Bound))) return $"{path}, row {p.Row}: the bound {p.Bound:R} is higher than its multipliers give ({exact}).";
                if (Dyadic.From(p.Bound) <= thresholds[p.Row]) return $"{path}, row {p.Row}: the bound {p.Bound:R} does not exceed the threshold {c.Thresholds[p.Row]:R}.";
                open.Add(c.Groups[p.Row]);
            }
            if (node.Split is not { } split)
            {
                leaves++;
                var unclosed = c.Groups.Distinct().Where(g => !open.Contains(g)).ToList();
                return unclosed.Count == 0 ? null : $"{path}: a leaf leaves disjunct {unclosed[0]} of the unsafe set open.";
            }
            if (node.Active is null || node.Inactive is null) return $"{path}: the split on hidden layer {split.Layer}, unit {split.Unit} is missing a part (a missing leaf).";
            if (split.Layer < 1 || split.Layer > bounds.Count || split.Unit < 0 || split.Unit >= bounds[split.Layer - 1].Lower.Length)
                return $"{path}: hidden layer {split.Layer}, unit {split.Unit} does not exist.";
            foreach (bool active in new[] { true, false })
            {
                var b = bounds[split.Layer - 1];
                var l = (Dyadic[])b.Lower.Clone();
                var u = (Dyadic[])b.Upper.Clone();
                if (active) l[split.Unit] = Dyadic.Max(l[split.Unit], Dyadic.Zero);
                else u[split.Unit] = Dyadic.Min(u[split.Unit], Dyadic.Zero);
                var cut = bounds.ToList();
                cut[split.Layer - 1] = new ExactNetwork.Bounds(l, u);
                string? f = Node(active ? node.Active : node.Inactive, cut, open, $"{path}/{split.Layer}:{split.Unit}{(active ? "+" : "-")}");
                if (f is not null) return f;
            }
            return null;
        }
    }

    /// <summary>e_j, or −e_j for an upper bound.</summary>
    internal static Dyadic[] Unit(int width, int j, bool upper)
    {
        var row = Enumerable.Repeat(Dyadic.Zero, width).ToArray();
        row[j] = Dyadic.From(upper ? -1 : 1);
        return row;
    }

    /// <summary>Why the box does not hold the ball: max(0, x − eps) ≥ lower and min(1, x + eps) ≤ upper, exactly.</summary>
    static string? Outside(CertifiedBall ball, Dyadic[] lower, Dyadic[] upper)
    {
        if (ball.Image.Length != lower.Length) return $"the ball's image has {ball.Image.Length} values and the box {lower.Length}.";
        var eps = Dyadic.From(ball.Eps);
        for (int i = 0; i < lower.Length; i++)
        {
            var x = Dyadic.From(ball.Image[i]);
            if (lower[i] > Dyadic.Max(Dyadic.Zero, x - eps) || upper[i] < Dyadic.Min(Dyadic.From(1), x + eps))
                return $"the box does not hold the ball of radius {ball.Eps:R} at input {i}.";
        }
        return null;
    }

    static bool SameProperty(Certificate c, SplitProperty p)
    {
        if (p.Count != c.Rows.Length) return false;
        double[] rows = [.. p.Rows.to_type(TorchSharp.torch.ScalarType.Float64).flatten().data<double>()];
        for (int r = 0; r < p.Count; r++)
        {
            if (p.Thresholds[r] != c.Thresholds[r] || p.Groups[r] != c.Groups[r]) return false;
            for (int j = 0; j < c.Rows[r].Length; j++) if (rows[r * c.Rows[r].Length + j] != c.Rows[r][j]) return false;
        }
        return true;
    }
}
