using System.ComponentModel;
using MnistLab.Analysis.Causal;
using MnistLab.Common;
using MnistLab.Data;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace MnistLab.Cli.Commands.Settings;

/// <summary>Options of the commands that compare clean and corrupted images (patch, circuit): one way to choose the pairs.</summary>
public class PairsSettings : ImagesSettings
{
    /// <summary>The images the pairs are made from or index into, unless --images or --per-class says otherwise.</summary>
    public static readonly ImageSelection DefaultImages = new("test", 0, 2000);

    [CommandOption("--pairs <KIND|FILE>")]
    [Description("fill-holes (each image with a hole against it with its holes filled), shift (against it shifted 4 pixels right), closed-4 (each 4 that closes into a loop against the most alike 4 that stays open), or a CSV 'clean,corrupted' of image indices into --images. Default fill-holes.")]
    public string? Pairs { get; init; }

    [CommandOption("--count <N>")]
    [Description("At most this many pairs made by fill-holes, shift or closed-4. Default 100.")]
    public int? Count { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Report folder (replaced only when the command succeeds, and only if empty or an earlier report).")]
    public string? Out { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
        if (Count is < 1 or > 100_000) return ValidationResult.Error($"--count must be between 1 and 100000, got {Count}.");
        return base.Validate();
    }

    /// <summary>Refuses a --pairs that is neither a corruption nor an existing file, or a bad --images, before any model or data is read.</summary>
    public void CheckPairs()
    {
        _ = Selection(DefaultImages);
        string kind = Pairs ?? PatchPairs.FillHoles;
        if (!PatchPairs.Kinds.Contains(kind) && !File.Exists(kind))
            throw new InvalidOptionException("pairs", $"--pairs {kind}: neither one of {string.Join(", ", PatchPairs.Kinds)} nor an existing CSV file of pairs ('clean,corrupted').");
    }

    /// <summary>The pairs: made from the chosen images by the corruption, or read from the CSV as indices into them.</summary>
    public PatchPairSet LoadPairs(Mnist mnist)
    {
        var selection = Selection(DefaultImages);
        string kind = Pairs ?? PatchPairs.FillHoles;
        var rows = selection.Indices(mnist);
        var split = selection.SplitOf(mnist);
        using var index = tensor(rows);
        using var images = split.Images.index_select(0, index);
        var labels = split.LabelArray();
        return PatchPairs.Kinds.Contains(kind) ? PatchPairs.Make(kind, images, Count ?? 100, labels: [.. rows.Select(i => (int)labels[i])]) : PatchPairs.FromCsv(kind, images);
    }
}
