using System.Diagnostics;

namespace MnistLab.Common;

public static class Stopwatches
{
    /// <summary>Runs <paramref name="action"/> and returns its wall time in seconds.</summary>
    public static double Seconds(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }
}
