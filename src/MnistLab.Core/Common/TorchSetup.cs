using TorchSharp;

namespace MnistLab.Common;

/// <summary>Process-wide libtorch settings: thread count, the global seed, and a garbage collector that cannot free TorchSharp's temporaries mid-call.</summary>
public static class TorchSetup
{
    /// <summary>
    /// How MnistLab's own parallel loops run: on as many threads as libtorch (<see cref="SetThreads"/>), so `--threads`
    /// bounds all the work of a process, not only libtorch's.
    /// </summary>
    public static ParallelOptions Parallel { get; private set; } = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>
    /// Sets libtorch's intra-op threads and MnistLab's parallel loops (<paramref name="threads"/> null means all cores),
    /// fails with one clear message if libtorch's glue cannot be loaded (<see cref="Natives.LibTorchNatives"/>), and tunes the native allocator (<see cref="AllocatorTuning"/>) and the collector (<see cref="GcMode"/>); every
    /// command calls this before any work.
    /// </summary>
    public static int SetThreads(int? threads)
    {
        int n = threads ?? Environment.ProcessorCount;
        Require.InRange(n, 1, 1024, "threads");
        Natives.LibTorchNatives.EnsureLoaded();
        GcMode.Apply();
        AllocatorTuning.Apply();
        torch.set_num_threads(n);
        Parallel = new ParallelOptions { MaxDegreeOfParallelism = n };
        return n;
    }

    /// <summary>
    /// libtorch on one thread until disposed, for work that runs its own loops side by side (many small independent
    /// decompositions and fits): libtorch's threads meet at a barrier in every call, and on a busy machine a descheduled
    /// thread holds up the rest (a 1280 x 784 SVD took 1 to 8 s on two threads there, and 0.5 s on one; a probe table
    /// took 60 to 110 s, and 16 to 19 s on one).
    /// </summary>
    public static IDisposable OneLibtorchThread()
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(1);
        return new Restore(before);
    }

    sealed class Restore(int threads) : IDisposable
    {
        bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            torch.set_num_threads(threads);
        }
    }

    /// <summary>A generator seeded with <paramref name="seed"/>, for shuffles and initialisation that must repeat.</summary>
    public static torch.Generator Generator(long seed) => new torch.Generator((ulong)seed);
}
