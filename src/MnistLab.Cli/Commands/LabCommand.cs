using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

/// <summary>
/// A command of the tool: it binds its settings and calls the library. An invalid option reported by the library
/// (<c>TrainOptions.Epochs must be ≥ 1</c>) is reported with the flag that gave it (<c>--epochs: ...</c>).
/// </summary>
public abstract class LabCommand<TSettings> : Command<TSettings> where TSettings : ToolSettings
{
    public sealed override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return Run(context, settings, cancellationToken);
        }
        catch (InvalidOptionException e) when (e.Option is not null && settings.FlagFor(e.Option) is { } flag)
        {
            throw new InvalidOptionException(e.Option, $"{flag}: {e.Message}");
        }
    }

    protected abstract int Run(CommandContext context, TSettings settings, CancellationToken cancellationToken);
}
