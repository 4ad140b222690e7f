using System.ComponentModel;
using System.Globalization;
using System.Text;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Common;
using MnistLab.Features;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Export a per-image feature as CSV (index,label,value; concepts: index,label,size,thick,slant).")]
public sealed class FeaturesCommand : LabCommand<FeaturesCommand.Settings>
{
    public static readonly string[] Kinds = ["ring", "holes", "euler", "concepts"];

    public sealed class Settings : CommonSettings
    {
        [CommandOption("--kind <KIND>")]
        [Description("ring (0/1: encloses background), holes (enclosed background components), euler (components - holes), or concepts (size, thick, slant).")]
        public string Kind { get; init; } = "ring";

        [CommandOption("--split <SPLIT>")]
        [Description("train or test. Default train.")]
        public string Split { get; init; } = "train";

        [CommandOption("--out <FILE>")]
        [Description("CSV file to write.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (!Kinds.Contains(Kind)) return ValidationResult.Error($"--kind must be one of {string.Join(", ", Kinds)}, got '{Kind}'.");
            if (Split is not ("train" or "test")) return ValidationResult.Error($"--split must be train or test, got '{Split}'.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE.csv is required.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var mnist = settings.LoadMnist();
        var set = settings.Split == "train" ? mnist.Train : mnist.Test;
        long[] labels = set.LabelArray();
        var csv = new StringBuilder();
        if (settings.Kind == "concepts")
        {
            using var scores = Concepts.Compute(set.Images);
            float[] c = scores.data<float>().ToArray();
            csv.Append("index,label,").AppendJoin(',', Concepts.Names).Append('\n');
            for (int i = 0; i < labels.Length; i++)
                csv.Append(CultureInfo.InvariantCulture, $"{i},{labels[i]},{c[3 * i]:R},{c[3 * i + 1]:R},{c[3 * i + 2]:R}\n");
        }
        else
        {
            var features = Topology.Compute(set.Images);
            int[] values = settings.Kind switch
            {
                "ring" => features.Ring.Select(r => (int)r).ToArray(),
                "holes" => features.Holes,
                _ => features.Euler,
            };
            csv.Append("index,label,value\n");
            for (int i = 0; i < values.Length; i++)
                csv.Append(CultureInfo.InvariantCulture, $"{i},{labels[i]},{values[i]}\n");
        }
        AtomicFile.WriteAllText(settings.Out!, csv.ToString());
        AnsiConsole.MarkupLine($"Wrote {labels.Length:N0} rows of {settings.Kind} ({settings.Split}) to [bold]{Markup.Escape(settings.Out!)}[/]");
        return 0;
    }
}
