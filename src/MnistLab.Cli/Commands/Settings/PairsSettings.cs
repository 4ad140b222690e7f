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
    [Description("fill-holes (each image with a hole against it with its holes filled), shift (against it shifted 4 pixels right), or a CSV 'clean,corrupted' of image indices into --images. Default fill-holes.")]
    public string? Pairs { get; init; }

    [CommandOption("--count <N>")]
    [Description("At most this many pairs made by fill-holes or shift. Default 100.")]
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
        if (kind is not (PatchPairs.FillHoles or PatchPairs.Shift) && !File.Exists(kind))
            throw new InvalidOptionException("pairs", $"--pairs {kind}: neither {PatchPairs.FillHoles}, {PatchPairs.Shift} nor an existing CSV file of pairs ('clean,corrupted').");
    }

    /// <summary>The pairs: made from the chosen images by the corruption, or read from the CSV as indices into them.</summary>
    public PatchPairSet LoadPairs(Mnist mnist)
    {
        var selection = Selection(DefaultImages);
        string kind = Pairs ?? PatchPairs.FillHoles;
        using var index = tensor(selection.Indices(mnist));
        using var images = selection.SplitOf(mnist).Images.index_select(0, index);
        return kind is PatchPairs.FillHoles or PatchPairs.Shift ? PatchPairs.Make(kind, images, Count ?? 100) : PatchPairs.FromCsv(kind, images);
    }
}
