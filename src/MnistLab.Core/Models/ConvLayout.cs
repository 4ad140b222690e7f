using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Models;

/// <summary>How a convolutional model lays out its activations in memory: each pixel's channels adjacent, or each channel's plane.</summary>
public enum ConvLayout { ChannelsLast, Contiguous }

/// <summary>
/// The layout the lab's ResNet runs in. Channels-last unless <c>MNISTLAB_CONV_LAYOUT=channels-last|contiguous</c> says
/// otherwise. Measured with <c>mnistlab bench</c> (its rotated section times both layouts, phase by phase and layer by
/// layer): with oneDNN on AVX-512 a training step took 139 ms channels-last against 151 ms contiguous; capped to AVX2,
/// 159 ms against 157 ms in one run and 148 ms against 155 ms in another, within the run-to-run drift. So one layout
/// serves both families, and the choice never depends on a timing taken during a run: a run's numbers are the same on
/// every run on the machine. The two layouts give the same logits up to the order of float sums.
/// </summary>
public static class ConvLayouts
{
    public const string Variable = "MNISTLAB_CONV_LAYOUT";

    /// <summary>This machine's layout: the variable's, else channels-last.</summary>
    public static ConvLayout Preferred { get; } = Parse(Environment.GetEnvironmentVariable(Variable)) ?? ConvLayout.ChannelsLast;

    /// <summary>One-channel images (B, 1, H, W) in <paramref name="layout"/>: a view when it can be.</summary>
    public static Tensor Images(Tensor x, ConvLayout layout) => layout == ConvLayout.ChannelsLast ? ChannelsLast.Images(x) : x.contiguous();

    static ConvLayout? Parse(string? value) => value switch
    {
        null or "" => null,
        "channels-last" => ConvLayout.ChannelsLast,
        "contiguous" => ConvLayout.Contiguous,
        _ => throw new InvalidOptionException(Variable, $"{Variable} must be channels-last or contiguous, got '{value}'."),
    };
}
