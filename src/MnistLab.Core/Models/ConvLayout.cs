using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Models;

/// <summary>How a convolutional model lays out its activations in memory: each pixel's channels adjacent, or each channel's plane.</summary>
public enum ConvLayout { ChannelsLast, Contiguous }

/// <summary>
/// The layout the lab's ResNet runs in on this machine. Which one is faster depends on the kernels oneDNN has for the
/// processor (<c>mnistlab bench</c> measures both in its rotated section, phase by phase): the choice is made from the
/// processor's features, the same on every run on the machine, so a run's numbers never depend on a timing;
/// <c>MNISTLAB_CONV_LAYOUT=channels-last|contiguous</c> overrides it. The two give the same logits up to the order of
/// float sums.
/// </summary>
public static class ConvLayouts
{
    public const string Variable = "MNISTLAB_CONV_LAYOUT";

    /// <summary>This machine's layout: the variable's, else the one its processor family runs faster.</summary>
    public static ConvLayout Preferred { get; } = Parse(Environment.GetEnvironmentVariable(Variable)) ?? ForProcessor(HasAvx512());

    /// <summary>Channels-last where AVX-512 kernels serve it (measured 0.85 of the time); contiguous on AVX2, where channels-last's backward is the slower.</summary>
    public static ConvLayout ForProcessor(bool avx512) => avx512 ? ConvLayout.ChannelsLast : ConvLayout.Contiguous;

    /// <summary>One-channel images (B, 1, H, W) in <paramref name="layout"/>: a view when it can be.</summary>
    public static Tensor Images(Tensor x, ConvLayout layout) => layout == ConvLayout.ChannelsLast ? ChannelsLast.Images(x) : x.contiguous();

    static ConvLayout? Parse(string? value) => value switch
    {
        null or "" => null,
        "channels-last" => ConvLayout.ChannelsLast,
        "contiguous" => ConvLayout.Contiguous,
        _ => throw new InvalidOptionException(Variable, $"{Variable} must be channels-last or contiguous, got '{value}'."),
    };

    /// <summary>Whether oneDNN may use AVX-512 here: the processor has it and ONEDNN_MAX_CPU_ISA does not cap it below.</summary>
    static bool HasAvx512()
    {
        string? cap = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA");
        if (cap is { Length: > 0 } && !cap.Contains("AVX512", StringComparison.OrdinalIgnoreCase) && !cap.Contains("AMX", StringComparison.OrdinalIgnoreCase)
            && !cap.Equals("ALL", StringComparison.OrdinalIgnoreCase))
            return false;
        return File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) is { } flags
            && flags.Split(' ').Contains("avx512f");
    }
}
