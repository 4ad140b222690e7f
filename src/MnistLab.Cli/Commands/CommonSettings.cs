using System.ComponentModel;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

/// <summary>Options every command takes.</summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("--threads <N>")]
    [Description("CPU threads for libtorch (default: all cores).")]
    public int? Threads { get; init; }

    [CommandOption("--data <DIR>")]
    [Description("Folder with the four MNIST IDX files (plain or .gz); searched first and fetched into if empty. Default: $MNISTLAB_DATA, then ~/.cache/mnistlab/mnist, then torchvision's folders.")]
    public string? Data { get; init; }

    [CommandOption("--no-fetch")]
    [Description("Never fetch MNIST; fail if it is not found.")]
    public bool NoFetch { get; init; }

    [CommandOption("--verbose")]
    [Description("Show the stack trace of unexpected errors.")]
    public bool Verbose { get; init; }

    public override ValidationResult Validate() =>
        Threads is < 1 or > 1024 ? ValidationResult.Error($"--threads must be between 1 and 1024, got {Threads}.") : ValidationResult.Success();

    public MnistSource Source => new(Data, AllowFetch: !NoFetch);

    /// <summary>Applies --threads and returns the count in use.</summary>
    public int ApplyThreads() => TorchSetup.SetThreads(Threads);

    /// <summary>Locates (fetching if needed), verifies and loads MNIST, saying where it came from.</summary>
    public Mnist LoadMnist()
    {
        var files = MnistLocator.Locate(Source, msg => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(msg)}[/]"));
        var mnist = Mnist.Load(files);
        AnsiConsole.MarkupLine($"[grey]MNIST: {mnist.Train.Count:N0} train + {mnist.Test.Count:N0} test images from {Markup.Escape(Path.GetDirectoryName(files.TrainImages)!)}[/]");
        return mnist;
    }
}
