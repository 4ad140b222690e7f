using System.Diagnostics;

namespace MnistLab.Tests.Support;

/// <summary>
/// A real, tiny file system (tmpfs of a given size) mounted on a fresh folder, so that writes fail with
/// "No space left on device" as on a full disk. Needs the right to mount (root); <see cref="TryMount"/>
/// returns null where that is refused.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    readonly TempDir _dir;
    public string Path => _dir.Path;

    SmallDisk(TempDir dir) => _dir = dir;

    public static SmallDisk? TryMount(int kilobytes, bool readOnly = false)
    {
        var dir = new TempDir();
        if (Mount("-t", "tmpfs", "-o", $"size={kilobytes}k{(readOnly ? ",ro" : "")}", "tmpfs", dir.Path)) return new SmallDisk(dir);
        dir.Dispose();
        return null;
    }

    static bool Mount(params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("mount") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; } // no mount command
    }

    public void Dispose()
    {
        using (var p = Process.Start(new ProcessStartInfo("umount", ["-l", Path]) { RedirectStandardError = true })!) p.WaitForExit();
        _dir.Dispose();
    }
}
