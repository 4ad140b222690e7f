using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification.Certificates;

/// <summary>
/// Seals what branch and bound proved in floating point into a <see cref="Certificate"/>: every multiplier moved onto the
/// exact network's grid (any multiplier is valid, so nothing is lost but a little tightness), then every bound computed
/// again in exact arithmetic, layer by layer and node by node, and written as the largest double below it (the smallest
/// above, for upper bounds). The checker re-derives the same exact values, so a bound tightened by one ulp is caught. A row
/// whose exact bound no longer clears its threshold leaves nothing to seal: the answer is then not a proof.
/// </summary>
public static class CertificateWriter
{
    /// <summary>A hidden layer's bounds before the activation as the search computed them, and the multipliers of the units CROWN tightened (by unit and side).</summary>
    public sealed record HiddenLayer(double[] Lower, double[] Upper, IReadOnlyDictionary<(int Unit, bool Upper), double[][]> Proofs);

    /// <summary>A node of the search's split tree: the rows it proved with their multipliers, and its split (hidden layer, 1-based; unit) with the active and inactive parts.</summary>
    public sealed record Node(IReadOnlyList<(int Row, double[][] Lambdas)> Proofs, (int Layer, int Unit)? Split, Node? Active, Node? Inactive);

    public static Certificate? Seal(ExactNetwork network, Interval box, SplitProperty property, IReadOnlyList<HiddenLayer> hidden, Node tree, CertifiedBall? ball)
    {
        double[] boxLower = [.. box.Lower.flatten().contiguous().data<double>()], boxUpper = [.. box.Upper.flatten().contiguous().data<double>()];
        var lower = boxLower.Select(Dyadic.From).ToArray();
        var upper = boxUpper.Select(Dyadic.From).ToArray();

        var exactLayers = new List<ExactNetwork.Bounds>();
        var layers = new List<CertifiedLayer>();
        for (int k = 1; k <= hidden.Count; k++)
        {
            var h = hidden[k - 1];
            int width = h.Lower.Length;
            var l = new Dyadic[width];
            var u = new Dyadic[width];
            var proofs = new List<UnitProof>();
            double[] claimedLower = new double[width], claimedUpper = new double[width];
            for (int j = 0; j < width; j++)
                foreach (bool side in new[] { false, true })
                {
                    var row = CertificateCheck.Unit(width, j, side);
                    var exact = network.LowerBound(k, row, [], exactLayers, lower, upper);
                    if (h.Proofs.TryGetValue((j, side), out var lambdas))
                    {
                        var onGrid = lambdas.Select(v => v.Select(ExactNetwork.OnGrid).ToArray()).ToArray();
                        var proved = network.LowerBound(k, row, onGrid, exactLayers, lower, upper);
                        if (proved.CompareTo(exact) > 0)
                        {
                            exact = proved;
                            proofs.Add(new UnitProof(j, side, onGrid));
                        }
                    }
                    if (side) claimedUpper[j] = (-exact).Up();
                    else claimedLower[j] = exact.Down();
                }
            for (int j = 0; j < width; j++) (l[j], u[j]) = (Dyadic.From(claimedLower[j]), Dyadic.From(claimedUpper[j]));
            exactLayers.Add(new ExactNetwork.Bounds(l, u));
            layers.Add(new CertifiedLayer(claimedLower, claimedUpper, [.. proofs]));
        }

        var rows = Enumerable.Range(0, property.Count).Select(r => property.Rows[r].to_type(ScalarType.Float64).data<double>().ToArray()).ToArray();
        var exactRows = rows.Select(r => r.Select(Dyadic.From).ToArray()).ToArray();
        var sealedTree = SealNode(tree, exactLayers);
        if (sealedTree is null) return null;
        return new Certificate(Certificate.Version, network.Describe, network.Sha256, boxLower, boxUpper, rows, [.. property.Thresholds], [.. property.Groups],
            [.. layers], sealedTree, ball);

        CertificateNode? SealNode(Node node, List<ExactNetwork.Bounds> bounds)
        {
            var proofs = new List<RowProof>();
            foreach (var (row, lambdas) in node.Proofs)
            {
                var onGrid = lambdas.Select(v => v.Select(ExactNetwork.OnGrid).ToArray()).ToArray();
                double bound = network.LowerBound(network.Hidden.Count + 1, exactRows[row], onGrid, bounds, lower, upper).Down();
                if (bound <= property.Thresholds[row]) return null; // exact arithmetic does not confirm this proof
                proofs.Add(new RowProof(row, bound, onGrid));
            }
            if (node.Split is not { } split) return new CertificateNode([.. proofs], null, null, null);
            var parts = new CertificateNode?[2];
            for (int side = 0; side < 2; side++)
            {
                var b = bounds[split.Layer - 1];
                var l = (Dyadic[])b.Lower.Clone();
                var u = (Dyadic[])b.Upper.Clone();
                if (side == 0) l[split.Unit] = Dyadic.Max(l[split.Unit], Dyadic.Zero);
                else u[split.Unit] = Dyadic.Min(u[split.Unit], Dyadic.Zero);
                var cut = bounds.ToList();
                cut[split.Layer - 1] = new ExactNetwork.Bounds(l, u);
                parts[side] = SealNode(side == 0 ? node.Active! : node.Inactive!, cut);
                if (parts[side] is null) return null;
            }
            return new CertificateNode([.. proofs], new NodeSplit(split.Layer, split.Unit), parts[0], parts[1]);
        }
    }
}
