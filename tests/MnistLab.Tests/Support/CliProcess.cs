using System.Diagnostics;

namespace MnistLab.Tests.Support;

/// <summary>The mnistlab command as a separate process (the build beside the tests), for tests that kill it.</summary>
public sealed class CliProcess : IDisposable
{
    readonly Process _process;
    readonly System.Text.StringBuilder _output = new();

    CliProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static CliProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mnistlab.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        return new CliProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"));
    }

    public bool HasExited => _process.HasExited;

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>The output with every run of whitespace made one space: the console wraps long lines at its width, tests read the words.</summary>
    public string Words => System.Text.RegularExpressions.Regex.Replace(Output, @"\s+", " ");

    /// <summary>SIGKILL: no handler runs, no buffer is flushed, as with a power cut to the process.</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit();
    }

    /// <summary>SIGINT, as Ctrl-C in a terminal sends it: the process is asked to stop and may clean up first.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL to this process alone: the processes it started are left to notice by themselves.</summary>
    public void KillAlone()
    {
        try { _process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { }
        _process.WaitForExit();
    }

    /// <summary>Waits for the exit code, failing the test after <paramref name="timeout"/>.</summary>
    public int Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"mnistlab did not finish in {timeout}; output:\n{Output}");
        }
        _process.WaitForExit(); // drains the output
        return _process.ExitCode;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the process ends; true if it held.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !_process.HasExited)
        {
            if (condition()) return true;
            Thread.Sleep(5);
        }
        return condition();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
