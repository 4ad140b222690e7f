using System.ComponentModel;
using System.Globalization;
using MnistLab.Attribution;
using MnistLab.Attribution.Explain;
using MnistLab.Cli.Commands.Settings;
using MnistLab.Cli.Console;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MnistLab.Cli.Commands;

[Description("Where does the model look? Attribution maps of a model for MNIST images, with their checks: a report folder with attributions/<method>.npy, metrics.json and report.md/html.")]
public sealed class ExplainCommand : LabCommand<ExplainCommand.Settings>
{
    public sealed class Settings : ImagesSettings
    {
        [CommandOption("--methods <LIST>"), OptionPath("methods", "Comma-separated: saliency, input-x-gradient, ig, ig-exact, smoothgrad, gradient-shap, occlusion, lrp.", typeof(ExplainOptions))]
        public string? Methods { get; init; }

        [CommandOption("--target <TARGET>"), OptionPath("target", "label (the true digit), pred (the model's prediction) or a class number.", typeof(ExplainOptions))]
        public string? Target { get; init; }

        [CommandOption("--checks"), OptionPath("checks", "Also check every map: deletion/insertion curves, parameter randomisation, random logit, infidelity, max-sensitivity, completeness.", typeof(ExplainOptions))]
        public bool Checks { get; init; }

        [CommandOption("--seed <N>"), OptionPath("seed", "Seed of every random stream (noise, baselines, checks).", typeof(ExplainOptions))]
        public long? Seed { get; init; }

        [CommandOption("--steps <N>"), OptionPath("settings.integrated_gradients.steps", "Integrated Gradients: steps.", typeof(ExplainOptions))]
        public int? Steps { get; init; }

        [CommandOption("--ig-method <NAME>"), OptionPath("settings.integrated_gradients.method", "Integrated Gradients: gausslegendre, riemann_left, riemann_right, riemann_middle or riemann_trapezoid.", typeof(ExplainOptions))]
        public string? IgMethod { get; init; }

        [CommandOption("--baseline <KIND>"), OptionPath("settings.integrated_gradients.baseline", "Integrated Gradients and occlusion: zero, blurred or blurred:SIGMA (pixels).", typeof(ExplainOptions), Also = ["settings.occlusion.baseline"])]
        public string? Baseline { get; init; }

        [CommandOption("--memory-mb <MB>"), OptionPath("settings.integrated_gradients.memory_limit_mb", "Integrated Gradients: working memory of one batch of scaled inputs.", typeof(ExplainOptions))]
        public double? MemoryMb { get; init; }

        [CommandOption("--occlusion-window <N>"), OptionPath("settings.occlusion.window", "Occlusion: side of the square window.", typeof(ExplainOptions))]
        public int? OcclusionWindow { get; init; }

        [CommandOption("--occlusion-stride <N>"), OptionPath("settings.occlusion.stride", "Occlusion: stride.", typeof(ExplainOptions))]
        public int? OcclusionStride { get; init; }

        [CommandOption("--lrp-composite <NAME>"), OptionPath("settings.lrp.composite", "LRP: epsilon-gamma-box, epsilon-plus-flat, epsilon-plus, epsilon-alpha2-beta1, epsilon-alpha2-beta1-flat, epsilon or zero.", typeof(ExplainOptions))]
        public string? LrpComposite { get; init; }

        [CommandOption("--smooth-type <KIND>"), OptionPath("settings.smooth_grad.kind", "smoothgrad: smoothgrad, smoothgrad_sq or vargrad.", typeof(ExplainOptions))]
        public string? SmoothType { get; init; }

        [CommandOption("--smooth-method <METHOD>"), OptionPath("settings.smooth_grad.method", "smoothgrad: the method under the noise.", typeof(ExplainOptions))]
        public string? SmoothMethod { get; init; }

        [CommandOption("--smooth-samples <N>"), OptionPath("settings.smooth_grad.samples", "smoothgrad: noisy copies per image.", typeof(ExplainOptions))]
        public int? SmoothSamples { get; init; }

        [CommandOption("--smooth-stdev <X>"), OptionPath("settings.smooth_grad.stdev", "smoothgrad: noise standard deviation in pixel units.", typeof(ExplainOptions))]
        public double? SmoothStdev { get; init; }

        [CommandOption("--layer <POINT>"), OptionPath("layer", "Also attribute the target to the units or channels of this named point (see model show): Layer IG, Layer Gradient × Activation and conductance.", typeof(ExplainOptions))]
        public string? Layer { get; init; }

        [CommandOption("--layer-methods <LIST>"), OptionPath("layer_methods", "Comma-separated: layer-ig, layer-gradient-x-activation, layer-conductance.", typeof(ExplainOptions))]
        public string? LayerMethods { get; init; }

        [CommandOption("--scale <WHOSE>"), OptionPath("display.scale", "Colour scale of the pictures: image (each map its own) or figure (one for all).", typeof(ExplainOptions))]
        public string? Scale { get; init; }

        [CommandOption("--clip <PERCENT>"), OptionPath("display.clip", "The colour scale ends at this percentile of |value| (the few pixels above it drawn at full colour); 100 is the largest value.", typeof(ExplainOptions))]
        public double? Clip { get; init; }

        [CommandOption("--show <WHAT>"), OptionPath("display.show", "blend (the map over the digit) or heat (the map alone).", typeof(ExplainOptions))]
        public string? Show { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder; replaced only when the run succeeds, and only if empty or an earlier report.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required.");
            return base.Validate();
        }

        /// <summary>The library's options: its record's defaults, every flag given set by its key, the images chosen.</summary>
        public ExplainOptions Options() => (Bind(new ExplainOptions()) with { Images = Selection(ImageSelection.Default) }).Validated();
    }

    protected override int Run(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.Options();
        using var folder = ReportFolder.Open(settings.Out!); // one writer, and a place that can be written, before any work
        using var model = settings.LoadModel();
        using var data = settings.OpenData();
        var result = ConsoleProgress.Run(progress => Explanation.Run(model, data.Mnist, options, progress));
        folder.Publish(f => ExplainReport.Write(result, f, CliApp.Arguments));
        var table = new Table().AddColumns("method", "seconds", "completeness |error| max", "checks");
        foreach (var m in result.Methods)
            table.AddRow(m.Name, m.Result.Seconds.ToString("F2", CultureInfo.InvariantCulture),
                m.Result.MaxAbsCompletenessError is { } e ? e.ToString("G3", CultureInfo.InvariantCulture) : "-", m.Checks is null ? "-" : "yes");
        foreach (var l in result.LayerMethods)
            table.AddRow($"{l.Name} at {l.Point}", l.Result.Seconds.ToString("F2", CultureInfo.InvariantCulture),
                l.Result.MaxAbsCompletenessError is { } e ? e.ToString("G3", CultureInfo.InvariantCulture) : "-", "-");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(settings.Out!)}[/] ({result.Indices.Length} images, {result.Methods.Count} methods)");
        return 0;
    }
}
