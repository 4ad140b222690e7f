using System.Diagnostics;
using System.Globalization;
using System.Text;
using MnistLab.Attribution;
using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Analysis.Verification;

/// <summary>VNN-COMP's answers: sat (a counterexample), unsat (proved), unknown, timeout.</summary>
public enum VnnStatus { Sat, Unsat, Unknown, Timeout }

/// <param name="X">For sat, the counterexample's inputs; <paramref name="Y"/> the model's outputs on them.</param>
public sealed record VnnLibResult(VnnStatus Status, double[]? X, double[]? Y, double Seconds)
{
    /// <summary>For unsat when a certificate was asked for: the proof, sealed in exact arithmetic.</summary>
    public Certificates.Certificate? Certificate { get; init; }

    /// <summary>VNN-COMP's result file: the status on the first line; for sat the assignment <c>((X_0 v) ... (Y_0 v) ...)</c>.</summary>
    public string Text()
    {
        var sb = new StringBuilder(Status.ToString().ToLowerInvariant()).Append('\n');
        if (Status != VnnStatus.Sat) return sb.ToString();
        sb.Append('(');
        for (int i = 0; i < X!.Length; i++) sb.Append(CultureInfo.InvariantCulture, $"(X_{i} {X[i]:R})\n");
        for (int j = 0; j < Y!.Length; j++) sb.Append(CultureInfo.InvariantCulture, $"(Y_{j} {Y[j]:R})").Append(j + 1 < Y.Length ? "\n" : ")\n");
        return sb.ToString();
    }
}

public sealed record VnnLibOptions
{
    /// <summary><c>ibp</c>, <c>crown</c>, <c>alpha-crown</c> or <c>complete</c> (branch and bound after α-CROWN).</summary>
    public string Method { get; init; } = "crown";
    public PgdOptions Pgd { get; init; } = new();
    public long Seed { get; init; }

    /// <summary>Seconds after which the answer is timeout, checked between the attack of each disjunct and after the bounds.</summary>
    public double Timeout { get; init; } = 300;

    /// <summary>Whether an unsat answer comes with its certificate (<see cref="VnnLibResult.Certificate"/>); without one it is unknown.</summary>
    public bool Certify { get; init; }

    public VnnLibOptions Validated()
    {
        const string o = nameof(VnnLibOptions);
        Require.That(BoundMethods.Names.Contains(Method), $"{o}.{nameof(Method)}", $"must be ibp, crown, alpha-crown or complete, got '{Method}'.");
        Require.Positive(Timeout, $"{o}.{nameof(Timeout)}");
        Pgd.Validated();
        return this;
    }
}

/// <summary>
/// A VNN-LIB property of a model: the attack first, on each unsafe disjunct (the smallest of its constraints' slacks
/// maximised over the box); a candidate counts only when the model, run again on it, meets every constraint of the
/// disjunct (sat). Otherwise the bounds: a disjunct is unreachable when one of its constraints' lower bounds of the
/// violation is above 0 over the box; every disjunct unreachable is unsat, anything else unknown.
/// </summary>
public static class VnnLibCheck
{
    public static VnnLibResult Compute(Module<Tensor, Tensor> model, VnnLibProperty property, VnnLibOptions options, IProgressSink? progress = null)
    {
        options = options.Validated();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var graph = BoundGraph.Of(model);
        int n = property.Lower.Length;
        var lower = tensor(property.Lower).view(1, n);
        var upper = tensor(property.Upper).view(1, n);
        var center = ((lower + upper) / 2).to_type(ScalarType.Float32);
        long outputs;
        using (no_grad()) outputs = ModelCalls.InEval(model, () => model.call(center)).numel();
        if (outputs != property.Outputs)
            throw new MnistLabException($"the property declares {property.Outputs} outputs Y_j and the model has {outputs}.");
        graph.Layers.CheckReproduces(model, center);

        using (var generator = Seeds.Generator(options.Seed, "verify/vnnlib-pgd"))
            foreach (var disjunct in property.Unsafe)
            {
                var a = tensor(disjunct.SelectMany(c => c.Coefficients).ToArray(), [disjunct.Count, property.Outputs]);
                var b = tensor(disjunct.Select(c => c.Bound).ToArray());
                Tensor Slack(Tensor y) => (y.to_type(ScalarType.Float64).reshape(-1, property.Outputs).matmul(a.t()) - b).min(1).values;
                var candidate = Pgd.Search(model, lower, upper, Slack, options.Pgd, generator);
                if (candidate is not null && Recheck(model, candidate, lower, upper, Slack) is { } y)
                    return new VnnLibResult(VnnStatus.Sat, [.. candidate.to_type(ScalarType.Float64).data<double>()], y, clock.Elapsed.TotalSeconds);
                if (clock.Elapsed.TotalSeconds > options.Timeout) return new VnnLibResult(VnnStatus.Timeout, null, null, clock.Elapsed.TotalSeconds);
            }

        var split = Split(property);
        var box = Interval.Box(lower.squeeze(0), upper.squeeze(0));
        var method = BoundMethods.Parse(options.Method);
        bool proved = split.Slack(graph.LowerBounds(box, split.Rows, method)) > 0;
        // A certificate comes from the search's records: a proof found at the root is found again there, at the root's cost.
        if ((!proved && method == BoundMethod.Complete || proved && options.Certify) && clock.Elapsed.TotalSeconds < options.Timeout)
        {
            var disjuncts = property.Unsafe.Select(d => (
                A: tensor(d.SelectMany(c => c.Coefficients).ToArray(), [d.Count, property.Outputs]),
                B: tensor(d.Select(c => c.Bound).ToArray()))).ToList();
            Tensor Slack(Tensor y) => stack(disjuncts.Select(d =>
                (y.to_type(ScalarType.Float64).reshape(-1, property.Outputs).matmul(d.A.t()) - d.B).min(1).values), 1).max(1).values;
            var (inLow, inHigh) = Pgd.Inward(lower, upper);
            Tensor? Falsifies(Tensor candidates)
            {
                // The corners themselves, then where a short climb from each of them leads.
                var corners = candidates.to_type(ScalarType.Float32).maximum(inLow).minimum(inHigh);
                var x = cat([corners, Pgd.Climb(model, corners, inLow, inHigh, Slack)], 0);
                // One pass over all of them; only a point that seems to break the property is re-checked alone.
                bool[] seeming;
                using (no_grad()) seeming = [.. (Slack(ModelCalls.InEval(model, () => model.call(x))) >= 0).data<bool>()];
                for (int i = 0; i < seeming.Length; i++)
                    if (seeming[i] && Recheck(model, x[i].unsqueeze(0), lower, upper, Slack) is not null) return x[i].unsqueeze(0);
                return null;
            }
            using var task = (progress ?? ProgressSink.None).Start("branch and bound", 1);
            double left = options.Timeout - clock.Elapsed.TotalSeconds;
            // Without branching (ibp, crown, alpha-crown) the search stops at its root.
            if (method != BoundMethod.Complete) left = 0;
            Certificates.Certificate? certificate = null;
            BranchResult search;
            if (options.Certify) (search, certificate) = BranchAndBound.Certify(graph, box, split, Falsifies, left, report: m => task.Advance(0, m));
            else search = BranchAndBound.Run(graph, box, split, Falsifies, left, report: m => task.Advance(0, m));
            if (search.Verdict == Verdict.Falsified)
            {
                var x = search.Counterexample!;
                var y = Recheck(model, x, lower, upper, Slack)!;
                return new VnnLibResult(VnnStatus.Sat, [.. x.to_type(ScalarType.Float64).data<double>()], y, clock.Elapsed.TotalSeconds);
            }
            if (search.Verdict == Verdict.Unknown)
                return new VnnLibResult(clock.Elapsed.TotalSeconds >= options.Timeout ? VnnStatus.Timeout : VnnStatus.Unknown, null, null, clock.Elapsed.TotalSeconds);
            if (options.Certify) return new VnnLibResult(VnnStatus.Unsat, null, null, clock.Elapsed.TotalSeconds) { Certificate = certificate };
            proved = true;
        }
        if (proved && options.Certify) return new VnnLibResult(VnnStatus.Unknown, null, null, clock.Elapsed.TotalSeconds); // no time left to certify
        double seconds = clock.Elapsed.TotalSeconds;
        if (seconds > options.Timeout) return new VnnLibResult(VnnStatus.Timeout, null, null, seconds);
        return new VnnLibResult(proved ? VnnStatus.Unsat : VnnStatus.Unknown, null, null, seconds);
    }

    /// <summary>
    /// The property as rows to bound: each constraint c·Y ≥ b of a disjunct is unreachable when the lower bound of −c·Y is
    /// above −b, so one row −c with threshold −b per constraint, grouped by disjunct.
    /// </summary>
    public static SplitProperty Split(VnnLibProperty property)
    {
        var all = property.Unsafe.SelectMany(d => d).ToList();
        return new SplitProperty(
            tensor(all.SelectMany(c => c.Coefficients.Select(v => -v)).ToArray(), [all.Count, property.Outputs]),
            [.. all.Select(c => -c.Bound)],
            [.. property.Unsafe.SelectMany((d, g) => d.Select(_ => g))]);
    }

    /// <summary>The model's outputs on <paramref name="x"/> when it lies in the box and they meet the disjunct; null otherwise.</summary>
    static double[]? Recheck(Module<Tensor, Tensor> model, Tensor x, Tensor lower, Tensor upper, Func<Tensor, Tensor> slack)
    {
        using var scope = NewDisposeScope();
        var x64 = x.to_type(ScalarType.Float64);
        if (!((x64 >= lower) & (x64 <= upper)).all().item<bool>()) return null;
        using var _ = no_grad();
        var y = ModelCalls.InEval(model, () => model.call(x));
        return slack(y).item<double>() >= 0 ? [.. y.to_type(ScalarType.Float64).flatten().data<double>()] : null;
    }
}
