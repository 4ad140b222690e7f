using MnistLab.Common;

namespace MnistLab.Reports;

/// <summary>
/// The one life cycle of every folder MnistLab writes (a run, an explanation, a probe table, a sweep's report):
/// <see cref="Check"/> refuses an unusable folder before any work; <see cref="Open"/> takes its lock (one writer per
/// folder at a time, <see cref="OutputLock"/>); files go into a hidden staging folder beside the target
/// (<c>.NAME.partial</c>); <see cref="Publish"/> (or <see cref="Commit"/>) swaps it in with two renames; disposing
/// releases the lock. A command that fails or is killed leaves the previous report as it was, with no half-written file
/// and no file left from an older run, and a report that says it succeeded is whole. Only an empty folder or an earlier
/// report (one holding metrics.json) is ever replaced. The staging folder's <c>checkpoints</c> subfolder is where a
/// run's trainings save their epochs: it outlives a failed or killed run (so the run can resume) and becomes part of
/// the report on commit.
/// </summary>
public sealed class ReportFolder : IDisposable
{
    public const string Marker = "metrics.json";
    public const string CheckpointsFolder = "checkpoints";

    readonly OutputLock _lock;
    string? _staging;
    bool _committed;

    /// <summary>The folder as the user named it (errors use this).</summary>
    public string Given { get; }
    public string Target { get; }

    ReportFolder(string given, OutputLock outputLock)
    {
        Given = given;
        Target = Path.GetFullPath(given);
        _lock = outputLock;
    }

    /// <summary>
    /// Takes the lock of <paramref name="target"/> and checks it can be replaced; no file is written until the first
    /// write. A second writer of the same folder fails here, at once, naming the folder.
    /// </summary>
    public static ReportFolder Open(string target)
    {
        Check(target);
        var outputLock = OutputLock.Acquire(target);
        try
        {
            CheckReplaceable(Path.GetFullPath(target), target); // the writer that held the lock may have just finished
            return new ReportFolder(target, outputLock);
        }
        catch
        {
            outputLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Everything that can be known before the work: the target is a folder that may be replaced, and its parent can be
    /// written (a read-only or missing place fails now, not after the computation).
    /// </summary>
    public static void Check(string target)
    {
        string full = Path.GetFullPath(target);
        CheckReplaceable(full, target);
        string parent = Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(parent);
            string probe = Path.Combine(parent, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.probe");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(target, e);
        }
    }

    /// <summary>The staging folder, made (and cleared of an earlier attempt's files, checkpoints kept) on first use.</summary>
    public string Staging
    {
        get
        {
            if (_staging is not null) return _staging;
            string staging = StagingOf(Target);
            try
            {
                Directory.CreateDirectory(staging);
                ClearExceptCheckpoints(staging); // files of an earlier attempt that died while writing its report
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CannotWrite(Given, e);
            }
            return _staging = staging;
        }
    }

    /// <summary>
    /// Writes the report with <paramref name="write"/> into the staging folder and commits it. A write that fails (a full
    /// disk, a folder that became unwritable) is one error naming the folder; nothing is replaced.
    /// </summary>
    public void Publish(Action<ReportFolder> write)
    {
        try
        {
            write(this);
            Commit();
        }
        catch (Exception e) when (AtomicFile.WriteFailure(e) is { } failure)
        {
            e = failure;
            bool kept = Directory.Exists(Path.Combine(StagingOf(Target), CheckpointsFolder));
            throw new MnistLabException($"{Given}: cannot write the report ({AtomicFile.Reason(e)}); nothing was replaced" +
                                        (kept ? ", and the checkpoints are kept for a resumed run." : "."), e);
        }
    }

    /// <summary>Creates the checkpoints folder of the run, or says clearly why it cannot.</summary>
    public void EnsureWritable()
    {
        try { Directory.CreateDirectory(CheckpointsOf(Target)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(Given, e);
        }
    }

    /// <summary>Removes what an interrupted run into this folder left; true if that included any checkpoint.</summary>
    public bool DiscardInterrupted()
    {
        string staging = StagingOf(Target);
        if (!Directory.Exists(staging)) return false;
        string checkpoints = CheckpointsOf(Target);
        bool any = Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints).Any();
        Directory.Delete(staging, recursive: true);
        _staging = null;
        return any;
    }

    /// <summary>The staging folder of a target folder: hidden, beside it, the same for every attempt.</summary>
    public static string StagingOf(string target)
    {
        string full = Path.GetFullPath(target);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial");
    }

    /// <summary>Where the trainings of a run into <paramref name="target"/> keep their checkpoints until it is committed.</summary>
    public static string CheckpointsOf(string target) => Path.Combine(StagingOf(target), CheckpointsFolder);

    /// <summary>The one error for an --out folder that cannot be created or written (full disk, read-only, no rights).</summary>
    public static MnistLabException CannotWrite(string given, Exception e) => AtomicFile.CannotWrite(given, e);

    static void ClearExceptCheckpoints(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder)) File.Delete(file);
        foreach (var dir in Directory.EnumerateDirectories(folder))
            if (Path.GetFileName(dir) != CheckpointsFolder) Directory.Delete(dir, recursive: true);
    }

    /// <summary>Fails early (before any training) when <paramref name="fullPath"/> could not be replaced.</summary>
    public static void CheckReplaceable(string fullPath, string given)
    {
        if (File.Exists(fullPath)) throw new InvalidOptionException($"{given}: is a file, expected a folder.");
        if (Directory.Exists(fullPath) && Directory.EnumerateFileSystemEntries(fullPath).Any() && !File.Exists(Path.Combine(fullPath, Marker)))
            throw new InvalidOptionException($"{given}: the folder exists and is not a MnistLab report (no {Marker}); choose a new or empty folder.");
    }

    /// <summary>The staging path of <paramref name="name"/>.</summary>
    public string PathOf(string name)
    {
        if (name.Contains('/') || name.Contains('\\') || name.StartsWith('.'))
            throw new ArgumentException($"report file names are plain names, got '{name}'.");
        return Path.Combine(Staging, name);
    }

    public void WriteText(string name, string text) => File.WriteAllText(PathOf(name), text);
    public void WriteJson<T>(string name, T value) => WriteText(name, Json.Serialize(value));

    /// <summary>Writes the report twice: report.md, and report.html rendered from it for the browser.</summary>
    public void WriteReport(string markdown)
    {
        WriteText("report.md", markdown);
        WriteText("report.html", HtmlPage.FromMarkdown(markdown));
    }

    /// <summary>Puts the staged folder in place of the target; the old report, if any, is removed after.</summary>
    public void Commit()
    {
        CheckReplaceable(Target, Target);
        string? old = null;
        if (Directory.Exists(Target))
        {
            old = $"{Staging}.old-{Guid.NewGuid():N}";
            Directory.Move(Target, old);
        }
        Directory.Move(Staging, Target);
        _committed = true;
        if (old is not null) Directory.Delete(old, recursive: true);
    }

    /// <summary>Releases the lock; without a commit the staged files go, and the checkpoints stay for a resumed run.</summary>
    public void Dispose()
    {
        try
        {
            string staging = StagingOf(Target);
            if (_committed || !Directory.Exists(staging)) return;
            ClearExceptCheckpoints(staging);
            if (!Directory.EnumerateFileSystemEntries(staging).Any()) Directory.Delete(staging);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        finally
        {
            _lock.Dispose();
        }
    }
}
