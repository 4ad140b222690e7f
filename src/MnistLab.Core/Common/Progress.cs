namespace MnistLab.Common;

/// <summary>
/// Where long work reports how far it is. The command line shows bars (or plain lines when its output is
/// not a terminal); tests and library users pass <see cref="ProgressSink.None"/>.
/// </summary>
public interface IProgressSink
{
    /// <summary>Starts a task of <paramref name="total"/> units; dispose it when done.</summary>
    IProgressTask Start(string description, double total);

    /// <summary>A line for the log, shown between the bars.</summary>
    void Info(string message);

    /// <summary>The start of a new stage of long work (one experiment of the lab): a heading in the log.</summary>
    void Section(string title) => Info($"== {title} ==");
}

public interface IProgressTask : IDisposable
{
    /// <summary>Moves the task on by <paramref name="amount"/>; <paramref name="status"/> replaces the status text.</summary>
    void Advance(double amount, string? status = null);
}

public static class ProgressSink
{
    public static readonly IProgressSink None = new NullSink();

    sealed class NullSink : IProgressSink, IProgressTask
    {
        public IProgressTask Start(string description, double total) => this;
        public void Info(string message) { }
        public void Advance(double amount, string? status = null) { }
        public void Dispose() { }
    }
}
