using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Reports;
using MnistLab.Sweeps;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("An index.html (and index.md) comparing run folders side by side: `run all` folders or single experiment reports. On a sweep's folder: its answers over seeds (into DIR/report unless --out).")]
public sealed class ReportCommand : LabCommand<ReportCommand.Settings>
{
    public sealed class Settings : ToolSettings
    {
        [CommandOption("--runs <DIR>")]
        [Description("Run folders to compare, in column order: --runs A B C, or --runs A --runs B.")]
        public string[] Runs { get; init; } = [];

        // `--runs A B`: the option takes A, and B arrives as an argument; both are runs, in order.
        [CommandArgument(0, "[DIRS]")]
        [Description("More run folders after those of --runs.")]
        public string[] More { get; init; } = [];

        public IReadOnlyList<string> AllRuns => [.. Runs, .. More];

        [CommandOption("--out <DIR>")]
        [Description("Folder for index.html and index.md; its links to the runs' pages are relative, so keep them where they are.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (AllRuns.Count == 0) return ValidationResult.Error("--runs: give at least one run folder.");
            if (Out is null && !(AllRuns.Count == 1 && SweepPlan.IsSweep(AllRuns[0]))) return ValidationResult.Error("--out: give the folder for the index.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.AllRuns.Count == 1 && SweepPlan.IsSweep(settings.AllRuns[0]))
        {
            WriteSweep(SweepPlan.Open(settings.AllRuns[0]), settings.Out);
            return 0;
        }
        var runs = settings.AllRuns.Select(r => RunIndex.Read(r)).ToList();
        // Two folders with the same name get their paths as labels, so the columns stay distinguishable.
        if (runs.Select(r => r.Label).Distinct().Count() < runs.Count) runs = runs.Select(r => r with { Label = r.Folder }).ToList();
        string outDir = settings.Out!;
        if (File.Exists(outDir)) throw new InvalidOptionException($"--out {outDir}: is a file, expected a folder.");
        RunIndex.CheckReplaceable(outDir);
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReportFolder.CannotWrite(outDir, e);
        }
        RunIndex.Write(outDir, runs, runs.Count == 1 ? $"MnistLab: {runs[0].Label}" : "MnistLab: runs compared");
        AnsiConsole.MarkupLine($"Index of {runs.Count} run(s): [bold]{Markup.Escape(Path.Combine(outDir, "index.html"))}[/]");
        return 0;
    }

    /// <summary>Aggregates a sweep into <paramref name="outDir"/> (default DIR/report) and prints its answers.</summary>
    public static void WriteSweep(SweepPlan plan, string? outDir)
    {
        outDir ??= SweepReport.DefaultFolder(plan);
        var aggregate = SweepAggregate.Compute(plan);
        SweepReport.Write(aggregate, outDir);
        foreach (string sentence in aggregate.Sentences) AnsiConsole.WriteLine(sentence);
        AnsiConsole.MarkupLine($"Sweep report ({aggregate.Finished.Count} of {plan.Points.Count} points): [bold]{Markup.Escape(Path.Combine(outDir, "report.html"))}[/]");
    }
}
