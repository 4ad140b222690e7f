using System.Diagnostics;
using MnistLab.Common;

namespace MnistLab.Sweeps;

/// <summary>How a sweep runs on this machine: how many points at a time, with how many threads each, started how.</summary>
public sealed record LocalSweepOptions
{
    /// <summary>Points run at the same time, each in its own process.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>libtorch threads of each point; null shares the cores: cores / <see cref="Jobs"/>, at least 1.</summary>
    public int? ThreadsPerPoint { get; init; }

    /// <summary>The mnistlab to start the points with; null is <see cref="PointLauncher.Current"/>.</summary>
    public PointLauncher? Launcher { get; init; }

    public int Threads => ThreadsPerPoint ?? Math.Max(1, Environment.ProcessorCount / Jobs);

    public LocalSweepOptions Validated()
    {
        Require.InRange(Jobs, 1, 1024, $"{nameof(LocalSweepOptions)}.{nameof(LocalSweepOptions.Jobs)}");
        if (ThreadsPerPoint is { } t) Require.InRange(t, 1, 1024, $"{nameof(LocalSweepOptions)}.{nameof(LocalSweepOptions.ThreadsPerPoint)}");
        return this;
    }
}

/// <summary>What a local sweep did: the points it ran, those that failed, those kept from before, those another process was running.</summary>
public sealed record LocalSweepResult(SweepStatus Status, IReadOnlyList<int> Ran, IReadOnlyList<int> Failed, IReadOnlyList<int> Kept,
    IReadOnlyList<int> RunningElsewhere, double Seconds);

/// <summary>
/// Runs a sweep's points on this machine, <see cref="LocalSweepOptions.Jobs"/> at a time, each as a child
/// <c>mnistlab sweep point K DIR</c> process with its share of the cores: threads and native memory stay apart, and
/// a point that crashes takes nothing else with it. Finished points are kept, so running the sweep again after a kill
/// runs only the rest; a point killed part-way continues from its checkpoints. A child ends when this process ends
/// (it watches its standard input), so no point runs on unseen after the sweep is killed. Each point's output goes to
/// <c>logs/point-K.log</c>.
/// </summary>
public static class LocalSweep
{
    /// <summary>The hidden flag that makes a point's process end when its standard input closes, that is when this process dies.</summary>
    public const string ExitWithParentFlag = "--exit-with-parent";

    public static LocalSweepResult Run(SweepPlan plan, LocalSweepOptions options, IProgressSink? progress = null, CancellationToken cancel = default)
    {
        options = options.Validated();
        progress ??= ProgressSink.None;
        var launcher = options.Launcher ?? PointLauncher.Current();
        var clock = Stopwatch.StartNew();
        var before = SweepStatus.Read(plan);
        var kept = before.Indices(PointState.Done);
        var elsewhere = before.Indices(PointState.Running);
        var queue = new Queue<int>(before.Indices(PointState.Pending, PointState.Interrupted, PointState.Failed));
        progress.Info($"{SweepPlan.Describe(plan.Spec)}: {plan.Points.Count} points; {kept.Count} finished before (kept), "
                      + (elsewhere.Count > 0 ? $"{elsewhere.Count} running in another process (left to it), " : "")
                      + $"{queue.Count} to run here, {options.Jobs} at a time with {options.Threads} thread{(options.Threads == 1 ? "" : "s")} each");

        var active = new List<Child>();
        var ran = new List<int>();
        var failed = new List<int>();
        var seconds = new List<double>();
        using (var task = progress.Start("points", Math.Max(queue.Count, 1)))
        {
            try
            {
                while (queue.Count > 0 || active.Count > 0)
                {
                    while (active.Count < options.Jobs && queue.Count > 0)
                        active.Add(Child.Start(plan, queue.Dequeue(), launcher, options.Threads));
                    cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
                    cancel.ThrowIfCancellationRequested();
                    double advanced = 0;
                    foreach (var child in active.Where(c => c.HasExited).ToList())
                    {
                        active.Remove(child);
                        child.Dispose();
                        ran.Add(child.Index);
                        advanced++;
                        if (child.ExitCode == 0 && SweepStatus.StateOf(plan, child.Index) == PointState.Done)
                            seconds.Add(child.Seconds);
                        else
                        {
                            failed.Add(child.Index);
                            progress.Info($"{plan.Points[child.Index]} failed: {Failure(plan, child)} (log: {child.LogPath})");
                        }
                    }
                    task.Advance(advanced, Line(ran.Count - failed.Count, active, failed.Count, queue.Count, seconds, options.Jobs));
                }
            }
            finally
            {
                // Cancelled or failed here: the points under way stop (their checkpoints stay for the next run).
                foreach (var child in active) child.Kill();
            }
        }
        var status = SweepStatus.Read(plan);
        return new LocalSweepResult(status, ran, failed, kept, elsewhere, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The progress line: <c>3 done, 2 running, 0 failed, 15 to go, about 2 min left</c>.</summary>
    static string Line(int done, IReadOnlyList<Child> active, int failed, int queued, IReadOnlyList<double> seconds, int jobs)
    {
        string left;
        if (seconds.Count == 0) left = "time left known after the first point";
        else
        {
            double mean = seconds.Average();
            double work = queued * mean + active.Sum(c => Math.Max(mean - c.Elapsed, 0));
            int lanes = Math.Max(1, Math.Min(jobs, queued + active.Count));
            left = $"about {Duration(work / lanes)} left";
        }
        return $"{done} done, {active.Count} running, {failed} failed, {queued} to go, {left}";
    }

    public static string Duration(double s) => s < 90 ? $"{s:F0} s" : s < 5400 ? $"{s / 60:F0} min" : $"{s / 3600:F1} h";

    /// <summary>Why a point's process failed: the error it recorded, else its exit code (a crash or a kill records nothing).</summary>
    static string Failure(SweepPlan plan, Child child)
    {
        string file = SweepStatus.FailedFile(plan, child.Index);
        if (File.Exists(file)) return File.ReadAllText(file).Trim();
        string why = child.ExitCode == 0 ? "it ended without a report" : $"it exited with code {child.ExitCode} without saying why (killed or crashed)";
        try { AtomicFile.WriteAllText(file, why + "\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return why;
    }

    /// <summary>One point's process, its output appended to its log.</summary>
    sealed class Child : IDisposable
    {
        readonly Process _process;
        readonly StreamWriter _log;
        readonly Stopwatch _clock = Stopwatch.StartNew();

        public int Index { get; }
        public string LogPath { get; }

        Child(int index, Process process, StreamWriter log, string logPath) => (Index, _process, _log, LogPath) = (index, process, log, logPath);

        public static Child Start(SweepPlan plan, int index, PointLauncher launcher, int threads)
        {
            string logPath = Path.Combine(plan.LogsFolder, $"point-{index}.log");
            Directory.CreateDirectory(plan.LogsFolder);
            var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            string[] args = [.. launcher.Command.Skip(1), .. PointLauncher.PointArguments(plan.Folder, $"{index}"), "--threads", $"{threads}", ExitWithParentFlag];
            var info = new ProcessStartInfo(launcher.Command[0])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true, // never written: it closes when this process dies, and the point then ends
                UseShellExecute = false,
            };
            foreach (var a in args) info.ArgumentList.Add(a);
            info.Environment["NO_COLOR"] = "1";
            lock (log) log.WriteLine($"== {DateTimeOffset.Now:u} {string.Join(' ', args.Prepend(launcher.Command[0]).Select(PointLauncher.ShellQuote))}");
            Process process;
            try
            {
                process = Process.Start(info) ?? throw new InvalidOperationException("no process");
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.Dispose();
                throw new MnistLabException($"cannot start {launcher.Command[0]} for point {index} ({e.Message}).", e);
            }
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new Child(index, process, log, logPath);
        }

        public bool HasExited => _process.HasExited;

        /// <summary>The exit code, read once the process has ended (kept after <see cref="Dispose"/>).</summary>
        public int ExitCode { get; private set; } = -1;

        /// <summary>Its wall time: so far while it runs, in all once it has ended.</summary>
        public double Seconds { get; private set; }
        public double Elapsed => _clock.Elapsed.TotalSeconds;

        public void Kill()
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit();
            Dispose();
        }

        public void Dispose()
        {
            _process.WaitForExit(); // the output is drained into the log
            ExitCode = _process.ExitCode;
            Seconds = _clock.Elapsed.TotalSeconds;
            lock (_log) _log.Dispose();
            _process.Dispose();
        }
    }
}
