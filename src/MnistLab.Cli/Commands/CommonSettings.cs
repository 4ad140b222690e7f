using System.ComponentModel;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

/// <summary>Options of every command that reads MNIST.</summary>
public class CommonSettings : ToolSettings
{
    [CommandOption("--data <DIR>")]
    [Description("Folder with the four MNIST IDX files (plain or .gz); searched first and fetched into if empty. Default: $MNISTLAB_DATA, then ~/.cache/mnistlab/mnist, then torchvision's folders.")]
    public string? Data { get; init; }

    [CommandOption("--no-fetch")]
    [Description("Never fetch MNIST; fail if it is not found.")]
    public bool NoFetch { get; init; }

    public MnistSource Source => new(Data, AllowFetch: !NoFetch);

    /// <summary>Locates (fetching if needed), verifies and loads MNIST, saying where it came from.</summary>
    public Mnist LoadMnist()
    {
        var files = MnistLocator.Locate(Source, msg => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(msg)}[/]"));
        var mnist = Mnist.Load(files);
        AnsiConsole.MarkupLine($"[grey]MNIST: {mnist.Train.Count:N0} train + {mnist.Test.Count:N0} test images from {Markup.Escape(Path.GetDirectoryName(files.TrainImages)!)}[/]");
        return mnist;
    }

    /// <summary><see cref="LoadMnist"/>, with the record of what was loaded.</summary>
    public (Mnist, DataProvenance) LoadVerifiedMnist() => (LoadMnist(), DataProvenance.VerifiedMnist);
}
