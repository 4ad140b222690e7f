using System.Globalization;
using System.Text.RegularExpressions;
using MnistLab.Common;

namespace MnistLab.Analysis.Verification;

/// <summary>One linear constraint on the outputs, Σ Coefficients[j]·Y_j ≥ Bound.</summary>
public sealed record OutputConstraint(double[] Coefficients, double Bound);

/// <summary>
/// A VNN-LIB property as VNN-COMP states it: a box of inputs (X_i between Lower[i] and Upper[i]) and the unsafe outputs,
/// a disjunction of conjunctions of linear constraints. The property holds (unsat) when no input of the box reaches any
/// of them; a counterexample (sat) is an input of the box whose outputs meet every constraint of one of them.
/// </summary>
public sealed record VnnLibProperty(double[] Lower, double[] Upper, int Outputs, IReadOnlyList<IReadOnlyList<OutputConstraint>> Unsafe)
{
    /// <summary>
    /// Reads the SMT-LIB subset VNN-COMP uses: <c>declare-const</c> of X_i and Y_j (Real), <c>assert</c> of a bound on one
    /// input (<c>(&lt;= X_3 0.5)</c>, <c>(&gt;= X_3 0.1)</c>), and asserts on the outputs comparing an output with another or
    /// with a number, alone, in an <c>and</c>, or in an <c>or</c> of <c>and</c>s (at most one <c>or</c>; the others join every
    /// one of its branches). Errors name the file, the line and what was expected.
    /// </summary>
    public static VnnLibProperty Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidOptionException("vnnlib", $"{path}: no such file.");
        var text = File.ReadAllText(path);
        var declared = new HashSet<string>();
        var lower = new Dictionary<int, double>();
        var upper = new Dictionary<int, double>();
        var common = new List<OutputConstraint>();
        List<List<OutputConstraint>>? branches = null;
        int outputs = 0, inputs = 0;
        foreach (var (form, line) in Forms(path, text))
        {
            var head = Atom(form.Items[0], path, form.Line);
            if (head == "declare-const")
            {
                string name = Atom(form.Items[1], path, form.Line);
                var m = Regex.Match(name, @"^([XY])_(\d+)$");
                if (!m.Success) throw Bad(path, line, $"declares '{name}': VNN-LIB names inputs X_i and outputs Y_j");
                declared.Add(name);
                int index = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                if (m.Groups[1].Value == "X") inputs = Math.Max(inputs, index + 1); else outputs = Math.Max(outputs, index + 1);
                continue;
            }
            if (head != "assert") throw Bad(path, line, $"'{head}': expected declare-const or assert");
            var body = (Form)form.Items[1];
            var op = Atom(body.Items[0], path, body.Line);
            if (op == "or")
            {
                if (branches is not null) throw Bad(path, line, "a second (or ...): one disjunction of output constraints is read");
                branches = [.. body.Items.Skip(1).Select(b => Conjunction((Form)b, path, declared).ToList())];
            }
            else if (IsInputBound(body, out int i, out double v, out bool isUpper))
            {
                var bounds = isUpper ? upper : lower;
                bounds[i] = bounds.TryGetValue(i, out double old) ? (isUpper ? Math.Min(old, v) : Math.Max(old, v)) : v;
            }
            else common.AddRange(Conjunction(body, path, declared));
        }
        if (inputs == 0 || outputs == 0) throw new MnistLabException($"{path}: declares no inputs X_i or no outputs Y_j.");
        var lo = new double[inputs];
        var hi = new double[inputs];
        for (int i = 0; i < inputs; i++)
        {
            if (!lower.TryGetValue(i, out lo[i]) || !upper.TryGetValue(i, out hi[i]))
                throw new MnistLabException($"{path}: X_{i} has no {(lower.ContainsKey(i) ? "upper" : "lower")} bound; every input needs both (>= X_{i} a) and (<= X_{i} b).");
            if (lo[i] > hi[i]) throw new MnistLabException($"{path}: X_{i} lies between {lo[i]} and {hi[i]}, an empty range.");
        }
        var disjuncts = (branches ?? [[]]).Select(b => (IReadOnlyList<OutputConstraint>)[.. b, .. common]).ToList();
        if (disjuncts.Any(d => d.Count == 0)) throw new MnistLabException($"{path}: states no constraint on the outputs Y_j.");
        foreach (var c in disjuncts.SelectMany(d => d))
            if (c.Coefficients.Length > outputs) throw new MnistLabException($"{path}: constrains an output it does not declare.");
        return new VnnLibProperty(lo, hi, outputs,
            [.. disjuncts.Select(d => (IReadOnlyList<OutputConstraint>)[.. d.Select(c => c with { Coefficients = Pad(c.Coefficients, outputs) })])]);
    }

    static double[] Pad(double[] c, int n) => c.Length == n ? c : [.. c, .. new double[n - c.Length]];

    static MnistLabException Bad(string path, int line, string what) => new($"{path}, line {line}: {what}.");

    sealed record Form(List<object> Items, int Line);

    /// <summary>The top-level forms of the file (comments after ';' removed).</summary>
    static IEnumerable<(Form Form, int Line)> Forms(string path, string text)
    {
        var stack = new Stack<Form>();
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch == '\n') line++;
            if (ch == ';') { while (i + 1 < text.Length && text[i + 1] != '\n') i++; continue; }
            if (char.IsWhiteSpace(ch)) continue;
            if (ch == '(') { stack.Push(new Form([], line)); continue; }
            if (ch == ')')
            {
                if (stack.Count == 0) throw Bad(path, line, "a ')' closes nothing");
                var done = stack.Pop();
                if (done.Items.Count == 0) throw Bad(path, line, "an empty ()");
                if (stack.Count == 0) yield return (done, done.Line);
                else stack.Peek().Items.Add(done);
                continue;
            }
            int start = i;
            while (i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]) && text[i + 1] is not '(' and not ')' and not ';') i++;
            if (stack.Count == 0) throw Bad(path, line, $"'{text[start..(i + 1)]}' outside any (...)");
            stack.Peek().Items.Add(text[start..(i + 1)]);
        }
        if (stack.Count > 0) throw Bad(path, line, "the file ends inside a (...)");
    }

    static string Atom(object o, string path, int line) => o as string ?? throw Bad(path, line, "a (...) where a name was expected");

    static bool IsInputBound(Form f, out int index, out double value, out bool isUpper)
    {
        (index, value, isUpper) = (0, 0, false);
        if (f.Items.Count != 3 || f.Items[0] is not string op || op is not ("<=" or ">=" or "<" or ">")) return false;
        if (f.Items[1] is string a && Variable(a, 'X') is { } i && f.Items[2] is string b && Number(b) is { } v)
        {
            (index, value, isUpper) = (i, v, op is "<=" or "<");
            return true;
        }
        if (f.Items[2] is string c && Variable(c, 'X') is { } j && f.Items[1] is string d && Number(d) is { } w)
        {
            (index, value, isUpper) = (j, w, op is ">=" or ">");
            return true;
        }
        return false;
    }

    /// <summary>The constraints of a comparison or an (and ...) of comparisons on the outputs.</summary>
    static IEnumerable<OutputConstraint> Conjunction(Form f, string path, HashSet<string> declared)
    {
        var op = Atom(f.Items[0], path, f.Line);
        if (op == "and") return f.Items.Skip(1).SelectMany(x => Conjunction(x as Form ?? throw Bad(path, f.Line, "(and ...) of comparisons expected"), path, declared));
        if (op is not ("<=" or ">=" or "<" or ">") || f.Items.Count != 3)
            throw Bad(path, f.Line, $"'{op}': expected a comparison (<= a b) or (>= a b) of outputs and numbers, an (and ...) or an (or ...)");
        // a ≥ b (or a ≤ b) as Σ c·Y ≥ bound; strict comparisons are read as their closures (a proof of those covers them).
        var (left, right) = (Term(f.Items[1], path, f.Line, declared), Term(f.Items[2], path, f.Line, declared));
        var (big, small) = op is ">=" or ">" ? (left, right) : (right, left);
        int n = Math.Max(big.Coefficients.Length, small.Coefficients.Length);
        var c = new double[n];
        for (int j = 0; j < n; j++) c[j] = (j < big.Coefficients.Length ? big.Coefficients[j] : 0) - (j < small.Coefficients.Length ? small.Coefficients[j] : 0);
        return [new OutputConstraint(c, small.Constant - big.Constant)];
    }

    static (double[] Coefficients, double Constant) Term(object o, string path, int line, HashSet<string> declared)
    {
        var s = o as string ?? throw Bad(path, line, "a (...) where an output or a number was expected");
        if (Number(s) is { } v) return ([], v);
        if (Variable(s, 'Y') is { } j)
        {
            if (!declared.Contains(s)) throw Bad(path, line, $"'{s}' is not declared");
            var c = new double[j + 1];
            c[j] = 1;
            return (c, 0);
        }
        throw Bad(path, line, $"'{s}': expected an output Y_j or a number (an input X_i is bounded only by a number, alone in its assert)");
    }

    static int? Variable(string s, char kind) =>
        s.Length > 2 && s[0] == kind && s[1] == '_' && int.TryParse(s.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : null;

    static double? Number(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;
}
