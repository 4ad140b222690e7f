using System.Collections.Concurrent;

namespace MnistLab.Serve;

/// <summary>
/// The one thread on which a server calls libtorch, taking jobs in the order they arrive. One thread because forward hooks
/// live on a model's modules (two overlapping calls on one model would see each other's ablations) and because MnistLab
/// calls libtorch from one thread only (see <c>GcMode</c>); libtorch still spreads each call over the cores.
/// </summary>
public sealed class TorchWorker : IDisposable
{
    readonly BlockingCollection<Action> _jobs = new();
    readonly Thread _thread;

    public TorchWorker()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "mnistlab-torch" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="job"/> on the worker; the task ends with its result or its exception.</summary>
    public Task<T> Run<T>(Func<T> job)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _jobs.Add(() =>
            {
                try { done.SetResult(job()); }
                catch (Exception e) { done.SetException(e); }
            });
        }
        catch (InvalidOperationException) { done.SetException(new ObjectDisposedException(nameof(TorchWorker), "the server is stopping.")); }
        return done.Task;
    }

    void Loop()
    {
        foreach (var job in _jobs.GetConsumingEnumerable()) job();
    }

    /// <summary>Finishes the jobs already queued, then ends the thread.</summary>
    public void Dispose()
    {
        _jobs.CompleteAdding();
        _thread.Join();
        _jobs.Dispose();
    }
}
