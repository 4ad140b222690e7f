using MnistLab.Common;

namespace MnistLab.Reports;

/// <summary>
/// A report folder that appears whole or not at all. Files are written into a hidden staging folder
/// beside the target; <see cref="Commit"/> swaps it in with two renames. A run that fails or is killed
/// leaves the previous report as it was, with no half-written file and no file left from an older run.
/// Only an empty folder or an earlier report (one holding metrics.json) is ever replaced.
/// </summary>
public sealed class ReportFolder : IDisposable
{
    public const string Marker = "metrics.json";

    public string Target { get; }
    public string Staging { get; }
    bool _committed;

    public ReportFolder(string target)
    {
        Target = Path.GetFullPath(target);
        CheckReplaceable(Target, target);
        string parent = Path.GetDirectoryName(Target)!;
        try
        {
            Directory.CreateDirectory(parent);
            Staging = Path.Combine(parent, $".{Path.GetFileName(Target)}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MnistLabException($"--out {target}: cannot write there ({e.Message}).", e);
        }
    }

    /// <summary>Fails early (before any training) when <paramref name="fullPath"/> could not be replaced.</summary>
    public static void CheckReplaceable(string fullPath, string given)
    {
        if (File.Exists(fullPath)) throw new InvalidOptionException($"--out {given}: is a file, expected a folder.");
        if (Directory.Exists(fullPath) && Directory.EnumerateFileSystemEntries(fullPath).Any() && !File.Exists(Path.Combine(fullPath, Marker)))
            throw new InvalidOptionException($"--out {given}: the folder exists and is not a MnistLab report (no {Marker}); choose a new or empty folder.");
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

    /// <summary>Puts the staged folder in place of the target; the old report, if any, is removed after.</summary>
    public void Commit()
    {
        CheckReplaceable(Target, Target);
        string? old = null;
        if (Directory.Exists(Target))
        {
            old = Staging + ".old";
            Directory.Move(Target, old);
        }
        Directory.Move(Staging, Target);
        _committed = true;
        if (old is not null) Directory.Delete(old, recursive: true);
    }

    public void Dispose()
    {
        if (_committed) return;
        try { Directory.Delete(Staging, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
