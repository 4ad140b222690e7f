using System.Diagnostics;

namespace MnistLab.Sweeps;

/// <summary>
/// The point side of <see cref="LocalSweep"/>'s promise that no point outlives its sweep: the sweep holds the write end
/// of the point's standard input and never writes; when the sweep dies (even by SIGKILL) the pipe closes, the read
/// below ends, and the point kills itself. A kill is what an interrupted point must survive anyway: its checkpoints
/// are written atomically and the next run of the sweep continues from them.
/// </summary>
public static class ParentWatch
{
    public static void ExitWhenInputCloses()
    {
        var thread = new Thread(() =>
        {
            try
            {
                using var input = Console.OpenStandardInput();
                var buffer = new byte[64];
                while (input.Read(buffer, 0, buffer.Length) > 0) { }
            }
            catch (IOException) { }
            Process.GetCurrentProcess().Kill();
        })
        { IsBackground = true, Name = "parent watch" };
        thread.Start();
    }
}
