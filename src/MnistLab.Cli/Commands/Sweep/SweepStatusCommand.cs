using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Sweeps;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Sweep;

[Description("Show which points of the sweep in DIR are done, running, failed or interrupted, and how to run or submit again those that are not done.")]
public sealed class SweepStatusCommand : LabCommand<SweepStatusCommand.Settings>
{
    public sealed class Settings : ToolSettings
    {
        [CommandArgument(0, "<DIR>")]
        [Description("The sweep's folder.")]
        public string Folder { get; init; } = "";
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var plan = SweepPlan.Open(settings.Folder);
        var status = SweepStatus.Read(plan);
        AnsiConsole.WriteLine($"{SweepPlan.Describe(plan.Spec)} in {plan.Folder}");
        AnsiConsole.WriteLine(status.Summary + ".");
        var table = new Table().AddColumns("state", "points");
        foreach (var state in Enum.GetValues<PointState>())
            if (status.Count(state) > 0) table.AddRow(state.ToString().ToLowerInvariant(), SeedList.Compact(status.Indices(state).Select(i => (long)i)));
        AnsiConsole.Write(table);
        foreach (var (k, error) in status.Errors)
            AnsiConsole.WriteLine($"point {k} failed: {error}");
        var all = status.Indices(PointState.Failed, PointState.Interrupted, PointState.Pending);
        if (all.Count > 0)
        {
            AnsiConsole.WriteLine($"To run the points not done here: mnistlab sweep run --out {plan.Folder}");
            string sbatch = Path.Combine(plan.Folder, SlurmScript.FileName);
            if (File.Exists(sbatch))
            {
                if (status.ToResubmit.Count > 0)
                    AnsiConsole.WriteLine($"On Slurm, the failed and interrupted points: sbatch --array={SeedList.Compact(status.ToResubmit.Select(i => (long)i))} {PointLauncher.ShellQuote(sbatch)}");
                if (status.Count(PointState.Pending) > 0)
                    AnsiConsole.WriteLine($"With the points never started too (when their tasks are no longer queued): sbatch --array={SeedList.Compact(all.Select(i => (long)i))} {PointLauncher.ShellQuote(sbatch)}");
            }
        }
        return 0;
    }
}
