namespace MnistLab.Common;

/// <summary>
/// Writes files so that a reader never sees half of one: the content goes to a temporary file in the
/// same folder, which is then renamed over the target (a rename within a file system is atomic).
/// </summary>
public static class AtomicFile
{
    const string TempMarker = ".tmp";

    /// <summary>The search pattern of the temporary files left by writes of files ending in <paramref name="extension"/> that never finished.</summary>
    public static string TempPattern(string extension) => $".*{TempMarker}{extension}";

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        Write(path, temp => File.WriteAllBytes(temp, data));
    }

    public static void WriteAllText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text));

    /// <summary>Calls <paramref name="write"/> with a temporary path (same extension), then moves it onto <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempMarker}{Path.GetExtension(full)}");
        try
        {
            Directory.CreateDirectory(dir);
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw CannotWrite(path, e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The one error for a file or folder the user named that cannot be written: their path, the reason in plain words.</summary>
    public static MnistLabException CannotWrite(string given, Exception e) => new($"{given}: cannot write there ({Reason(e)}).", e);

    /// <summary>
    /// The file-system error behind a failed write: the exception itself, or the one <see cref="CannotWrite"/> wrapped
    /// (so a caller that writes through here can still say, in its own words, what it was writing).
    /// </summary>
    public static Exception? WriteFailure(Exception e) => e switch
    {
        IOException or UnauthorizedAccessException => e,
        MnistLabException { InnerException: IOException or UnauthorizedAccessException } => e.InnerException,
        _ => null,
    };

    /// <summary>The reason of a failed write in the user's words: no hidden staging or temporary path, no .NET type name.</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "no such folder",
        _ => System.Text.RegularExpressions.Regex.Replace(e.Message, @"'[^']*/\.[^']*'", "a temporary file").TrimEnd('.'),
    };

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
