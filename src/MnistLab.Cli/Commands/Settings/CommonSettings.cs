using System.ComponentModel;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>Options of every command that reads MNIST.</summary>
public class CommonSettings : ToolSettings
{
    [CommandOption("--data <DIR>")]
    [Description("Folder with the four MNIST IDX files (plain or .gz): the only folder used; files missing there are fetched into it. Default: $MNISTLAB_DATA, then ~/.cache/mnistlab/mnist, then torchvision's folders.")]
    public string? Data { get; init; }

    [CommandOption("--no-fetch")]
    [Description("Never fetch MNIST; fail if it is not found.")]
    public bool NoFetch { get; init; }

    public MnistSource Source => new(Data, AllowFetch: !NoFetch);

    /// <summary>The data of this command: MNIST located, verified and loaded on first use, saying where it came from.</summary>
    public LabData OpenData() => MnistLab.Data.LabData.From(Source, Log);

    /// <summary>Locates (fetching if needed), loads and verifies MNIST, saying where it came from.</summary>
    public Mnist LoadMnist()
    {
        var files = MnistLocator.Locate(Source, Log);
        var mnist = Mnist.LoadVerified(files);
        Log($"MNIST: {mnist.Train.Count:N0} train + {mnist.Test.Count:N0} test images from {Path.GetDirectoryName(files.TrainImages)}");
        return mnist;
    }

    public static void Log(string message) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
}
