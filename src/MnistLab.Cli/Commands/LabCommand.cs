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
            UnknownOptions.Refuse(context, settings.GetType());
            settings.ApplyThreads(); // before any work, so --threads bounds all of it
            return Run(context, settings, cancellationToken);
        }
        catch (InvalidOptionException e) when (e.Option is not null && settings.FlagFor(e.Option) is { } flag)
        {
            // In the user's words: the flag they gave, not the library's name for the option behind it.
            string body = e.KeysHint is { } hint && !flag.StartsWith("--set ", StringComparison.Ordinal) ? e.Message.Replace(hint, "") : e.Message;
            string subject = e.Subject ?? e.Option;
            string message = body.StartsWith(subject + " ", StringComparison.Ordinal) ? flag + body[subject.Length..] : $"{flag}: {body}";
            throw new InvalidOptionException(e.Option, message);
        }
    }

    protected abstract int Run(CommandContext context, TSettings settings, CancellationToken cancellationToken);
}
