using System.Reflection;
using MnistLab.Common;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>
/// A flag the command does not take is a usage error that names it and the nearest flag it does take, so a typo
/// (<c>--taget pred</c>) never runs silently with the default.
/// </summary>
static class UnknownOptions
{
    public static void Refuse(CommandContext context, Type settings)
    {
        var given = context.Remaining.Parsed.Select(g => g.Key.TrimStart('-')).FirstOrDefault();
        if (given is null) return;
        var flags = settings.GetProperties()
            .SelectMany(p => p.GetCustomAttribute<CommandOptionAttribute>() is { } o ? o.LongNames.Concat(o.ShortNames) : [])
            .ToList();
        string nearest = flags.MinBy(f => Distance(f, given)) ?? "";
        string dashes = given.Length == 1 ? "-" : "--";
        string command = string.Join(' ', CliApp.Arguments.TakeWhile(a => !a.StartsWith('-')));
        throw new InvalidOptionException($"unknown option '{dashes}{given}' for 'mnistlab {command}'; did you mean '--{nearest}'? " +
                                         $"See 'mnistlab {command} --help' for its options.");
    }

    /// <summary>Levenshtein distance with transpositions (optimal string alignment): "taget" is 1 from "target", "qiuck" 1 from "quick".</summary>
    static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        for (int j = 1; j <= b.Length; j++)
        {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
        }
        return d[a.Length, b.Length];
    }
}
