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
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempMarker}{Path.GetExtension(full)}");
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
