using System.Text;
using System.Text.RegularExpressions;
using MnistLab.Common;

namespace MnistLab.Sweeps;

/// <summary>What each Slurm array task asks for; the defaults fit one point of any experiment's quick budget or seed options.</summary>
public sealed partial record SlurmOptions
{
    public int CpusPerTask { get; init; } = 2;

    /// <summary>Memory per task as sbatch's --mem takes it: 4G, 8000M.</summary>
    public string Memory { get; init; } = "4G";

    /// <summary>Time limit per task as sbatch's --time takes it: 02:00:00, 1-00:00:00, 90.</summary>
    public string Time { get; init; } = "02:00:00";

    public string? Partition { get; init; }

    /// <summary>At most this many tasks at once (sbatch's <c>--array=...%N</c>); null: as many as the cluster gives.</summary>
    public int? MaxRunning { get; init; }

    public SlurmOptions Validated()
    {
        Require.InRange(CpusPerTask, 1, 1024, $"{nameof(SlurmOptions)}.{nameof(SlurmOptions.CpusPerTask)}");
        Require.That(MemoryForm().IsMatch(Memory), $"{nameof(SlurmOptions)}.{nameof(SlurmOptions.Memory)}", $"must be a size as sbatch --mem takes it (4G, 8000M), got '{Memory}'.");
        Require.That(TimeForm().IsMatch(Time), $"{nameof(SlurmOptions)}.{nameof(SlurmOptions.Time)}", $"must be a time as sbatch --time takes it (02:00:00, 1-00:00:00, 90), got '{Time}'.");
        Require.That(Partition is null || PartitionForm().IsMatch(Partition), $"{nameof(SlurmOptions)}.{nameof(SlurmOptions.Partition)}", $"must be a partition name, got '{Partition}'.");
        if (MaxRunning is { } m) Require.InRange(m, 1, 100_000, $"{nameof(SlurmOptions)}.{nameof(SlurmOptions.MaxRunning)}");
        return this;
    }

    [GeneratedRegex(@"^\d+[KMGT]?$")] private static partial Regex MemoryForm();
    [GeneratedRegex(@"^(\d+-)?\d+(:\d{2}){0,2}$")] private static partial Regex TimeForm();
    [GeneratedRegex(@"^[A-Za-z0-9_.,-]+$")] private static partial Regex PartitionForm();
}

/// <summary>
/// <c>sweep.sbatch</c>: the sweep as one Slurm job array, a task per point, each running
/// <c>mnistlab sweep point $SLURM_ARRAY_TASK_ID DIR</c> with the task's CPUs as its threads. Submitted with
/// <c>sbatch DIR/sweep.sbatch</c>; points that failed are submitted again alone with <c>sbatch --array=LIST</c>
/// (<see cref="SweepStatus.ToResubmit"/>), which overrides the file's own --array. The paths are absolute, so the
/// folder must be where the nodes see it at the same path (a shared file system).
/// </summary>
public static class SlurmScript
{
    public const string FileName = "sweep.sbatch";

    public static string Text(SweepPlan plan, SlurmOptions options, PointLauncher launcher)
    {
        options = options.Validated();
        string Q(string w) => PointLauncher.ShellQuote(w);
        string array = $"0-{plan.Points.Count - 1}{(options.MaxRunning is { } m ? $"%{m}" : "")}";
        var sb = new StringBuilder();
        sb.AppendLine("#!/bin/bash");
        sb.AppendLine($"# MnistLab sweep: {SweepPlan.Describe(plan.Spec)}; one array task per point.");
        sb.AppendLine($"# Submit: sbatch {Q(Path.Combine(plan.Folder, FileName))}");
        sb.AppendLine($"# Failed or killed points again: mnistlab sweep status {Q(plan.Folder)} prints the sbatch --array=... line.");
        sb.AppendLine($"#SBATCH --job-name=mnistlab-{plan.Spec.Experiment}");
        sb.AppendLine($"#SBATCH --array={array}");
        sb.AppendLine("#SBATCH --ntasks=1");
        sb.AppendLine($"#SBATCH --cpus-per-task={options.CpusPerTask}");
        sb.AppendLine($"#SBATCH --mem={options.Memory}");
        sb.AppendLine($"#SBATCH --time={options.Time}");
        if (options.Partition is { } p) sb.AppendLine($"#SBATCH --partition={p}");
        // %A is the array job, %a the task: one log per point and attempt.
        sb.AppendLine($"#SBATCH --output={DirectiveQuote(Path.Combine(plan.LogsFolder, "slurm-%A_%a.out"))}");
        sb.AppendLine("set -euo pipefail");
        var words = launcher.Command.Concat(PointLauncher.PointArguments(plan.Folder, "__K__")).Select(Q);
        sb.AppendLine("exec " + string.Join(' ', words).Replace("__K__", "\"$SLURM_ARRAY_TASK_ID\"") + " --threads \"${SLURM_CPUS_PER_TASK:-1}\"");
        return sb.ToString();
    }

    /// <summary>
    /// A value of an #SBATCH line: sbatch reads these lines itself, not through a shell, ending a value at white space
    /// unless it is in double quotes, inside which a backslash escapes the next character.
    /// </summary>
    static string DirectiveQuote(string value) =>
        value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\') ? $"\"{value.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"" : value;

    /// <summary>Writes <c>DIR/sweep.sbatch</c> (and the logs folder Slurm writes into) and returns its path.</summary>
    public static string Write(SweepPlan plan, SlurmOptions options, PointLauncher launcher)
    {
        string path = Path.Combine(plan.Folder, FileName);
        Directory.CreateDirectory(plan.LogsFolder); // Slurm does not create the folder of --output
        AtomicFile.WriteAllText(path, Text(plan, options, launcher));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
        return path;
    }
}
