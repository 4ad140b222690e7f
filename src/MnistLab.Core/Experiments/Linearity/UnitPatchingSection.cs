using System.Text;
using MnistLab.Analysis.Causal;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Reports;
using static MnistLab.Reports.Markdown;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Experiments.Linearity;

/// <summary>Options of <see cref="UnitPatchingSection"/>: how many test images of each class are patched against images of other classes.</summary>
public sealed record UnitPatchingOptions
{
    public int PairsPerClass { get; init; } = 100;

    public UnitPatchingOptions Validated()
    {
        Require.InRange(PairsPerClass, 2, 1000, $"{nameof(UnitPatchingOptions)}.{nameof(PairsPerClass)}");
        return this;
    }
}

/// <summary>
/// One class's hidden units: the share of the class's evidence (logit[k] against the other digit's answer) each unit of
/// relu1 restores when patched alone from an image of the class into an image of another class, and how few units carry
/// half and 90% of it.
/// </summary>
public sealed record ClassUnits(int Class, int Pairs, double[] Shares, int UnitsFor50, int UnitsFor90, double Correlation);

/// <summary>
/// Which hidden units does the MLP need for each class? Activation patching at relu1 (<see cref="Patching"/>): each test
/// image of class k (clean) is paired with a test image of another class (corrupted, drawn from the run's seed), and each
/// hidden unit is patched alone from the clean run into the corrupted one. After relu1 the MLP is linear, so the units'
/// shares add up to exactly the whole and the number of units that carry 90% of a class is read off the sorted shares.
/// </summary>
public static class UnitPatchingSection
{
    const string Point = "relu1";

    public static IReadOnlyList<ClassUnits>? Compute(LinearityOptions options, Module mlp, LabeledImages test, IProgressSink progress)
    {
        if (options.UnitPatching is not { } o) return null;
        var labels = test.LabelArray();
        var random = Seeds.Random(options.Seed, "linearity/unit-patching");
        var rows = new List<ClassUnits>();
        using var task = progress.Start($"patching each unit of the MLP's {Point}, class by class", 10);
        for (int k = 0; k < 10; k++)
        {
            long[] own = [.. Enumerable.Range(0, labels.Length).Where(i => labels[i] == k).Take(o.PairsPerClass).Select(i => (long)i)];
            long[] others = [.. Enumerable.Range(0, labels.Length).Where(i => labels[i] != k).Select(i => (long)i)];
            task.Advance(1);
            if (own.Length < 2 || others.Length == 0) continue;
            random.Shuffle(others);
            using var scope = NewDisposeScope();
            var clean = test.Images.index_select(0, tensor(own));
            var corrupt = test.Images.index_select(0, tensor(others[..Math.Min(own.Length, others.Length)]));
            if (corrupt.shape[0] < clean.shape[0]) clean = clean.narrow(0, 0, corrupt.shape[0]);
            PatchingResult r;
            try { r = Patching.Compute(mlp, clean, corrupt, Point, ProgressSink.None); }
            catch (InvalidOptionException) { continue; } // the other digits get the class's answer: no evidence to share out
            double[] shares = [.. r.Units.Select(u => u.Restored)];
            rows.Add(new ClassUnits(k, (int)clean.shape[0], shares, UnitsFor(shares, 0.5), UnitsFor(shares, 0.9), r.Correlation));
        }
        return rows;
    }

    /// <summary>The fewest units, largest shares first, whose shares add up to <paramref name="fraction"/> of the whole (all of them if none do).</summary>
    static int UnitsFor(double[] shares, double fraction)
    {
        double sum = 0;
        int n = 0;
        foreach (var s in shares.OrderDescending())
        {
            sum += s;
            n++;
            if (sum >= fraction) return n;
        }
        return shares.Length;
    }

    public static void WriteFigures(LinearityResult r, ReportFolder folder)
    {
        if (r.UnitPatching is not { Count: > 0 } rows) return;
        // Per class, the units sorted by share and summed: how fast the class's evidence is gathered.
        double[] units = [.. Enumerable.Range(1, rows[0].Shares.Length).Select(i => (double)i)];
        CurvePlot.Write(folder.PathOf("unit_patching.png"), $"MLP {Point}: share of each class's evidence in its n largest units", "units (largest shares first)",
            "share of the evidence", [.. rows.Select(c => new CurveSeries($"class {c.Class}", units, Cumulative(c.Shares)))], (0.9, "90%"));
    }

    static double[] Cumulative(double[] shares)
    {
        double sum = 0;
        return [.. shares.OrderDescending().Select(s => sum += s)];
    }

    public static string Markdown(LinearityResult r)
    {
        if (r.UnitPatching is not { Count: > 0 } rows) return "";
        int h = rows[0].Shares.Length;
        var top = rows.ToDictionary(c => c.Class, c => Top(c, c.UnitsFor90));
        var shared = Enumerable.Range(0, h).Count(u => top.Values.Count(set => set.Contains(u)) >= 5);
        var sb = new StringBuilder();
        sb.AppendLine("## Which hidden units does the MLP need for each class?").AppendLine();
        sb.AppendLine($"Activation patching at {Point}: up to {r.Options.UnitPatching!.PairsPerClass} test images of each class, each paired with a test image of " +
                      "another class, and each hidden unit patched alone from the class's image into the other one. The share of a unit is the part of " +
                      "the class's evidence (the logit of the class minus that of the other image's answer) it brings back; after the ReLU the MLP is " +
                      "linear, so the shares add up to exactly 1 and attribution patching's estimate equals the measurement (the correlation column).").AppendLine();
        sb.AppendLine(Image("cumulative share of each class's evidence against units", "unit_patching.png")).AppendLine();
        sb.AppendLine(Table(["class", "pairs", "units for 50%", "units for 90%", "largest shares (unit: share)", "sum of shares", "r (estimate, measured)"],
            rows.Select(c => (IReadOnlyList<string>)[c.Class.ToString(), c.Pairs.ToString(), c.UnitsFor50.ToString(), c.UnitsFor90.ToString(),
                string.Join(", ", Top(c, 3).Select(u => $"{u}: {Num(c.Shares[u], 3)}")), Num(c.Shares.Sum(), 4), Num(c.Correlation, 4)])));
        int Median(Func<ClassUnits, int> of) => rows.Select(of).Order().ElementAt(rows.Count / 2);
        int median90 = Median(c => c.UnitsFor90), median50 = Median(c => c.UnitsFor50);
        string how = median90 <= h / 4 ? "a few units per class" : median90 >= h / 2 ? "spread over most of the layer, not a few units per class" : "a sizeable part of the layer";
        sb.AppendLine($"{median90} of the {h} units carry 90% of a class's evidence against other digits, {median50} carry half of it (medians over " +
                      $"classes): {how}. {shared} units are in the 90% set of five classes or more.").AppendLine();
        return sb.ToString();
    }

    static List<int> Top(ClassUnits c, int n) => [.. c.Shares.Select((s, u) => (s, u)).OrderByDescending(t => t.s).Take(n).Select(t => t.u)];

    public static object? Metrics(LinearityResult r) => r.UnitPatching?.Select(c => new
    {
        @class = c.Class, pairs = c.Pairs, units_50 = c.UnitsFor50, units_90 = c.UnitsFor90, sum = c.Shares.Sum(),
        correlation = double.IsFinite(c.Correlation) ? c.Correlation : (double?)null, shares = c.Shares,
    });
}
