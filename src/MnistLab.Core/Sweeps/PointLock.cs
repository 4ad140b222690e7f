using System.Diagnostics;
using MnistLab.Common;

namespace MnistLab.Sweeps;

/// <summary>
/// Held by the process that runs a point, for as long as it runs: an exclusive lock on <c>state/&lt;k&gt;.lock</c>,
/// which the kernel drops when the process ends, killed or not. <see cref="IsHeld"/> is how anyone else (the status,
/// a second local sweep) tells a running point from one that was killed. Beside it, <c>state/&lt;k&gt;.running</c>
/// says where it runs.
/// </summary>
public sealed class PointLock : IDisposable
{
    readonly FileStream _file;
    readonly string _info;

    PointLock(FileStream file, string info) => (_file, _info) = (file, info);

    public static string PathOf(SweepPlan plan, int index) => Path.Combine(plan.StateFolder, $"{index}.lock");
    public static string InfoOf(SweepPlan plan, int index) => Path.Combine(plan.StateFolder, $"{index}.running");

    /// <summary>
    /// Takes the lock of point <paramref name="index"/>. A probe by <see cref="IsHeld"/> holds it for an instant, so a
    /// refusal is retried for <paramref name="patience"/> before the point is declared running elsewhere.
    /// </summary>
    public static PointLock Acquire(SweepPlan plan, int index, TimeSpan? patience = null)
    {
        string path = PathOf(plan, index);
        Directory.CreateDirectory(plan.StateFolder);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                string info = InfoOf(plan, index);
                AtomicFile.WriteAllText(info, $"host {Environment.MachineName}, process {Environment.ProcessId}, since {DateTimeOffset.UtcNow:u}\n");
                return new PointLock(file, info);
            }
            catch (IOException) when (File.Exists(path) && clock.Elapsed < (patience ?? TimeSpan.FromSeconds(5)))
            {
                Thread.Sleep(50);
            }
            catch (IOException e) when (File.Exists(path))
            {
                string where = File.Exists(InfoOf(plan, index)) ? $" ({File.ReadAllText(InfoOf(plan, index)).Trim()})" : "";
                throw new MnistLabException($"{plan.Folder}: point {index} is running in another process{where}.", e);
            }
        }
    }

    /// <summary>True while some process holds the lock of point <paramref name="index"/>.</summary>
    public static bool IsHeld(SweepPlan plan, int index)
    {
        try
        {
            using var probe = new FileStream(PathOf(plan, index), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException) { return false; }
        catch (DirectoryNotFoundException) { return false; }
        catch (IOException) { return true; }
    }

    public void Dispose()
    {
        AtomicFile.TryDelete(_info);
        _file.Dispose(); // the lock file stays: deleting it could race a process that has just opened it
    }
}
