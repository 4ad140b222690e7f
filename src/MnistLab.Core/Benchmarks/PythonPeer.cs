using System.Diagnostics;
using System.Text.Json;
using MnistLab.Data;

namespace MnistLab.Benchmarks;

/// <summary>
/// Runs the PyTorch peer scripts (bench/peers/*.py: the seeds' own way of doing each workload). Prepared once
/// per bench run: the interpreter is found, and MNIST is laid out as torchvision reads it, a single time.
/// </summary>
public sealed class PythonPeer : IDisposable
{
    /// <summary>Debian's python3-torch lives under /usr/bin/python3; a python3 earlier on PATH may lack it.</summary>
    public static readonly string[] Interpreters = ["/usr/bin/python3", "python3"];

    readonly string? _python, _scripts, _root;

    /// <summary>Why no peer can run here, or null when they can.</summary>
    public string? Skipped { get; }

    PythonPeer(string? python, string? scripts, string? root, string? skipped)
    {
        _python = python;
        _scripts = scripts;
        _root = root;
        Skipped = skipped;
    }

    public static PythonPeer Prepare(MnistFiles files)
    {
        string? python = FindInterpreter();
        if (python is null) return new(null, null, null, "PyTorch is not installed (apt-get install python3-torch python3-torchvision libopenblas0-pthread, or scripts/setup.sh); peers skipped");
        string? scripts = ScriptFolder();
        if (scripts is null) return new(null, null, null, "the peer scripts (bench/peers) were not found; peers skipped");

        // torchvision's MNIST(root, download=False) reads root/MNIST/raw/<name> uncompressed.
        string root = Directory.CreateTempSubdirectory("mnistlab-peer-").FullName;
        string raw = Directory.CreateDirectory(Path.Combine(root, "MNIST", "raw")).FullName;
        foreach (var (path, file) in files.Paths.Zip(MnistFiles.All))
            File.WriteAllBytes(Path.Combine(raw, file.Name), IdxFile.ReadMaybeGzipped(path));
        return new(python, scripts, root, null);
    }

    /// <summary>
    /// Which libtorch does each side's kernels: part of a convolution ratio is the version and build, not MnistLab's code.
    /// </summary>
    public static string Kernels(string? peerTorch) =>
        $"kernels of TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)}'s libtorch here, of torch {peerTorch ?? "(unknown)"} on the peer";

    /// <summary>Runs <paramref name="script"/> and returns the JSON on its last line, or why it did not run.</summary>
    public (JsonElement? Result, string? Skipped) Run(string script, int threads, IReadOnlyList<string> extraArgs, TimeSpan timeout)
    {
        if (Skipped is not null) return (null, Skipped);
        string path = Path.Combine(_scripts!, script);
        if (!File.Exists(path)) return (null, $"peer script {script} not found; peer skipped");
        var psi = new ProcessStartInfo(_python!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { path, "--root", _root!, "--threads", threads.ToString() }.Concat(extraArgs)) psi.ArgumentList.Add(a);
        // torch.set_num_threads sets OpenMP's threads only; the BLAS that Debian's torch calls (OpenBLAS) has its own pool.
        foreach (var v in new[] { "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS" }) psi.Environment[v] = threads.ToString();
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

    public void Dispose()
    {
        if (_root is null) return;
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    static string? FindInterpreter()
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
    static string? ScriptFolder()
    {
        foreach (var dir in new[] { Path.Combine(AppContext.BaseDirectory, "peers"), Path.Combine(Directory.GetCurrentDirectory(), "bench", "peers") })
            if (Directory.Exists(dir)) return dir;
        return null;
    }
}
