using MnistLab.Common;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Common;

/// <summary>Reads this process's page-fault counter, so nothing else may run beside it.</summary>
[Collection(SerialCollection.Name)]
public class AllocatorTuningTests
{
    /// <summary>minflt, the 10th field of /proc/self/stat (after the parenthesised command name).</summary>
    static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7]);
    }

    [Fact]
    public void Freed_tensor_memory_is_reused_instead_of_faulted_in_again()
    {
        if (!OperatingSystem.IsLinux()) return;
        AllocatorTuning.Apply();
        // A training step's pattern: many buffers of megabytes, all freed at the end of the step. Untuned,
        // glibc trims the freed top of the heap (64 MB here, above its dynamic trim threshold) and every
        // round faults all 16,384 pages back in.
        const int rounds = 10, buffers = 8, megabytes = 8;
        void Step()
        {
            var held = Enumerable.Range(0, buffers).Select(_ => ones(megabytes << 18)).ToList(); // float32: 8 MB each
            held.ForEach(t => t.Dispose());
        }
        Step();
        long before = MinorFaults();
        for (int i = 0; i < rounds; i++) Step();
        long faults = MinorFaults() - before;
        long pagesPerRound = buffers * (megabytes << 8);
        Assert.True(faults < rounds * pagesPerRound / 4, $"{faults} minor page faults in {rounds} rounds of {buffers} x {megabytes} MB");
    }
}
