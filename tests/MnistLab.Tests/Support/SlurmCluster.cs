using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MnistLab.Tests.Support;

/// <summary>
/// A one-node Slurm cluster on this machine, for as long as a test holds it: its own munged (own key and socket),
/// slurmctld and slurmd, with a configuration, state, spool and logs in a temporary folder and free ports, so it
/// touches nothing of a cluster the machine may already run. Debian's slurm-wlm and munge provide the daemons
/// (scripts/setup.sh installs them); they must run as root. <see cref="Start"/> says why when it cannot start one.
/// The daemons it started are stopped by their process ids on dispose.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    readonly TempDir _dir;
    readonly List<string> _pidFiles = [];

    public string Config { get; }
    public string Folder => _dir.Path;

    SlurmCluster(TempDir dir, string config) => (_dir, Config) = (dir, config);

    [DllImport("libc")] static extern uint geteuid();

    static readonly string[] Programs = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/bin/squeue", "/usr/bin/sinfo", "/usr/sbin/runuser"];

    /// <summary>A running cluster, or null and the reason it cannot run here.</summary>
    public static (SlurmCluster? Cluster, string? Why) Start()
    {
        if (!OperatingSystem.IsLinux()) return (null, "Slurm runs on Linux only");
        if (geteuid() != 0) return (null, "a one-node Slurm cluster needs root (slurmd runs each job as its user)");
        var missing = Programs.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0) return (null, $"{string.Join(", ", missing)} not installed (scripts/setup.sh installs Debian's slurm-wlm and munge)");

        var dir = new TempDir();
        var cluster = new SlurmCluster(dir, Path.Combine(dir.Path, "slurm.conf"));
        try
        {
            cluster.Launch();
            return (cluster, null);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
        {
            string logs = string.Join("\n", Directory.EnumerateFiles(dir.Path, "*.log", SearchOption.AllDirectories)
                .Select(f => $"--- {Path.GetFileName(f)}\n" + string.Join("\n", File.ReadLines(f).TakeLast(8))));
            cluster.Dispose();
            return (null, $"the one-node cluster did not start: {e.Message}\n{logs}");
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    void Launch()
    {
        string root = _dir.Path;
        // munged runs as the munge user, which must reach its folder through ours.
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        string munge = Path.Combine(root, "munge");
        Directory.CreateDirectory(munge);
        string key = Path.Combine(munge, "munge.key");
        File.WriteAllBytes(key, RandomNumberGenerator(1024));
        File.SetUnixFileMode(key, UnixFileMode.UserRead);
        Run("/bin/chown", "-R", "munge:munge", munge);
        File.SetUnixFileMode(munge, (UnixFileMode)0b111_001_001);
        string socket = Path.Combine(munge, "munge.socket");
        Run("/usr/sbin/runuser", "-u", "munge", "--", "/usr/sbin/munged", "--force", $"--socket={socket}", $"--key-file={key}",
            $"--pid-file={Path.Combine(munge, "munged.pid")}", $"--log-file={Path.Combine(munge, "munged.log")}", $"--seed-file={Path.Combine(munge, "munged.seed")}");
        _pidFiles.Add(Path.Combine(munge, "munged.pid"));

        string host = Environment.MachineName.Split('.')[0];
        int cpus = Environment.ProcessorCount;
        long memoryMb = File.ReadLines("/proc/meminfo").Where(l => l.StartsWith("MemTotal:"))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024).First() * 9 / 10;
        foreach (var d in new[] { "state", "spool", "log" }) Directory.CreateDirectory(Path.Combine(root, d));
        File.WriteAllText(Config, $"""
            ClusterName=mnistlabtest
            SlurmctldHost={host}(127.0.0.1)
            SlurmctldPort={FreePort()}
            SlurmdPort={FreePort()}
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            AuthInfo=socket={socket}
            CredType=cred/munge
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            MpiDefault=none
            ReturnToService=2
            StateSaveLocation={root}/state
            SlurmdSpoolDir={root}/spool
            SlurmctldPidFile={root}/slurmctld.pid
            SlurmdPidFile={root}/slurmd.pid
            SlurmctldLogFile={root}/log/slurmctld.log
            SlurmdLogFile={root}/log/slurmd.log
            NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memoryMb} State=UNKNOWN
            PartitionName=main Nodes={host} Default=YES MaxTime=INFINITE State=UP

            """);
        Run("/usr/sbin/slurmctld", "-f", Config);
        _pidFiles.Add(Path.Combine(root, "slurmctld.pid"));
        Run("/usr/sbin/slurmd", "-f", Config);
        _pidFiles.Add(Path.Combine(root, "slurmd.pid"));

        var clock = Stopwatch.StartNew();
        string state = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            state = Client("/usr/bin/sinfo", "-h", "-o", "%T").Output.Trim();
            if (state is "idle" or "mixed" or "allocated") return;
            Thread.Sleep(500);
        }
        throw new TimeoutException($"the node did not become idle within 60 s (sinfo: '{state}')");
    }

    static byte[] RandomNumberGenerator(int count) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(count);

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to its end (the daemons fork and return); a non-zero exit is an error with its output.</summary>
    static void Run(string program, params string[] args)
    {
        var (code, output) = Exec(program, args, null);
        if (code != 0) throw new InvalidOperationException($"{Path.GetFileName(program)} exited with {code}: {output.Trim()}");
    }

    /// <summary>A Slurm client command (sbatch, squeue, ...) against this cluster.</summary>
    public (int Code, string Output) Client(string program, params string[] args) => Exec(program, args, Config);

    static (int Code, string Output) Exec(string program, string[] args, string? slurmConf)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (slurmConf is not null) info.Environment["SLURM_CONF"] = slurmConf;
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not end within 60 s");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Stops the daemons this cluster started, by the process ids in their pid files, newest first.</summary>
    public void Dispose()
    {
        foreach (string pidFile in Enumerable.Reverse(_pidFiles))
        {
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid)) continue;
            try
            {
                using var process = Process.GetProcessById(pid);
                // SIGKILL to the daemon and what it started (a job's slurmstepd): nothing here is worth a clean shutdown.
                process.Kill(entireProcessTree: true);
            }
            catch (ArgumentException) { } // already gone
            catch (InvalidOperationException) { }
            var clock = Stopwatch.StartNew();
            while (Alive(pid) && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
        }
        _dir.Dispose();
    }

    /// <summary>A process that is neither gone nor a zombie (the daemons are not our children, so we cannot reap them).</summary>
    static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException) { return false; }
    }
}
