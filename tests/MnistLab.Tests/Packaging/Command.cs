using System.Diagnostics;
using System.Text;

namespace MnistLab.Tests.Packaging;

/// <summary>One run of a program with its own environment, its output (stdout and stderr together) and exit code.</summary>
public sealed record Command(string Program, IReadOnlyList<string> Arguments, int ExitCode, string Output, TimeSpan Took)
{
    public override string ToString() =>
        $"{Program} {string.Join(' ', Arguments)} exited {ExitCode} after {Took.TotalSeconds:F1} s; output:\n{Output}";

    /// <summary>Runs <paramref name="program"/> in <paramref name="folder"/>, failing the test after <paramref name="timeout"/>.</summary>
    public static Command Run(string program, IEnumerable<string> arguments, string folder, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        // The test host runs under MSBuild's and the test platform's variables; a child dotnet must see a user's shell.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                                                              || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in environment) info.Environment[key] = value;

        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            throw new TimeoutException($"{program} {string.Join(' ', info.ArgumentList)} did not finish in {timeout}; output:\n{output}");
        }
        process.WaitForExit(); // drains the output
        lock (output) return new Command(program, [.. info.ArgumentList], process.ExitCode, output.ToString(), clock.Elapsed);
    }
}
