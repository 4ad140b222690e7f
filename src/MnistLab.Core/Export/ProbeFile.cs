using System.Text.Json;
using MnistLab.Common;

namespace MnistLab.Export;

/// <summary>probe.json: the probe and the test samples, exactly (JSON keeps every float64 bit).</summary>
public sealed record ProbeFileContent(
    IReadOnlyList<string> Concepts, double Lambda, double[][] Weights, double[][] Z, double[][] C,
    IReadOnlyDictionary<string, string> DataSha256, string CheckpointSha256, string SampleDescription, string Version)
{
    /// <summary>The probe's error proved over balls (absent from files written before it was measured).</summary>
    public IReadOnlyList<ProvedDelta>? Proved { get; init; }

    public static ProbeFileContent From(ProbeExport e, double lambda) =>
        new(e.Concepts, lambda, Jagged(e.Weights), Jagged(e.Z), Jagged(e.C), e.DataSha256, e.CheckpointSha256, e.SampleDescription, e.Version) { Proved = e.Proved };

    public ProbeExport ToExport() => new(Concepts, To2D(Weights), To2D(Z), To2D(C), DataSha256, CheckpointSha256, SampleDescription, Version) { Proved = Proved };

    static double[][] Jagged(double[,] m) =>
        Enumerable.Range(0, m.GetLength(0)).Select(i => Enumerable.Range(0, m.GetLength(1)).Select(j => m[i, j]).ToArray()).ToArray();

    static double[,] To2D(double[][] rows)
    {
        if (rows.Length == 0 || rows.Any(r => r.Length != rows[0].Length)) throw new FormatException("rows of unequal length");
        var m = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[0].Length; j++)
                m[i, j] = rows[i][j];
        return m;
    }
}

/// <summary>The Lean export of a finished vae-probe run, from its probe.json, without retraining or reloading data.</summary>
public static class ProbeFile
{
    public const string Name = "probe.json";

    /// <summary>Reads <c>RUN/probe.json</c>; a missing or malformed file is an error naming it.</summary>
    public static ProbeExport Read(string runDir)
    {
        string path = Path.Combine(runDir, Name);
        if (!File.Exists(path)) throw new MnistLabException($"{path}: not found; the folder must be a report written by the vae-probe experiment.");
        try
        {
            var content = JsonSerializer.Deserialize<ProbeFileContent>(File.ReadAllText(path), Json.Options) ?? throw new JsonException("empty document");
            return content.ToExport();
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException or NullReferenceException)
        {
            throw new DataFormatException($"{path}: not a probe file ({e.Message}).");
        }
    }

    /// <summary>
    /// Renders the run's probe as Lean, checks every exported δ against every sample in exact arithmetic on the
    /// re-read text, and writes <paramref name="outFile"/> (atomically) only if every check holds.
    /// </summary>
    public static IReadOnlyList<ConceptCheck> ExportLean(string runDir, string outFile)
    {
        var export = Read(runDir);
        string lean = LeanExport.Render(export);
        var checks = LeanExport.Check(lean, export.Concepts, export.Z, export.C);
        if (checks.Any(c => !c.Holds))
            throw new MnistLabException($"an exported δ does not bound every residual ({string.Join(", ", checks.Where(c => !c.Holds).Select(c => c.Concept))}); nothing written.");
        AtomicFile.WriteAllText(outFile, lean);
        return checks;
    }
}
