using System.Diagnostics;
using MnistLab.Attribution.Graph;
using static TorchSharp.torch;

namespace MnistLab.Analysis.Verification;

/// <summary>How branch and bound ended: the property proved on every leaf, an input the model gets wrong, or neither by the time limit.</summary>
/// <param name="Bound">A proved lower bound of the property's slack over the whole box: the smallest over the leaves and the domains left open.</param>
/// <param name="Domains">Domains bounded, the root's included.</param>
/// <param name="Counterexample">For <see cref="Verdict.Falsified"/>, the input (1, ...) the caller's check confirmed.</param>
/// <param name="Exhausted">Whether a domain with no unstable ReLU left stayed unproved (branching cannot go on there).</param>
public sealed record BranchResult(Verdict Verdict, double Bound, int Domains, int Depth, double Seconds, Tensor? Counterexample, bool Exhausted);

/// <summary>
/// Complete verification by branch and bound on ReLU splits (β-CROWN, Wang et al. 2021). Each domain fixes the sign of some
/// ReLU inputs: their bounds are cut at 0, which makes their relaxation exact, and each split enters the bound as a
/// Lagrangian term −β·s·z (β ≥ 0, s = +1 for z ≥ 0 and −1 for z ≤ 0) that is ≤ 0 on the domain, so every β keeps the bound
/// valid; the slopes α and the multipliers β are raised together by Adam's steps, and each row keeps its best iterate. The
/// intermediate bounds are the root's, each unstable unit's bound optimised over the slopes below it (α-CROWN on every
/// layer, not only the output), cut by the domain's splits. A domain whose bound is below 0 is split
/// on the unstable ReLU with the largest BaBSR score (Bunel et al. 2020: how much of the bound its relaxation's upper
/// intercept costs), the worst domains first, a batch at a time. A domain bounds only the rows of the disjuncts its
/// ancestors left open, and the corner of the box that minimises its worst row goes to the caller's attack (which runs the
/// model there and from there), so that the attack runs throughout the search.
/// </summary>
public sealed class BranchAndBound
{
    /// <summary>Adam's steps on α and β per batch of domains, and their learning rates (β-CROWN's defaults for BaB).</summary>
    const int Steps = 20;
    const double AlphaRate = 0.1, BetaRate = 0.05;

    readonly BoundGraph graph;
    readonly Interval box;
    readonly SplitProperty property;

    /// <summary>The root's records, the output's shape, and the stage index of each ReLU (or LeakyReLU) stage that can be split.</summary>
    readonly List<StageRecord> root;
    readonly long[] outputShape;
    readonly int[] relus;

    /// <summary>Whether each domain keeps its proofs and parts, for a certificate.</summary>
    readonly bool record;

    BranchAndBound(BoundGraph graph, Interval box, SplitProperty property, bool record)
    {
        this.record = record;
        this.graph = graph;
        this.box = box;
        this.property = property;
        var proofs = new Dictionary<(int Stage, long Unit, bool Upper), double[][]>();
        var (records, output) = graph.Forward(box, BoundMethod.Complete, record ? (stage, units, multipliers) =>
        {
            var rows = multipliers.Select(m => m.contiguous().data<double>().ToArray()).ToArray();
            var widths = multipliers.Select(m => (int)m.shape[1]).ToArray();
            for (int r = 0; r < 2 * units.Length; r++)
                proofs[(stage, units[r % units.Length], r >= units.Length)] = [.. rows.Select((m, i) => m.AsSpan(r * widths[i], widths[i]).ToArray())];
        } : null);
        root = records;
        outputShape = output.Lower.shape[1..];
        relus = [.. Enumerable.Range(0, root.Count).Where(k => root[k].Activation is not null)];
        if (record)
            Hidden = [.. relus.Select(k => new Certificates.CertificateWriter.HiddenLayer(
                root[k].Input.Lower.flatten().contiguous().data<double>().ToArray(),
                root[k].Input.Upper.flatten().contiguous().data<double>().ToArray(),
                proofs.Where(p => p.Key.Stage == k).ToDictionary(p => ((int)p.Key.Unit, p.Key.Upper), p => p.Value)))];
    }

    /// <summary>When recorded: each hidden layer's bounds at the root and the multipliers of the units CROWN tightened there.</summary>
    Certificates.CertificateWriter.HiddenLayer[] Hidden { get; } = [];

    /// <summary>
    /// One domain: the split of each unit per ReLU stage (+1 active, −1 inactive, 0 free, flattened), the rows still to bound
    /// (those of disjuncts no ancestor excluded), and the smallest slack of the disjuncts its ancestors excluded.
    /// </summary>
    sealed class Domain(sbyte[][] splits, int[] rows, double excluded, int depth)
    {
        public sbyte[][] Splits { get; } = splits;
        public int[] Rows { get; } = rows;
        public double Excluded { get; } = excluded;
        public int Depth { get; } = depth;

        /// <summary>After bounding: the slack of the open disjuncts and of the whole domain, the rows left open, where to branch, the candidate corner.</summary>
        public double Slack { get; set; } = double.NegativeInfinity;
        public int[] OpenRows { get; set; } = [];
        public double ExcludedNow { get; set; } = double.PositiveInfinity;
        public (int Relu, int Unit)? Branch { get; set; }
        public Tensor? Corner { get; set; }

        /// <summary>
        /// The slopes α and multipliers β a domain's optimisation ended with, per ReLU stage (rows, units...), float32 and outside
        /// every dispose scope; its children start from them (β-CROWN's warm start), so that the multipliers of earlier splits
        /// keep climbing with depth.
        /// </summary>
        public Tensor[]? Alpha { get; set; }
        public Tensor[]? Beta { get; set; }
        public (Tensor[] Alpha, Tensor[] Beta)? Inherited { get; init; }
        public (Tensor[] Alpha, Tensor[] Beta)? Passed { get; set; }

        /// <summary>When the search is recorded for a certificate: the rows this domain proves with their multipliers, and its two parts.</summary>
        public List<(int Row, double[][] Lambdas)> Proofs { get; } = [];
        public Domain[]? Children { get; set; }

        /// <summary>Frees the optimiser's state this domain holds once it is proved or split.</summary>
        public void Release()
        {
            foreach (var t in (Alpha ?? []).Concat(Beta ?? []).Concat(Passed?.Alpha ?? []).Concat(Passed?.Beta ?? [])) t.Dispose();
            (Alpha, Beta, Passed) = (null, null, null);
        }

        public double Bound => Math.Min(Slack, ExcludedNow);
    }

    /// <summary>
    /// Proves <paramref name="property"/> over <paramref name="box"/>, or finds an input that breaks it, or stops at
    /// <paramref name="timeoutSeconds"/>. <paramref name="falsifies"/> takes candidate inputs (N, ...) in float64, the corners
    /// the open domains' bounds meet, and returns an input near them that truly breaks the property (re-checked on the model), or null. Domains are bounded
    /// <paramref name="batch"/> at a time; <paramref name="report"/> hears how the search stands after each batch.
    /// </summary>
    public static BranchResult Run(BoundGraph graph, Interval box, SplitProperty property, Func<Tensor, Tensor?> falsifies,
        double timeoutSeconds, int batch = 256, Action<string>? report = null) =>
        Search(graph, box, property, falsifies, timeoutSeconds, batch, report, record: false).Result;

    /// <summary>
    /// <see cref="Run"/>, and for a verified answer its certificate sealed in exact arithmetic (<see cref="CertificateWriter"/>);
    /// a proof exact arithmetic does not confirm turns the answer to unknown. <paramref name="ball"/> names an image's ball.
    /// </summary>
    public static (BranchResult Result, Certificates.Certificate? Certificate) Certify(BoundGraph graph, Interval box, SplitProperty property,
        Func<Tensor, Tensor?> falsifies, double timeoutSeconds, Certificates.CertifiedBall? ball = null, Action<string>? report = null)
    {
        var network = Certificates.ExactNetwork.Of(graph); // refused before any search if the network cannot be certified
        var (result, search, tree) = Search(graph, box, property, falsifies, timeoutSeconds, 256, report, record: true);
        if (result.Verdict != Verdict.Verified) return (result, null);
        var certificate = Certificates.CertificateWriter.Seal(network, box, property, search.Hidden, Node(tree), ball);
        return certificate is null ? (result with { Verdict = Verdict.Unknown }, null) : (result, certificate);

        static Certificates.CertificateWriter.Node Node(Domain d) => new(d.Proofs,
            d.Children is null ? null : (d.Branch!.Value.Relu + 1, d.Branch!.Value.Unit),
            d.Children is null ? null : Node(d.Children[0]), d.Children is null ? null : Node(d.Children[1]));
    }

    static (BranchResult Result, BranchAndBound Search, Domain Root) Search(BoundGraph graph, Interval box, SplitProperty property, Func<Tensor, Tensor?> falsifies,
        double timeoutSeconds, int batch, Action<string>? report, bool record)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // Small products, many of them: a second libtorch thread gains nothing on a quiet machine and loses much on a busy one.
        using var threads = Common.TorchSetup.OneLibtorchThread();
        var clock = Stopwatch.StartNew();
        var search = new BranchAndBound(graph, box, property, record);
        var first = new Domain([.. search.relus.Select(k => new sbyte[search.root[k].Input.Lower.numel()])],
            [.. Enumerable.Range(0, property.Count)], double.PositiveInfinity, 0);
        search.BoundAll([first]);
        int domains = 1, depth = 0;
        double proved = double.PositiveInfinity;
        bool exhausted = false;
        var open = new List<Domain>();
        var found = Falsified([first], falsifies);
        if (found is not null || first.Slack > 0)
        {
            first.Release();
            return Result(found is null ? Verdict.Verified : Verdict.Falsified, first.Bound, found);
        }
        open.Add(first);
        while (open.Count > 0)
        {
            if (clock.Elapsed.TotalSeconds > timeoutSeconds) break;
            open.Sort((a, b) => a.Slack.CompareTo(b.Slack));
            var take = open.Take(Math.Max(1, batch / 2)).ToList();
            open.RemoveRange(0, take.Count);
            foreach (var d in take.Where(d => d.Branch is null))
            {
                // Every ReLU fixed and still unproved: branching cannot go further there.
                exhausted = true;
                proved = Math.Min(proved, d.Bound);
                d.Release();
            }
            var children = take.Where(d => d.Branch is not null).SelectMany(d => Split(d, record)).ToList();
            if (children.Count == 0) continue;
            search.BoundAll(children);
            foreach (var d in take) d.Release();
            domains += children.Count;
            depth = Math.Max(depth, children.Max(c => c.Depth));
            found = Falsified([.. children.Where(c => c.Slack <= 0)], falsifies);
            if (found is not null)
            {
                foreach (var d in open.Concat(children)) d.Release();
                return Result(Verdict.Falsified, Math.Min(proved, children.Min(c => c.Bound)), found);
            }
            foreach (var c in children)
            {
                c.Corner?.Dispose();
                c.Corner = null;
                if (c.Slack > 0) proved = Math.Min(proved, c.Bound);
                else open.Add(c);
            }
            report?.Invoke($"{domains} domains, {open.Count} open, depth {depth}, worst bound {(open.Count > 0 ? open.Min(d => d.Slack) : proved):G4}");
        }
        foreach (var d in open) d.Release();
        double bound = Math.Min(proved, open.Count > 0 ? open.Min(d => d.Bound) : double.PositiveInfinity);
        return Result(open.Count == 0 && !exhausted ? Verdict.Verified : Verdict.Unknown, bound, null);

        (BranchResult, BranchAndBound, Domain) Result(Verdict v, double b, Tensor? x) =>
            (new(v, b, domains, depth, clock.Elapsed.TotalSeconds, x?.MoveToOuterDisposeScope(), exhausted), search, first);
    }

    /// <summary>The two children of a domain, on its branching unit; they bound only the rows it left open, starting from its α and β.</summary>
    static Domain[] Split(Domain d, bool tree)
    {
        var (relu, unit) = d.Branch!.Value;
        if (d.Alpha is not null && d.Beta is not null)
        {
            using var scope = NewDisposeScope();
            var keep = tensor(d.OpenRows.Select(r => (long)Array.IndexOf(d.Rows, r)).ToArray());
            d.Passed = ([.. d.Alpha.Select(t => t.index_select(0, keep).DetachFromDisposeScope())], [.. d.Beta.Select(t => t.index_select(0, keep).DetachFromDisposeScope())]);
        }
        Domain[] children = [.. new sbyte[] { 1, -1 }.Select(sign =>
        {
            var splits = d.Splits.Select(s => (sbyte[])s.Clone()).ToArray();
            splits[relu][unit] = sign;
            return new Domain(splits, d.OpenRows, d.ExcludedNow, d.Depth + 1) { Inherited = d.Passed };
        })];
        if (tree) d.Children = children; // the split tree, for a certificate
        return children;
    }

    /// <summary>An input the caller confirms breaks the property, from the corners of the open domains, or null.</summary>
    static Tensor? Falsified(IReadOnlyList<Domain> domains, Func<Tensor, Tensor?> falsifies)
    {
        var corners = domains.Where(d => d.Corner is not null).Select(d => d.Corner!).ToArray();
        if (corners.Length == 0) return null;
        using var scope = NewDisposeScope();
        return falsifies(cat(corners, 0))?.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Bounds each domain's rows (one pair per domain and row, α and β optimised together, each pair's best iterate kept),
    /// then sets each domain's slack, open rows, branching unit and candidate corner.
    /// </summary>
    void BoundAll(IReadOnlyList<Domain> domains)
    {
        using var scope = NewDisposeScope();
        int d = domains.Count;
        var pairDomain = domains.SelectMany((x, j) => x.Rows.Select(_ => (long)j)).ToArray();
        var pairRow = domains.SelectMany(x => x.Rows.Select(r => (long)r)).ToArray();
        long pairs = pairRow.Length;
        var byPair = tensor(pairDomain);
        var stages = graph.Stages;

        // Per domain and ReLU stage: the split signs and the bounds cut by them; the relaxation per pair.
        var records = root.ToList();
        var signs = new Tensor[relus.Length];
        var unstable = new Tensor[relus.Length];
        var domainUnstable = new Tensor[relus.Length];
        var intercepts = new Tensor[relus.Length];
        var alphas = new Tensor[relus.Length];
        var betas = new Tensor[relus.Length];
        var lows = new double[relus.Length];
        for (int i = 0; i < relus.Length; i++)
        {
            int k = relus[i];
            var shape = root[k].Input.Lower.shape;
            long units = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            var flat = new double[d * units];
            for (int j = 0; j < d; j++)
                for (long u = 0; u < units; u++) flat[j * units + u] = domains[j].Splits[i][u];
            var sign = tensor(flat, [d, .. shape[1..]]);
            var lower = where(sign > 0, root[k].Input.Lower.clamp(min: 0), root[k].Input.Lower);
            var upper = where(sign < 0, root[k].Input.Upper.clamp(max: 0), root[k].Input.Upper);
            var relax = graph.Relax(stages[k], new Interval(lower, upper));
            domainUnstable[i] = (lower < 0) & (upper > 0);
            intercepts[i] = relax.UpperIntercept;
            signs[i] = sign.index_select(0, byPair);
            unstable[i] = domainUnstable[i].index_select(0, byPair);
            lows[i] = stages[k] is PiecewiseLinearStage p ? p.SlopeBelow : 0;
            var perPair = new ActivationRelaxation(relax.LowerSlope.index_select(0, byPair), relax.LowerIntercept.index_select(0, byPair),
                relax.UpperSlope.index_select(0, byPair), relax.UpperIntercept.index_select(0, byPair));
            records[k] = root[k] with { Input = new Interval(lower, upper), Activation = perPair };
            // Each domain starts from its parent's α and β where it has them, else from CROWN's slopes and β = 0.
            alphas[i] = cat(domains.Select((x, j) => x.Inherited is { } from ? from.Alpha[i].to_type(ScalarType.Float64)
                : relax.LowerSlope[j].unsqueeze(0).expand([x.Rows.Length, .. shape[1..]])).ToArray(), 0).clone();
            betas[i] = cat(domains.Select(x => x.Inherited is { } from ? from.Beta[i].to_type(ScalarType.Float64)
                : zeros([x.Rows.Length, .. shape[1..]], dtype: ScalarType.Float64)).ToArray(), 0);
        }
        var parameters = alphas.Concat(betas).ToArray();
        var first = parameters.Select(t => zeros_like(t)).ToArray();
        var second = parameters.Select(t => zeros_like(t)).ToArray();
        var lambda0 = property.Rows.to_type(ScalarType.Float64).index_select(0, tensor(pairRow)).reshape([pairs, .. outputShape]);

        Tensor? best = null;
        Tensor input = empty(0);
        Tensor[] atRelu = [];
        var bestMultipliers = new Tensor?[relus.Length];
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
        for (int step = 1; step <= Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            // A network without activations (a linear model) has nothing to optimise: its one bound is exact.
            bool last = step == Steps || parameters.Length == 0;
            Tensor lower;
            Tensor[] gradients;
            using (enable_grad())
            {
                var leaves = parameters.Select(t => t.detach().requires_grad_(true)).ToArray();
                (lower, var coefficients, var atReluNow, var atInputNow) = Backward(records, lambda0, leaves, unstable, signs);
                if (record)
                {
                    // A certificate's multipliers are those of each pair's best iterate.
                    var better = best is null ? ones(pairs, dtype: ScalarType.Bool) : lower.detach() > best;
                    for (int i = 0; i < relus.Length; i++)
                    {
                        var now = atInputNow[i].detach().flatten(1);
                        var kept = bestMultipliers[i] is null ? now : where(better.unsqueeze(1), now, bestMultipliers[i]!);
                        bestMultipliers[i]?.Dispose();
                        bestMultipliers[i] = kept.MoveToOuterDisposeScope();
                    }
                }
                gradients = leaves.Length == 0 ? [] : [.. autograd.grad([lower.sum()], leaves).Select(g => g.detach())];
                if (last)
                {
                    // The last step's coefficients give the branching scores and the corner each bound meets.
                    input = coefficients.detach().MoveToOuterDisposeScope();
                    atRelu = [.. atReluNow.Select(t => t.detach().MoveToOuterDisposeScope())];
                }
            }
            var next = best is null ? lower.detach().clone() : maximum(best, lower.detach());
            best?.Dispose();
            best = next.MoveToOuterDisposeScope();
            if (last) break;
            for (int i = 0; i < parameters.Length; i++)
            {
                var g = gradients[i];
                first[i].mul_(beta1).add_(g * (1 - beta1));
                second[i].mul_(beta2).add_(g * g * (1 - beta2));
                bool alpha = i < alphas.Length;
                double rate = (alpha ? AlphaRate : BetaRate) / (1 - Math.Pow(beta1, step));
                var scale = (second[i] / (1 - Math.Pow(beta2, step))).sqrt_().add_(epsilon);
                parameters[i].add_(first[i] / scale * rate); // ascent: the bound is to be raised
                if (alpha) parameters[i].clamp_(lows[i], 1);
                else parameters[i].clamp_(min: 0);
            }
        }

        var bounds = best!.data<double>().ToArray();
        var branches = Branching(d, byPair, atRelu, intercepts, domainUnstable);
        for (int j = 0, at = 0; j < d; j++)
        {
            var dom = domains[j];
            int n = dom.Rows.Length;
            var slacks = new Dictionary<int, double>();
            int worst = at;
            for (int p = at; p < at + n; p++)
            {
                int r = dom.Rows[p - at];
                double slack = bounds[p] - property.Thresholds[r];
                int g = property.Groups[r];
                slacks[g] = slacks.TryGetValue(g, out var b) ? Math.Max(b, slack) : slack;
                if (slack < bounds[worst] - property.Thresholds[pairRow[worst]]) worst = p;
            }
            dom.Slack = slacks.Values.Min();
            if (record)
            {
                var multipliers = bestMultipliers.Select(t => t!.narrow(0, at, n).contiguous().data<double>().ToArray()).ToArray();
                var widths = bestMultipliers.Select(t => (int)t!.shape[1]).ToArray();
                for (int p = 0; p < n; p++)
                    if (bounds[at + p] - property.Thresholds[dom.Rows[p]] > 0)
                        dom.Proofs.Add((dom.Rows[p], [.. Enumerable.Range(0, relus.Length).Select(i => multipliers[i].AsSpan(p * widths[i], widths[i]).ToArray())]));
            }
            dom.ExcludedNow = Math.Min(dom.Excluded, slacks.Values.Where(v => v > 0).DefaultIfEmpty(double.PositiveInfinity).Min());
            dom.OpenRows = [.. dom.Rows.Where(r => slacks[property.Groups[r]] <= 0)];
            if (dom.Slack <= 0)
            {
                dom.Alpha = [.. alphas.Select(t => t.narrow(0, at, n).to_type(ScalarType.Float32).DetachFromDisposeScope())];
                dom.Beta = [.. betas.Select(t => t.narrow(0, at, n).to_type(ScalarType.Float32).DetachFromDisposeScope())];
                dom.Corner = where(input[worst].unsqueeze(0) > 0, box.Lower, box.Upper).MoveToOuterDisposeScope();
                dom.Branch = branches[j];
            }
            at += n;
        }
    }

    /// <summary>
    /// For each domain, the unsplit unstable unit with the largest BaBSR score summed over its rows: −min(λ, 0) times the
    /// upper line's intercept (the part of the bound the relaxation gives away there); where every score is 0, the unit
    /// with the largest intercept; null when no unstable unit is left.
    /// </summary>
    (int Relu, int Unit)?[] Branching(int domains, Tensor byPair, Tensor[] lambdas, Tensor[] intercepts, Tensor[] unstable)
    {
        using var scope = NewDisposeScope();
        var bestScore = full(domains, -1.0, dtype: ScalarType.Float64);
        var bestRelu = full(domains, -1L, dtype: ScalarType.Int64);
        var bestUnit = zeros(domains, dtype: ScalarType.Int64);
        var wideScore = full(domains, -1.0, dtype: ScalarType.Float64);
        var wideRelu = full(domains, -1L, dtype: ScalarType.Int64);
        var wideUnit = zeros(domains, dtype: ScalarType.Int64);
        for (int i = 0; i < relus.Length; i++)
        {
            var open = unstable[i].flatten(1);
            var intercept = intercepts[i].flatten(1);
            var cost = zeros_like(intercept).index_add_(0, byPair, -lambdas[i].flatten(1).clamp(max: 0), 1);
            var score = where(open, cost * intercept, full_like(intercept, -1.0));
            var (top, unit) = score.max(1);
            var take = top > bestScore;
            bestScore = where(take, top, bestScore);
            bestRelu = where(take, full_like(bestRelu, i), bestRelu);
            bestUnit = where(take, unit, bestUnit);
            var (wide, wideAt) = where(open, intercept, full_like(intercept, -1.0)).max(1);
            var wider = (wide > wideScore) & open.any(1);
            wideScore = where(wider, wide, wideScore);
            wideRelu = where(wider, full_like(wideRelu, i), wideRelu);
            wideUnit = where(wider, wideAt, wideUnit);
        }
        var score0 = bestScore.data<double>().ToArray();
        var (r1, u1, r2, u2) = (bestRelu.data<long>().ToArray(), bestUnit.data<long>().ToArray(), wideRelu.data<long>().ToArray(), wideUnit.data<long>().ToArray());
        return [.. Enumerable.Range(0, domains).Select(j =>
            score0[j] > 0 ? ((int)r1[j], (int)u1[j]) : r2[j] >= 0 ? ((int)r2[j], (int)u2[j]) : ((int, int)?)null)];
    }

    /// <summary>
    /// CROWN's backward pass from Λ₀ with the given lower slopes on unstable units and the split multipliers: after each
    /// ReLU stage the coefficient on its input takes −β·s. Returns the rows' lower bounds, the input coefficients, the
    /// coefficient on each ReLU's output (for the branching scores) and on its input (a certificate's multipliers).
    /// </summary>
    (Tensor Lower, Tensor Input, Tensor[] AtRelu, Tensor[] AtInput) Backward(List<StageRecord> records, Tensor lambda0, Tensor[] leaves, Tensor[] unstable, Tensor[] signs)
    {
        var stages = graph.Stages;
        var lambda = lambda0;
        var offset = zeros(lambda.shape[0], dtype: ScalarType.Float64);
        var atRelu = new Tensor[relus.Length];
        var atInput = new Tensor[relus.Length];
        int i = relus.Length - 1;
        for (int k = stages.Count - 1; k >= 0; k--)
        {
            var record = records[k];
            if (i >= 0 && relus[i] == k)
            {
                atRelu[i] = lambda;
                var r = record.Activation!;
                record = record with { Activation = r with { LowerSlope = where(unstable[i], leaves[i], r.LowerSlope) } };
                lambda = BackwardPropagation.Back(stages[k], record, lambda, ref offset) - leaves[relus.Length + i] * signs[i];
                atInput[i] = lambda;
                i--;
            }
            else lambda = BackwardPropagation.Back(stages[k], record, lambda, ref offset);
        }
        return (BackwardPropagation.Concretize(lambda, offset, box), lambda, atRelu, atInput);
    }
}
