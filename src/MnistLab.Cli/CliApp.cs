using MnistLab.Cli.Commands;
using MnistLab.Cli.Commands.Run;
using MnistLab.Cli.Commands.Sweep;
using MnistLab.Experiments;
using MnistLab.Common;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli;

/// <summary>
/// The command tree and the exit-code contract: 0 success, 2 bad usage (a message, no trace),
/// 1 failure (one line; <c>--verbose</c> adds the trace of unexpected errors).
/// </summary>
public static class CliApp
{
    public const int Ok = 0, Failure = 1, Usage = 2;

    public static CommandApp Build()
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("mnistlab");
            config.SetApplicationVersion(LabVersion.Current);
            config.PropagateExceptions();
            config.AddBranch("data", data =>
            {
                data.SetDescription("Get, verify and look at MNIST.");
                data.AddCommand<DataFetchCommand>("fetch").WithExample("data", "fetch").WithExample("data", "fetch", "--data", "./mnist");
                data.AddCommand<DataShowCommand>("show").WithExample("data", "show", "--count", "40", "--out", "samples.png");
            });
            config.AddBranch("run", run =>
            {
                run.SetDescription("Run an experiment end to end and write a report folder.");
                run.AddCommand<RunAllCommand>("all")
                    .WithExample("run", "all", "--quick", "--out", "runs/all")
                    .WithExample("run", "all", "--out", "runs/all", "--resume");
                foreach (var experiment in Registry.All) RunCommands.Add(run, experiment);
            });
            config.AddCommand<AnalyzeCommand>("analyze").WithExample("analyze", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--out", "runs/linearity-again");
            config.AddBranch("sweep", sweep =>
            {
                sweep.SetDescription("A grid of runs, seeds times settings of one experiment: run it here or on a cluster, one point of it, its state. 'mnistlab report --runs DIR' aggregates it.");
                sweep.AddCommand<SweepRunCommand>("run")
                    .WithExample("sweep", "run", "--experiment", "ring", "--seeds", "0-19", "--quick", "--out", "runs/ring-sweep", "--jobs", "2")
                    .WithExample("sweep", "run", "--experiment", "ring", "--seeds", "0-19", "--set", "alpha=0,0.001,0.01", "--out", "runs/alpha", "--slurm");
                sweep.AddCommand<SweepStatusCommand>("status").WithExample("sweep", "status", "runs/alpha");
                sweep.AddCommand<SweepPointCommand>("point").WithExample("sweep", "point", "3", "runs/alpha");
            });
            config.AddCommand<ReportCommand>("report").WithExample("report", "--runs", "runs/all", "runs/all-seed1", "--out", "runs/compare");
            config.AddCommand<FeaturesCommand>("features").WithExample("features", "--kind", "holes", "--split", "test", "--out", "holes.csv");
            config.AddBranch("export", export =>
            {
                export.SetDescription("Export results for other tools.");
                export.AddCommand<ExportLeanCommand>("lean").WithExample("export", "lean", "--run", "runs/vae-probe", "--out", "Probe.lean");
            });
            config.AddCommand<MiCommand>("mi").WithExample("mi", "--csv", "holes.csv", "--label-column", "label", "--min", "0", "--max", "10");
            config.AddCommand<BenchCommand>("bench").WithExample("bench", "--out", "bench.json");
            config.AddBranch("model", model =>
            {
                model.SetDescription("Import, look at and export models: layers, parameters and named points.");
                model.AddCommand<ModelShowCommand>("show").WithExample("model", "show", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt");
                model.AddCommand<ModelImportCommand>("import").WithExample("model", "import", "--from", "cnn.pt", "--arch", "cnn.json", "--out", "models/cnn");
                model.AddCommand<ModelExportCommand>("export").WithExample("model", "export", "--model", "models/cnn", "--to", "cnn.safetensors");
            });
            config.AddCommand<ExplainCommand>("explain").WithExample("explain", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--methods", "ig,saliency", "--checks", "--out", "runs/explain");
            config.AddCommand<ProbeCommand>("probe")
                .WithExample("probe", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--layers", "fc1,relu1", "--concepts", "ring,slant,class", "--out", "runs/probe-mlp");
            config.AddCommand<EraseCommand>("erase")
                .WithExample("erase", "--checkpoint", "runs/ring/checkpoints/pixels_only.ckpt", "--layers", "relu1", "--concepts", "ring,class", "--out", "runs/erase-ring");
            config.AddCommand<TcavCommand>("tcav")
                .WithExample("tcav", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--layers", "relu1", "--concepts", "ring,thick,class=7", "--out", "runs/tcav");
            config.AddCommand<PatchCommand>("patch")
                .WithExample("patch", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--pairs", "fill-holes", "--point", "relu1", "--out", "runs/patch");
            config.AddCommand<CircuitCommand>("circuit")
                .WithExample("circuit", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--pairs", "fill-holes", "--thresholds", "0.001,0.01,0.1", "--out", "runs/circuit");
            config.AddCommand<ServeCommand>("serve")
                .WithExample("serve", "--runs", "runs/all")
                .WithExample("serve", "--runs", "runs/all", "--models", "models", "--port", "5117");
            config.AddCommand<DictionaryCommand>("dictionary")
                .WithExample("dictionary", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--layer", "relu1", "--kind", "topk", "--width", "512", "-k", "16", "--out", "runs/dict-relu1")
                .WithExample("dictionary", "--activations", "acts.npy", "--kind", "jumprelu", "--width", "1024", "--out", "runs/dict-acts");
            config.AddCommand<VerifyCommand>("verify")
                .WithExample("verify", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--eps", "0.02", "--images", "test:0:100", "--method", "crown", "--out", "runs/verify");
            config.AddCommand<VerifyCheckCommand>("verify-check")
                .WithExample("verify-check", "proof.json", "--onnx", "net.onnx", "--vnnlib", "prop.vnnlib");
            config.AddCommand<ActivationsCommand>("activations")
                .WithExample("activations", "--checkpoint", "runs/linearity/checkpoints/mlp_ce.ckpt", "--layer", "relu1", "--count", "1000", "--out", "relu1.npy");
        });
        return app;
    }

    /// <summary>The arguments of the current invocation, recorded in every run's metrics.json.</summary>
    public static IReadOnlyList<string> Arguments { get; private set; } = [];

    public static int Run(string[] args)
    {
        Arguments = args;
        bool verbose = args.Contains("--verbose");
        try
        {
            return Build().Run(args);
        }
        catch (CommandAppException e)
        {
            Error(InUserWords(e.Message));
            Hint("Run 'mnistlab --help' or 'mnistlab <command> --help' for usage.");
            return Usage;
        }
        catch (InvalidOptionException e)
        {
            Error(e.Message);
            return Usage;
        }
        catch (MnistLabException e)
        {
            Error(e.Message);
            if (verbose) Stderr.WriteException(e);
            return Failure;
        }
        catch (OperationCanceledException)
        {
            Error("cancelled.");
            return Failure;
        }
        catch (Exception e)
        {
            Error($"{e.GetType().Name}: {e.Message}" + (verbose ? "" : " (run with --verbose for details)"));
            if (verbose) Stderr.WriteException(e);
            return Failure;
        }
    }

    /// <summary>The parser's words for a value it cannot convert name a .NET type (<c>Nullable`1</c>); say what is expected instead.</summary>
    static string InUserWords(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, @"^Failed to convert '(.*)' to (\S+?)\.?$");
        if (!m.Success) return message;
        string expected = m.Groups[2].Value switch
        {
            "Int32" => "a whole number from -2,147,483,648 to 2,147,483,647",
            "Int64" => "a whole number",
            "Double" => "a number",
            "Boolean" => "true or false",
            _ => "a number in the option's range (whole numbers up to 2,147,483,647 for counts and sizes)",
        };
        return $"'{m.Groups[1].Value}' is not a value this option takes: expected {expected}.";
    }

    // Errors go to standard error, so a piped report or JSON on standard output stays clean; wrapped to the width of a
    // terminal, but one line per message when standard error is a file or a pipe (a log reader greps whole lines).
    static readonly IAnsiConsole Stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });

    static void Error(string message)
    {
        if (System.Console.IsErrorRedirected) System.Console.Error.WriteLine($"error: {message}");
        else Stderr.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    }

    static void Hint(string text)
    {
        if (System.Console.IsErrorRedirected) System.Console.Error.WriteLine(text);
        else Stderr.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
    }
}
