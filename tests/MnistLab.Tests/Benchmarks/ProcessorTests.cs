using MnistLab.Benchmarks;
using MnistLab.Sweeps;

namespace MnistLab.Tests.Benchmarks;

/// <summary>The processor a bench records: its vector features as /proc/cpuinfo lists them, and the ISA oneDNN chose, capped or not.</summary>
public class ProcessorTests
{
    [Fact]
    public void The_family_follows_the_features_the_processor_lists()
    {
        var cpu = Processor.OfThisMachine();
        string flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags")).Split(':')[1];
        var listed = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Assert.All(cpu.VectorFeatures, f => Assert.Contains(f, listed));
        Assert.Equal(listed.Contains("avx512f") ? "AVX-512" : listed.Contains("avx2") ? "AVX2" : "pre-AVX2", cpu.Family);
        Assert.Equal(listed.Contains("fma"), cpu.VectorFeatures.Contains("fma"));
        Assert.NotEqual("unknown", cpu.Model);
    }

    [Fact]
    public void OneDnn_says_which_instruction_set_it_chose_and_the_cap_lowers_it()
    {
        var mnistlab = PointLauncher.Current().Command;
        string? best = Processor.AskOneDnn([.. mnistlab, "bench", "--isa-probe"]);
        Assert.NotNull(best);
        Assert.StartsWith("Intel ", best);
        string? capped = Processor.AskOneDnn(["env", $"{Processor.IsaCapVariable}=SSE41", .. mnistlab, "bench", "--isa-probe"]);
        Assert.Equal("Intel SSE4.1", capped);
        // Without a convolution there is nothing to report: the answer is "not known", never a guess.
        Assert.Null(Processor.AskOneDnn([.. mnistlab, "model", "show", "--help"]));
    }
}
