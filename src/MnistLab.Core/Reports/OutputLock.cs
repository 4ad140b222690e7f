using MnistLab.Common;

namespace MnistLab.Reports;

/// <summary>
/// Keeps two runs from writing into the same report folder at once (they would share its staging folder
/// and checkpoints). The lock is an exclusive file lock on a hidden file beside the target,
/// <c>.NAME.lock</c>: the kernel drops it when the process ends, killed or not, so an interrupted run never
/// blocks the run that resumes it. The file is removed on release; one left by a killed run is empty and
/// is taken over by the next run.
/// </summary>
public sealed class OutputLock : IDisposable
{
    readonly FileStream _file;

    public string Path { get; }

    OutputLock(string path, FileStream file) => (Path, _file) = (path, file);

    /// <summary>The lock file of a target folder.</summary>
    public static string PathOf(string target)
    {
        string full = System.IO.Path.GetFullPath(target);
        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.lock");
    }

    /// <summary>Takes the lock of <paramref name="target"/> (as given on the command line), or says which run holds it.</summary>
    public static OutputLock Acquire(string target)
    {
        string path = PathOf(target);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            // FileShare.None is an exclusive, non-blocking flock on Unix (and a sharing lock on Windows).
            return new OutputLock(path, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new MnistLabException($"{target}: another MnistLab run is writing there (it holds {path}); wait for it to end or choose another folder.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReportFolder.CannotWrite(target, e);
        }
    }

    public void Dispose()
    {
        // Deleted while still held, so a run that starts now creates and locks a new file.
        try { File.Delete(Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _file.Dispose();
    }
}
