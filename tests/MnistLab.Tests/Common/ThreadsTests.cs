using MnistLab.Analysis.Information;
using MnistLab.Common;

namespace MnistLab.Tests.Common;

public class ThreadsTests
{
    [Fact]
    public void The_thread_count_bounds_the_parallel_loops_and_changes_no_number()
    {
        var rng = new Random(3);
        int n = 600;
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(5)).ToArray();
        var x = labels.Select(l => (float)(l + 2 * rng.NextDouble())).ToArray();
        MiResult Measure() => MiEstimate.Compute(Variable.Continuous(x), Variable.Discrete(labels, 5),
            new MiOptions { Estimator = Estimators.Ross, Bootstrap = 50, Null = 50, Seed = 1 });
        int before = TorchSharp.torch.get_num_threads();
        try
        {
            TorchSetup.SetThreads(1);
            Assert.Equal(1, TorchSetup.Parallel.MaxDegreeOfParallelism);
            var one = Measure();
            TorchSetup.SetThreads(2);
            Assert.Equal(2, TorchSetup.Parallel.MaxDegreeOfParallelism);
            Assert.Equal(one, Measure());
        }
        finally { TorchSetup.SetThreads(before); }
    }
}
