using System.Diagnostics;
using System.Text.Json;
using MnistLab.Data;

namespace MnistLab.Benchmarks;

/// <summary>
/// Runs one of the PyTorch peer scripts (bench/peers/*.py: the seeds' own way of doing a workload) and
/// returns the JSON it prints on its last line, or why it could not run.
/// </summary>
public static class PythonPeer
{
    /// <summary>Debian's python3-torch lives under /usr/bin/python3; a python3 earlier on PATH may lack it.</summary>
    public static readonly string[] Interpreters = ["/usr/bin/python3", "python3"];

    public static string? FindInterpreter()
    {
        foreach (string python in Interpreters)
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo(python, ["-c", "import torch, torchvision"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
                p.WaitForExit();
                if (p.ExitCode == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    /// <summary>Where the peer scripts are: beside the program (copied at build) or in the source tree.</summary>
    public static string? ScriptFolder()
    {
        foreach (var dir in new[] { Path.Combine(AppContext.BaseDirectory, "peers"), Path.Combine(Directory.GetCurrentDirectory(), "bench", "peers") })
            if (Directory.Exists(dir)) return dir;
        return null;
    }

    /// <summary>Runs <paramref name="script"/> with the MNIST raw folder laid out as torchvision expects.</summary>
    public static (JsonElement? Result, string? Skipped) Run(string script, MnistFiles files, int threads, IReadOnlyList<string> extraArgs, TimeSpan timeout)
    {
        string? python = FindInterpreter();
        if (python is null) return (null, "PyTorch is not installed (apt-get install python3-torch python3-torchvision); peer skipped");
        string? folder = ScriptFolder();
        if (folder is null || !File.Exists(Path.Combine(folder, script))) return (null, $"peer script {script} not found; peer skipped");

        // torchvision's MNIST(root, download=False) reads root/MNIST/raw/<name> uncompressed.
        string root = Directory.CreateTempSubdirectory("mnistlab-peer-").FullName;
        try
        {
            string raw = Directory.CreateDirectory(Path.Combine(root, "MNIST", "raw")).FullName;
            foreach (var (path, file) in files.Paths.Zip(MnistFiles.All))
                File.WriteAllBytes(Path.Combine(raw, file.Name), IdxFile.ReadMaybeGzipped(path));
            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(folder, script), "--root", root, "--threads", threads.ToString() }.Concat(extraArgs)) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                return (null, $"peer {script} ran past {timeout.TotalSeconds:F0} s; skipped");
            }
            string last = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            if (p.ExitCode != 0 || !last.StartsWith('{'))
                return (null, $"peer {script} failed (exit {p.ExitCode}): {stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}");
            return (JsonDocument.Parse(last).RootElement.Clone(), null);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }
}
