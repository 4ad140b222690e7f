using MnistLab.Common;

namespace MnistLab.Reports;

/// <summary>
/// A report folder that appears whole or not at all. Files are written into a hidden staging folder
/// beside the target (<c>.NAME.partial</c>); <see cref="Commit"/> swaps it in with two renames. A run that
/// fails or is killed leaves the previous report as it was, with no half-written file and no file left from
/// an older run. Only an empty folder or an earlier report (one holding metrics.json) is ever replaced.
/// The staging folder's <c>checkpoints</c> subfolder is where the run's trainings save their epochs: it
/// outlives a failed or killed run (so the run can resume) and becomes part of the report on commit.
/// </summary>
public sealed class ReportFolder : IDisposable
{
    public const string Marker = "metrics.json";
    public const string CheckpointsFolder = "checkpoints";

    public string Target { get; }
    public string Staging { get; }
    bool _committed;

    public ReportFolder(string target)
    {
        Target = Path.GetFullPath(target);
        CheckReplaceable(Target, target);
        Staging = StagingOf(Target);
        try
        {
            Directory.CreateDirectory(Staging);
            ClearExceptCheckpoints(Staging); // files of an earlier attempt that died while writing its report
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(target, e);
        }
    }

    /// <summary>The staging folder of a target folder: hidden, beside it, the same for every attempt.</summary>
    public static string StagingOf(string target)
    {
        string full = Path.GetFullPath(target);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial");
    }

    /// <summary>Where the trainings of a run into <paramref name="target"/> keep their checkpoints until it is committed.</summary>
    public static string CheckpointsOf(string target) => Path.Combine(StagingOf(target), CheckpointsFolder);

    /// <summary>Creates the checkpoints folder of a run into <paramref name="target"/>, or says clearly why it cannot.</summary>
    public static void EnsureWritable(string target)
    {
        try { Directory.CreateDirectory(CheckpointsOf(target)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(target, e);
        }
    }

    /// <summary>The one error for an --out folder that cannot be created or written (full disk, read-only, no rights).</summary>
    public static MnistLabException CannotWrite(string given, Exception e) => new($"{given}: cannot write there ({e.Message}).", e);

    /// <summary>Removes what an interrupted run into <paramref name="target"/> left; true if that included any checkpoint.</summary>
    public static bool DiscardInterrupted(string target)
    {
        string staging = StagingOf(target);
        if (!Directory.Exists(staging)) return false;
        bool any = Directory.Exists(CheckpointsOf(target)) && Directory.EnumerateFiles(CheckpointsOf(target)).Any();
        Directory.Delete(staging, recursive: true);
        return any;
    }

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

    /// <summary>Without a commit: the staged files go, the checkpoints stay for a resumed run.</summary>
    public void Dispose()
    {
        if (_committed) return;
        try
        {
            if (!Directory.Exists(Staging)) return;
            ClearExceptCheckpoints(Staging);
            if (!Directory.EnumerateFileSystemEntries(Staging).Any()) Directory.Delete(Staging);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
