using System.Diagnostics;
using MnistLab.Common;
using Spectre.Console;

namespace MnistLab.Cli.Console;

/// <summary>
/// Shows library progress: Spectre.Console bars on an interactive terminal, otherwise plain lines (a
/// line per task at most every few seconds and one when it ends), so CI logs stay readable. The bars are
/// drawn on the calling thread, at most ten times a second: Spectre.Console's own refresh thread would
/// allocate beside libtorch calls, and a collection it set off could free a TorchSharp temporary mid-call
/// (see <see cref="GcMode"/>).
/// </summary>
static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/> with a sink suited to the current output.</summary>
    public static T Run<T>(Func<IProgressSink, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return work(new PlainSink());
        T result = default!;
        AnsiConsole.Progress()
            .AutoRefresh(false)
            .AutoClear(false)
            .HideCompleted(true) // finished bars go; their summaries stay as log lines above the live ones
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => result = work(new SpectreSink(ctx)));
        return result;
    }

    sealed class SpectreSink(ProgressContext ctx) : IProgressSink
    {
        static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
        readonly Stopwatch _clock = Stopwatch.StartNew();
        TimeSpan _last = -Every;

        public IProgressTask Start(string description, double total)
        {
            var task = new Task(this, ctx.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1e-9)), description);
            Refresh(force: true);
            return task;
        }

        public void Info(string message)
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
            Refresh(force: true);
        }

        public void Section(string title)
        {
            AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
            Refresh(force: true);
        }

        void Refresh(bool force)
        {
            if (!force && _clock.Elapsed - _last < Every) return;
            _last = _clock.Elapsed;
            ctx.Refresh();
        }

        sealed class Task(SpectreSink sink, ProgressTask task, string name) : IProgressTask
        {
            public void Advance(double amount, string? status = null)
            {
                task.Increment(amount);
                if (status is not null) task.Description = Markup.Escape($"{name}  {status}");
                sink.Refresh(force: false);
            }

            public void Dispose()
            {
                task.Value = task.MaxValue;
                sink.Refresh(force: true);
            }
        }
    }

    sealed class PlainSink : IProgressSink
    {
        public IProgressTask Start(string description, double total) => new Task(description, total);
        public void Info(string message) => System.Console.WriteLine(message);
        public void Section(string title) => AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());

        sealed class Task(string name, double total) : IProgressTask
        {
            static readonly TimeSpan Every = TimeSpan.FromSeconds(5);
            readonly Stopwatch _clock = Stopwatch.StartNew();
            TimeSpan _last = TimeSpan.Zero;
            double _done;
            string? _status;

            public void Advance(double amount, string? status = null)
            {
                _done += amount;
                _status = status ?? _status;
                if (_clock.Elapsed - _last < Every) return;
                _last = _clock.Elapsed;
                System.Console.WriteLine($"{name}: {100 * _done / total:F0}%  {_status}{Left(_clock.Elapsed, _done, total)}");
            }

            /// <summary>The time left at the pace so far (as the terminal's bar estimates it), once there is a pace to go by.</summary>
            static string Left(TimeSpan elapsed, double done, double total)
            {
                if (!(done > 0) || done >= total) return "";
                var left = TimeSpan.FromSeconds(elapsed.TotalSeconds * (total - done) / done);
                return left.TotalMinutes >= 1 ? $"  (about {(int)left.TotalMinutes} min {left.Seconds:D2} s left)" : $"  (about {Math.Ceiling(left.TotalSeconds):F0} s left)";
            }

            public void Dispose() { }
        }
    }
}
