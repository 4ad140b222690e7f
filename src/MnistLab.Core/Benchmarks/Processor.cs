using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MnistLab.Benchmarks;

/// <summary>
/// The processor a bench ran on, as far as speed depends on it: its model, its vector instruction sets (AVX2, FMA, the
/// AVX-512 subsets, AMX), the family they put it in, and the instruction set libtorch's oneDNN chose for its kernels
/// (capped by <c>ONEDNN_MAX_CPU_ISA</c> when that is set, for both sides of every ratio). Ratios differ between
/// families, so every ratio is read beside them.
/// </summary>
public sealed record Processor(string Model, string Family, IReadOnlyList<string> VectorFeatures, string? OneDnnIsa, string? OneDnnIsaCap)
{
    /// <summary>The flags of /proc/cpuinfo that decide which kernels run, in the order they were added to x86.</summary>
    static readonly string[] Vector = ["avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl",
        "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"];

    public const string IsaCapVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>One line for pages: <c>AMD EPYC 7B13 (AVX2 family: avx, avx2, fma, f16c); oneDNN: Intel AVX2</c>.</summary>
    public override string ToString() =>
        $"{Model} ({Family} family: {string.Join(", ", VectorFeatures)}); oneDNN: {OneDnnIsa ?? "not known"}" +
        (OneDnnIsaCap is { } cap ? $" ({IsaCapVariable}={cap}, both sides)" : "");

    /// <summary>This machine's processor; <paramref name="oneDnnIsa"/> asks a child mnistlab which ISA oneDNN chooses (null: not asked).</summary>
    public static Processor OfThisMachine(Func<string?>? oneDnnIsa = null)
    {
        string model = "unknown", flags = "";
        if (File.Exists("/proc/cpuinfo"))
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (model == "unknown" && line.StartsWith("model name", StringComparison.Ordinal)) model = line[(line.IndexOf(':') + 1)..].Trim();
                if (flags.Length == 0 && line.StartsWith("flags", StringComparison.Ordinal)) flags = line[(line.IndexOf(':') + 1)..];
            }
        var present = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var features = Vector.Where(present.Contains).ToList();
        string family = features.Contains("avx512f") ? "AVX-512" : features.Contains("avx2") ? "AVX2" : "pre-AVX2";
        return new Processor(model, family, features, oneDnnIsa?.Invoke(), Environment.GetEnvironmentVariable(IsaCapVariable) is { Length: > 0 } cap ? cap : null);
    }

    /// <summary>
    /// The ISA oneDNN reports choosing (<c>Intel AVX2</c>, <c>Intel AVX-512 ...</c>) when <paramref name="command"/> (a
    /// mnistlab that runs one convolution) runs with <c>ONEDNN_VERBOSE=1</c>; null if it does not say within a minute.
    /// </summary>
    public static string? AskOneDnn(IReadOnlyList<string> command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var word in command.Skip(1)) info.ArgumentList.Add(word);
        info.Environment["ONEDNN_VERBOSE"] = "1";
        try
        {
            using var p = Process.Start(info)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(1))) { p.Kill(entireProcessTree: true); return null; }
            var m = Regex.Match(stdout.Result, @"onednn_verbose,(?:v\d+,)?info,cpu,isa:([^\r\n]+)");
            return m.Success ? m.Groups[1].Value.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    /// <summary>What the child runs: one small convolution, enough for oneDNN to choose its kernels and say which.</summary>
    public static void RunOneConvolution()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        // libtorch hands a convolution to oneDNN only above a size; this one is the lab ResNet's.
        TorchSharp.torch.nn.functional.conv2d(TorchSharp.torch.ones(8, 64, 28, 28), TorchSharp.torch.ones(64, 64, 3, 3), padding: [1, 1]);
    }
}
