using System.ComponentModel;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Sweeps;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands.Sweep;

[Description("Create a sweep (or take up the one in --out) and run its points here, --jobs at a time, or write it for Slurm (--slurm) or Kubernetes (--k8s). 'mnistlab report --runs DIR' aggregates it.")]
public sealed class SweepRunCommand : LabCommand<SweepRunCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--experiment <NAME>")]
        [Description("The experiment to sweep (see 'mnistlab run --help'). Without it, --out names an existing sweep to run on.")]
        public string? Experiment { get; init; }

        [CommandOption("--seeds <LIST>"), Binds($"{nameof(SweepSpec)}.{nameof(SweepSpec.Seeds)}")]
        [Description("Seeds: 0-19, 0,3,7 or 0-4,10-14.")]
        public string? Seeds { get; init; }

        [CommandOption("--set <KEY=V1,V2>"), Binds($"{nameof(SweepSpec)}.{nameof(SweepSpec.Axes)}")]
        [Description("An option to vary, by its JSON name, with its values (repeatable; the grid is every combination): --set train.epochs=2,5. A list-valued option takes lists in brackets: --set models=[[linear_ce,mlp_ce]],[[mlp_ce]].")]
        public string[] Set { get; init; } = [];

        [CommandOption("--quick")]
        [Description("Start from the experiment's reduced budget (as 'run all --quick') instead of the seed's options.")]
        public bool Quick { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("The sweep's folder: sweep.json, points/<k>/ (a run folder per point), logs/, state/. Running the same command again resumes it.")]
        public string? Out { get; init; }

        [CommandOption("--jobs <N>"), Binds($"{nameof(LocalSweepOptions)}.{nameof(LocalSweepOptions.Jobs)}")]
        [Description("Points run at once on this machine, each in its own process with cores / N threads (--threads sets them). Default 1.")]
        public int Jobs { get; init; } = 1;

        [CommandOption("--slurm")]
        [Description("Write DIR/sweep.sbatch, a Slurm job array with a task per point, instead of running here; submit it with sbatch.")]
        public bool Slurm { get; init; }

        [CommandOption("--cpus-per-task <N>"), Binds($"{nameof(SlurmOptions)}.{nameof(SlurmOptions.CpusPerTask)}")]
        [Description("CPUs (and threads) of each point on Slurm or Kubernetes. Default 2.")]
        public int? CpusPerTask { get; init; }

        [CommandOption("--mem <SIZE>"), Binds($"{nameof(SlurmOptions)}.{nameof(SlurmOptions.Memory)}")]
        [Description("Memory of each point on Slurm (4G, 8000M) or Kubernetes (4Gi). Default 4G.")]
        public string? Memory { get; init; }

        [CommandOption("--time <LIMIT>"), Binds($"{nameof(SlurmOptions)}.{nameof(SlurmOptions.Time)}")]
        [Description("Time limit of each Slurm task (02:00:00, 1-00:00:00). Default 02:00:00.")]
        public string? Time { get; init; }

        [CommandOption("--partition <NAME>"), Binds($"{nameof(SlurmOptions)}.{nameof(SlurmOptions.Partition)}")]
        [Description("Slurm partition. Default: the cluster's default.")]
        public string? Partition { get; init; }

        [CommandOption("--max-running <N>"), Binds($"{nameof(SlurmOptions)}.{nameof(SlurmOptions.MaxRunning)}")]
        [Description("At most N Slurm tasks at once (--array=...%N). Default: no limit.")]
        public int? MaxRunning { get; init; }

        [CommandOption("--mnistlab <COMMAND>"), Binds("PointLauncher.Command")]
        [Description("The command that starts mnistlab on the cluster's nodes, written into sweep.sbatch. Default: this mnistlab.")]
        public string? Mnistlab { get; init; }

        [CommandOption("--k8s")]
        [Description("Write DIR/sweep.k8s.yaml, a Kubernetes Indexed Job with a completion per point (see docs/SWEEPS.md), instead of running here.")]
        public bool Kubernetes { get; init; }

        [CommandOption("--image <IMAGE>"), Binds($"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.Image)}")]
        [Description("Container image with mnistlab for --k8s. Default mnistlab:latest.")]
        public string? Image { get; init; }

        [CommandOption("--volume-claim <NAME>"), Binds($"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.VolumeClaim)}")]
        [Description("PersistentVolumeClaim holding the sweep folders for --k8s. Default mnistlab-sweeps.")]
        public string? VolumeClaim { get; init; }

        [CommandOption("--parallelism <N>"), Binds($"{nameof(KubernetesOptions)}.{nameof(KubernetesOptions.Parallelism)}")]
        [Description("Pods at once for --k8s. Default 4.")]
        public int? Parallelism { get; init; }

        public override ValidationResult Validate()
        {
            if (Out is null) return ValidationResult.Error("--out: give the sweep's folder.");
            if (Experiment is not null && Seeds is null) return ValidationResult.Error("--seeds: give the seeds of the sweep, e.g. --seeds 0-19.");
            if (Experiment is null && (Seeds is not null || Set.Length > 0 || Quick))
                return ValidationResult.Error("--experiment: give the experiment whose options --seeds, --set and --quick describe.");
            if (Jobs < 1) return ValidationResult.Error($"--jobs must be ≥ 1, got {Jobs}.");
            return base.Validate();
        }
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string dir = settings.Out!;
        // Everything checked before anything is written: the grid, then the scheduler's options.
        var slurm = settings.Slurm ? SlurmOptionsOf(settings) : null;
        var kubernetes = settings.Kubernetes ? KubernetesOptionsOf(settings) : null;
        var launcher = settings.Slurm && settings.Mnistlab is { } m ? PointLauncher.Parse(m) : null;
        var plan = settings.Experiment is { } name
            ? SweepPlan.Create(dir, new SweepSpec
            {
                Experiment = name,
                Seeds = SeedList.Parse(settings.Seeds!),
                Axes = settings.Set.Select(SweepAxis.Parse).ToList(),
                Quick = settings.Quick,
                Data = settings.Data is { } d ? Path.GetFullPath(d) : null,
                NoFetch = settings.NoFetch,
            }, CliApp.Arguments)
            : SweepPlan.Open(dir);
        AnsiConsole.MarkupLine($"Sweep [bold]{Markup.Escape(SweepPlan.Describe(plan.Spec))}[/]: {plan.Points.Count} points in {Markup.Escape(Path.Combine(dir, SweepPlan.File))}");
        if (plan.Added.Count > 0)
            AnsiConsole.WriteLine($"Grown: {plan.Added.Count} new point{(plan.Added.Count == 1 ? "" : "s")} ({plan.Added[0].Index}-{plan.Added[^1].Index}) after the {plan.Points.Count - plan.Added.Count} already there, which are kept.");

        if (slurm is not null || kubernetes is not null)
        {
            if (slurm is not null)
            {
                string path = SlurmScript.Write(plan, slurm, launcher ?? PointLauncher.Current());
                AnsiConsole.MarkupLine($"Slurm job array: [bold]{Markup.Escape(path)}[/]. Submit it with:");
                AnsiConsole.WriteLine($"  sbatch {PointLauncher.ShellQuote(path)}");
            }
            if (kubernetes is not null)
            {
                string path = KubernetesJob.Write(plan, kubernetes);
                AnsiConsole.MarkupLine($"Kubernetes Indexed Job: [bold]{Markup.Escape(path)}[/] (see docs/SWEEPS.md); apply it with kubectl apply -f.");
            }
            AnsiConsole.WriteLine($"Then: mnistlab sweep status {dir}, and mnistlab report --runs {dir} for the answers.");
            return 0;
        }

        var result = ConsoleProgress.Run(progress => LocalSweep.Run(plan,
            new LocalSweepOptions { Jobs = settings.Jobs, ThreadsPerPoint = settings.Threads }, progress, cancellationToken));
        AnsiConsole.WriteLine($"{result.Status.Summary}; {result.Ran.Count} run now in {LocalSweep.Duration(result.Seconds)}.");
        if (result.Failed.Count > 0)
            throw new MnistLabException($"{result.Failed.Count} point{(result.Failed.Count == 1 ? "" : "s")} failed ({SeedList.Compact(result.Failed.Select(f => (long)f))}); " +
                                        $"see {Path.Combine(dir, "logs")} and mnistlab sweep status {dir}; run the same command again to retry them.");
        if (result.Status.Count(PointState.Done) == plan.Points.Count) ReportCommand.WriteSweep(plan, null);
        else AnsiConsole.WriteLine($"Not every point is finished yet; mnistlab report --runs {dir} aggregates those that are.");
        return 0;
    }

    static SlurmOptions SlurmOptionsOf(Settings settings)
    {
        var defaults = new SlurmOptions();
        return new SlurmOptions
        {
            CpusPerTask = settings.CpusPerTask ?? defaults.CpusPerTask,
            Memory = settings.Memory ?? defaults.Memory,
            Time = settings.Time ?? defaults.Time,
            Partition = settings.Partition,
            MaxRunning = settings.MaxRunning,
        }.Validated();
    }

    static KubernetesOptions KubernetesOptionsOf(Settings settings)
    {
        var defaults = new KubernetesOptions();
        return new KubernetesOptions
        {
            Image = settings.Image ?? defaults.Image,
            VolumeClaim = settings.VolumeClaim ?? defaults.VolumeClaim,
            Parallelism = settings.Parallelism ?? defaults.Parallelism,
            Cpus = settings.CpusPerTask ?? defaults.Cpus,
            Memory = settings.Memory is { } mem ? KubernetesMemory(mem) : defaults.Memory,
        }.Validated();
    }

    /// <summary>4G (sbatch) is 4Gi (Kubernetes): both count in powers of 1024.</summary>
    static string KubernetesMemory(string memory) =>
        memory.Length > 0 && "KMGT".Contains(memory[^1]) ? memory + "i" : memory;
}
