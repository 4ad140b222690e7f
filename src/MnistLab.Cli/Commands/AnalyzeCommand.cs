using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Run an experiment's analyses and report again on its saved models, without training: from any checkpoint of a finished run.")]
public sealed class AnalyzeCommand : Command<AnalyzeCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--checkpoint <FILE>")]
        [Description("A .ckpt file of the run (for example runs/linearity/checkpoints/mlp_ce.ckpt); the other trainings of that run are read from the same folder.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder for the analysis (default runs/<experiment>-analysis); same rules as a run's --out.")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            Checkpoint is null ? ValidationResult.Error("--checkpoint: give a .ckpt file of a finished run.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string file = settings.Checkpoint!;
        if (!File.Exists(file)) throw new InvalidOptionException($"--checkpoint {file}: no such file.");
        var header = Checkpoint.Read(file).Header;
        var run = header.Run ?? throw new MnistLabException($"{file}: records no run (experiment, options, data), so it cannot be analysed as one.");
        string outDir = settings.Out ?? Path.Combine("runs", $"{run.Experiment}-analysis");
        Reports.ReportFolder.CheckReplaceable(Path.GetFullPath(outDir), outDir);
        int threads = settings.ApplyThreads();
        // Load-only: every training finds its finished checkpoint (or the run stops with the file it lacks),
        // and the description check makes sure the options and data are those the models were trained with.
        var checkpoints = new Checkpointing(Path.GetDirectoryName(Path.GetFullPath(file))!, CheckpointMode.LoadOnly, run);
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape($"{run.Experiment}: analysing the models saved in {checkpoints.Folder} (no training)")}[/]");

        // One experiment's run again, on its data as recorded, with the checkpoints in place of training.
        void Analyse<TData, TOptions, TResult>(Func<(TData, DataProvenance)> load, Func<TOptions, long> seedOf,
            Func<TData, TOptions, IProgressSink, Checkpointing, TResult> go, Action<TResult, RunInfo, string> write) where TData : IDisposable
        {
            var options = Options<TOptions>(run);
            var clock = Stopwatch.StartNew();
            var (data, provenance) = load();
            using var _ = data;
            ExperimentRunner.RunLoaded(new RunTarget(outDir, Resume: false, seedOf(options), threads), run.Experiment, options!,
                data, provenance, clock.Elapsed.TotalSeconds, (d, p, c) => go(d, options, p, c), write, checkpoints);
        }

        switch (run.Experiment)
        {
            case "linearity":
                Analyse<Mnist, LinearityOptions, LinearityResult>(settings.LoadVerifiedMnist, o => o.Train.Seed, LinearityExperiment.Run, LinearityExperiment.WriteReport);
                break;
            case "ring":
                Analyse<Mnist, RingOptions, RingResult>(settings.LoadVerifiedMnist, o => o.Train.Seed, RingExperiment.Run, RingExperiment.WriteReport);
                break;
            case "local-mi":
                Analyse<Mnist, LocalMiSelection, LocalMiResult>(settings.LoadVerifiedMnist, o => o.Options.Seed,
                    (m, o, p, c) => LocalMiExperiment.Run(m, o.Options, o.Estimators, o.Orders, p, c), LocalMiExperiment.WriteReport);
                break;
            case "vae-probe":
                Analyse<Mnist, VaeProbeOptions, VaeProbeResult>(settings.LoadVerifiedMnist, o => o.Train.Seed, VaeProbeExperiment.Run, VaeProbeExperiment.WriteReport);
                break;
            case "rotated":
                Analyse<RotBack, RotatedOptions, RotatedResult>(() => RotatedData(settings, run), o => o.Train.Seed, RotatedExperiment.Run, RotatedExperiment.WriteReport);
                break;
            default:
                throw new DataFormatException($"{file}: belongs to an experiment this MnistLab does not know ('{run.Experiment}').");
        }
        return 0;
    }

    /// <summary>The experiment's options as the run recorded them, validated again.</summary>
    static T Options<T>(RunDescription run)
    {
        try
        {
            return run.Options.Deserialize<T>(Json.Options) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"the checkpoint's {run.Experiment} options cannot be read ({e.Message}).");
        }
    }

    /// <summary>The rotated run's data again: regenerated from the same options (cached), or re-read from the same .amat files.</summary>
    static (RotBack, DataProvenance) RotatedData(Settings settings, RunDescription run)
    {
        var generator = run.Data.TryGetProperty("generator", out var g) ? g : default;
        if (generator.ValueKind == JsonValueKind.Object && generator.TryGetProperty("path", out _))
        {
            var amat = generator.Deserialize<RunRotatedCommand.AmatSource>(Json.Options)!;
            return RunRotatedCommand.LoadAmat(amat.Path, amat.Transpose);
        }
        var options = generator.ValueKind == JsonValueKind.Object ? generator.Deserialize<RotBackOptions>(Json.Options)! : new RotBackOptions();
        return RunRotatedCommand.GenerateRotBack(settings, options);
    }
}
