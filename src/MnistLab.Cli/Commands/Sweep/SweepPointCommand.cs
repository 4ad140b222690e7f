using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Data;
using MnistLab.Runs;
using MnistLab.Sweeps;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Sweep;

[Description("Run point K of the sweep in DIR here and now: what each point process of 'sweep run', each Slurm task and each Kubernetes pod runs. A finished point is kept, a killed one continues from its checkpoints.")]
public sealed class SweepPointCommand : LabCommand<SweepPointCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandArgument(0, "<K>")]
        [Description("The point's index, 0 to the number of points - 1 (DIR/sweep.json lists them).")]
        public int Index { get; init; }

        [CommandArgument(1, "<DIR>")]
        [Description("The sweep's folder. A point reads MNIST from the --data the sweep was created with, unless --data is given here.")]
        public string Folder { get; init; } = "";

        [CommandOption(LocalSweep.ExitWithParentFlag, IsHidden = true)]
        public bool ExitWithParent { get; init; }

        public override ValidationResult Validate() =>
            Index < 0 ? ValidationResult.Error($"K must be ≥ 0, got {Index}.") : base.Validate();
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.ExitWithParent) ParentWatch.ExitWhenInputCloses();
        var plan = SweepPlan.Open(settings.Folder);
        var point = plan.Point(settings.Index);
        // The point's own --data wins over the folder the sweep was created with (a node may see MNIST elsewhere).
        var source = new MnistSource(settings.Data ?? plan.Spec.Data, AllowFetch: !(settings.NoFetch || plan.Spec.NoFetch));
        using var data = LabData.From(source, CommonSettings.Log);
        var run = ConsoleProgress.Run(progress => PointRun.Run(plan, settings.Index, data,
            new RunSetup { Progress = progress, Command = CliApp.Arguments, Cancel = cancellationToken }));
        if (run is not null) Commands.Run.Summary.Write(plan.Experiment, run.Figures, run.Answer);
        AnsiConsole.MarkupLine($"{Markup.Escape(point.ToString())}: [bold]{Markup.Escape(plan.PointFolder(settings.Index))}[/]");
        return 0;
    }
}
