using System.Globalization;
using System.Text;
using MnistLab.Analysis.Causal;
using static MnistLab.Reports.Markdown;

namespace MnistLab.Reports;

/// <summary>
/// The report folder of a circuit search: metrics.json, report.md and report.html with the faithfulness–size curve of
/// ACDC and of edge attribution patching, each ACDC circuit drawn (circuit_tau_T.png), and edges.csv with every edge's
/// attribution-patching score and the thresholds at which ACDC keeps it.
/// </summary>
public static class CircuitReport
{
    public static void Write(CircuitResult r, string pairs, ReportFolder folder, string source)
    {
        static double Log(double v) => Math.Log10(Math.Max(v, 1e-6)); // the full model's KL of 0 drawn at 1e-6, not at minus infinity
        CurvePlot.Write(folder.PathOf("faithfulness.png"), "KL divergence from the full model against circuit size", "edges kept (log10)",
            "KL divergence (log10)",
        [
            new("edge attribution patching, top n", [.. r.Eap.Select(p => Log(p.Edges))], [.. r.Eap.Select(p => Log(p.Kl))]),
            new("ACDC, one point per threshold", [.. r.Acdc.Select(c => Log(c.Edges.Count))], [.. r.Acdc.Select(c => Log(c.Kl))]),
        ]);
        foreach (var c in r.Acdc)
            CircuitGraph.Write(folder.PathOf(GraphFile(c)), $"ACDC at τ = {Tau(c.Threshold)}: {c.Edges.Count} of {r.Edges:N0} edges", r.Layers, c.Edges, r.EapScores);
        folder.WriteText("edges.csv", EdgesCsv(r));
        folder.WriteJson(ReportFolder.Marker, Metrics(r, pairs, source));
        folder.WriteReport(MarkdownText(r, pairs, source));
    }

    static string Tau(double t) => t.ToString("G4", CultureInfo.InvariantCulture);
    static string GraphFile(AcdcCircuit c) => $"circuit_tau_{Tau(c.Threshold)}.png";

    static string EdgesCsv(CircuitResult r)
    {
        var sb = new StringBuilder();
        sb.Append("layer,from,to,eap_score");
        foreach (var c in r.Acdc) sb.Append(CultureInfo.InvariantCulture, $",acdc_tau_{Tau(c.Threshold)}");
        sb.AppendLine();
        var kept = r.Acdc.Select(c => c.Edges.ToHashSet()).ToList();
        for (int k = 0; k < r.Layers.Count; k++)
        {
            var l = r.Layers[k];
            for (int to = 0; to < l.ToCount; to++)
                for (int from = 0; from < l.FromCount; from++)
                {
                    var e = new CircuitEdge(k, from, to);
                    sb.Append(CultureInfo.InvariantCulture, $"{k},{l.From}[{from}],{l.To}[{to}],{r.EapScores[k][to * l.FromCount + from]:G6}");
                    foreach (var set in kept) sb.Append(set.Contains(e) ? ",1" : ",0");
                    sb.AppendLine();
                }
        }
        return sb.ToString();
    }

    public static object Metrics(CircuitResult r, string pairs, string source) => new
    {
        source,
        pairs_from = pairs,
        circuits = new
        {
            pairs = r.Pairs,
            edges_total = r.Edges,
            layers = r.Layers.Select(l => new { layer = l.Name, from = l.From, to = l.To, from_nodes = l.FromCount, to_nodes = l.ToCount, edges = l.Edges }),
            metric = r.Metric,
            clean_metric = r.CleanMetric,
            corrupt_metric = r.CorruptMetric,
            corrupt_kl = r.CorruptKl,
            acdc = r.Acdc.Select(c => new
            {
                threshold = c.Threshold, edges = c.Edges.Count, kl = c.Kl, restored = Finite(c.Restored), eap_agreement = c.Agreement, seconds = c.Seconds,
                figure = GraphFile(c),
            }),
            eap = r.Eap.Select(p => new { edges = p.Edges, kl = p.Kl, restored = Finite(p.Restored) }),
            eap_seconds = r.EapSeconds,
        },
    };

    static double? Finite(double v) => double.IsFinite(v) ? v : null;

    static string MarkdownText(CircuitResult r, string pairs, string source)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Circuits").AppendLine();
        sb.AppendLine($"Model `{source}`; {pairs}. The model is read as {r.Layers.Count} layers with {r.Edges:N0} edges between their nodes " +
                      "(units of dense layers, channels of conv layers, the image's channels at the input):").AppendLine();
        sb.AppendLine(Table(["layer", "from", "to", "edges"], r.Layers.Select(l => (IReadOnlyList<string>)[l.Name, $"{l.From} ({l.FromCount})", $"{l.To} ({l.ToCount})", l.Edges.ToString("N0", CultureInfo.InvariantCulture)])));
        sb.AppendLine("A circuit keeps some edges; every other edge carries its source's value on the corrupted image. Faithfulness is the KL " +
                      $"divergence of the circuit's output on the clean images from the full model's (all edges patched: {Num(r.CorruptKl, 4)}), and the share " +
                      $"of the logit difference m = {r.Metric} it keeps ((m_circuit − m_corrupted) / (m_clean − m_corrupted); summed over the pairs m is " +
                      $"{Num(r.CleanMetric, 2)} clean and {Num(r.CorruptMetric, 2)} corrupted). ACDC (Conmy et al. 2023) visits the edges from the output back " +
                      "and leaves an edge patched when that raises the KL by less than τ. Edge attribution patching (Syed et al. 2023) scores every edge from " +
                      $"one backward pass ({Num(r.EapSeconds, 3)} s) and keeps the top n; agreement is the Jaccard index of ACDC's circuit and the top edges of the same size.").AppendLine();
        sb.AppendLine(Image("faithfulness against size", "faithfulness.png")).AppendLine();
        sb.AppendLine(Table(["τ", "edges kept", "KL", "share of m kept", "agreement with attribution patching", "seconds"],
            r.Acdc.Select(c => (IReadOnlyList<string>)[Tau(c.Threshold), c.Edges.Count.ToString(CultureInfo.InvariantCulture), Num(c.Kl, 5), Num(c.Restored, 3), Num(c.Agreement, 3), Num(c.Seconds, 2)])));
        sb.AppendLine("Edge attribution patching's circuits, top n edges:").AppendLine();
        sb.AppendLine(Table(["edges kept", "KL", "share of m kept"], r.Eap.Select(p => (IReadOnlyList<string>)[p.Edges.ToString(CultureInfo.InvariantCulture), Num(p.Kl, 5), Num(p.Restored, 3)])));
        foreach (var c in r.Acdc)
            sb.AppendLine($"## ACDC's circuit at τ = {Tau(c.Threshold)}").AppendLine().AppendLine(Image($"circuit at τ = {Tau(c.Threshold)}", GraphFile(c))).AppendLine();
        sb.AppendLine("Every edge, its attribution-patching score and the thresholds at which ACDC keeps it: [edges.csv](edges.csv).").AppendLine();
        return sb.ToString();
    }
}
