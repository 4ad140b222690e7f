using System.ComponentModel;
using System.Globalization;
using MnistLab.Attribution;
using MnistLab.Attribution.Explain;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Where does the model look? Attribution maps of a model for MNIST images, with their checks: a report folder with attributions/<method>.npy, metrics.json and report.md/html.")]
public sealed class ExplainCommand : LabCommand<ExplainCommand.Settings>
{
    public sealed class Settings : ModelChoiceSettings
    {
        [CommandOption("--methods <LIST>"), Binds("methods")]
        [Description("Comma-separated: saliency, input-x-gradient, ig, ig-exact, smoothgrad, gradient-shap, occlusion, lrp. Default saliency,ig.")]
        public string Methods { get; init; } = "saliency,ig";

        [CommandOption("--images <SPLIT:START:END>"), Binds("ExplainOptions.Images")]
        [Description("Images to explain: test:0:64 is test images 0 to 63; train: likewise. Default test:0:64.")]
        public string? Images { get; init; }

        [CommandOption("--per-class <N>"), Binds("ExplainOptions.PerClass")]
        [Description("Instead of --images: the first N test images of each digit.")]
        public int? PerClass { get; init; }

        [CommandOption("--target <TARGET>"), Binds("ExplainOptions.Target")]
        [Description("label (the true digit, default), pred (the model's prediction) or a class number.")]
        public string Target { get; init; } = "label";

        [CommandOption("--checks")]
        [Description("Also check every map: deletion/insertion curves, parameter randomisation, random logit, infidelity, max-sensitivity, completeness.")]
        public bool Checks { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of every random stream (noise, baselines, checks). Default 0.")]
        public long Seed { get; init; }

        [CommandOption("--steps <N>"), Binds("IntegratedGradientsOptions.Steps")]
        [Description("Integrated Gradients: steps. Default 50.")]
        public int Steps { get; init; } = 50;

        [CommandOption("--ig-method <NAME>"), Binds("IntegratedGradientsOptions.Method")]
        [Description("Integrated Gradients: gausslegendre (default), riemann_left, riemann_right, riemann_middle, riemann_trapezoid.")]
        public string IgMethod { get; init; } = "gausslegendre";

        [CommandOption("--baseline <KIND>"), Binds("IntegratedGradientsOptions.Baseline")]
        [Description("Integrated Gradients and occlusion: zero (default), blurred or blurred:SIGMA (pixels).")]
        public string Baseline { get; init; } = "zero";

        [CommandOption("--memory-mb <MB>"), Binds("IntegratedGradientsOptions.MemoryLimitMb")]
        [Description("Integrated Gradients: working memory of one batch of scaled inputs. Default 256.")]
        public double MemoryMb { get; init; } = 256;

        [CommandOption("--occlusion-window <N>"), Binds("OcclusionOptions.Window")]
        [Description("Occlusion: side of the square window. Default 4.")]
        public int OcclusionWindow { get; init; } = 4;

        [CommandOption("--occlusion-stride <N>"), Binds("OcclusionOptions.Stride")]
        [Description("Occlusion: stride. Default 2.")]
        public int OcclusionStride { get; init; } = 2;

        [CommandOption("--lrp-composite <NAME>"), Binds("LrpOptions.Composite")]
        [Description("LRP: epsilon-gamma-box (default), epsilon-plus-flat, epsilon-plus, epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat, epsilon, zero.")]
        public string LrpComposite { get; init; } = "epsilon-gamma-box";

        [CommandOption("--smooth-type <KIND>"), Binds("NoiseTunnelOptions.Kind")]
        [Description("smoothgrad: smoothgrad (default), smoothgrad_sq or vargrad.")]
        public string SmoothType { get; init; } = "smoothgrad";

        [CommandOption("--smooth-method <METHOD>"), Binds("NoiseTunnelOptions.Method")]
        [Description("smoothgrad: the method under the noise. Default saliency.")]
        public string SmoothMethod { get; init; } = "saliency";

        [CommandOption("--smooth-samples <N>"), Binds("NoiseTunnelOptions.Samples")]
        [Description("smoothgrad: noisy copies per image. Default 20.")]
        public int SmoothSamples { get; init; } = 20;

        [CommandOption("--smooth-stdev <X>"), Binds("NoiseTunnelOptions.Stdev")]
        [Description("smoothgrad: noise standard deviation in pixel units. Default 0.15.")]
        public double SmoothStdev { get; init; } = 0.15;

        [CommandOption("--out <DIR>")]
        [Description("Report folder; replaced only when the run succeeds, and only if empty or an earlier report.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (Images is not null && PerClass is not null) return ValidationResult.Error("give --images or --per-class, not both.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            return base.Validate();
        }

        public ExplainOptions Options() => new ExplainOptions
        {
            Methods = Methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Images = PerClass is { } k ? ImageSelection.OfEachClass(k) : Images is null ? ImageSelection.Default : ImageSelection.Parse(Images),
            Target = Target,
            Checks = Checks,
            Seed = Seed,
            Settings = new AttributionSettings
            {
                IntegratedGradients = new IntegratedGradientsOptions { Steps = Steps, Method = Quadrature.Parse(IgMethod), Baseline = Attribution.Baseline.Parse(Baseline), MemoryLimitMb = MemoryMb },
                Occlusion = new OcclusionOptions { Window = OcclusionWindow, Stride = OcclusionStride, Baseline = Attribution.Baseline.Parse(Baseline) },
                Lrp = new LrpOptions { Composite = LrpComposite },
                SmoothGrad = new NoiseTunnelOptions
                {
                    Kind = NoiseTunnelOptions.KindNames.TryGetValue(SmoothType, out var kind) ? kind
                        : throw new InvalidOptionException("NoiseTunnelOptions.Kind", $"must be {string.Join(", ", NoiseTunnelOptions.KindNames.Keys)}, got '{SmoothType}'."),
                    Method = SmoothMethod, Samples = SmoothSamples, Stdev = SmoothStdev,
                },
            },
        }.Validated();
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        settings.CheckModelPath();
        var options = settings.Options();
        ReportFolder.CheckReplaceable(Path.GetFullPath(settings.Out!), settings.Out!);
        settings.ApplyThreads();
        var model = settings.Model is not null ? ExplainModel.FromFolder(settings.Model) : ExplainModel.FromCheckpoint(settings.Checkpoint!);
        using var _ = model.Model;
        using var data = settings.OpenData();
        var result = ConsoleProgress.Run(progress => Explanation.Run(model, data.Mnist, options, progress));
        ExplainReport.Write(result, settings.Out!, CliApp.Arguments);
        var table = new Table().AddColumns("method", "seconds", "completeness |error| max", "checks");
        foreach (var m in result.Methods)
            table.AddRow(m.Name, m.Result.Seconds.ToString("F2", CultureInfo.InvariantCulture),
                m.Result.MaxAbsCompletenessError is { } e ? e.ToString("G3", CultureInfo.InvariantCulture) : "-", m.Checks is null ? "-" : "yes");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(settings.Out!)}[/] ({result.Indices.Length} images, {result.Methods.Count} methods)");
        return 0;
    }
}
