using System.Diagnostics;
using MnistLab.Attribution.Checks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Explain;

/// <summary>One method's maps of the chosen images and, with --checks, their checks.</summary>
/// <param name="ImageMaps">The attributions of the 784 pixels of each image, row-major.</param>
/// <param name="ExtraMaps">Attributions of the inputs after the pixels (the ring bit), per image; null when there are none.</param>
public sealed record ExplainedMethod(string Name, AttributionResult Result, float[][] ImageMaps, float[][]? ExtraMaps, AttributionChecksResult? Checks);

/// <summary>One layer method's attributions of the target to the units or channels of the chosen point, per image in the point's shape.</summary>
public sealed record ExplainedLayer(string Name, string Point, AttributionResult Result);

/// <param name="Data">The images' data set and its hashes, for the report's run record.</param>
public sealed record ExplainResult(ExplainOptions Options, string Model, string Layers, long[] Indices, long[] Labels, long[] Predictions, long[] Targets,
    float[][] Images, IReadOnlyList<ExplainedMethod> Methods, DataProvenance Data)
{
    /// <summary>The layer methods' results at <see cref="ExplainOptions.Layer"/>; empty without one.</summary>
    public IReadOnlyList<ExplainedLayer> LayerMethods { get; init; } = [];
}

/// <summary>
/// <c>mnistlab explain</c> as a library call: the chosen images, their targets, every chosen method's maps and, on
/// request, the checks of each map.
/// </summary>
public static class Explanation
{
    public static ExplainResult Run(LoadedModel model, Mnist mnist, ExplainOptions options, IProgressSink? progress = null)
    {
        options.Validated();
        model.RequireClassifier("explain attributes a classifier's scores to the image");
        if (options.Layer is { } point) MnistLab.Models.Activations.Find(model.Model, point); // a point the model lacks is refused before any work
        progress ??= ProgressSink.None;
        using var scope = NewDisposeScope();
        var split = options.Images.SplitOf(mnist);
        long[] indices = options.Images.Indices(mnist);
        var images = split.Images.index_select(0, tensor(indices));
        long[] labels = split.Labels.index_select(0, tensor(indices)).data<long>().ToArray();
        var x = model.Input(images);
        var logits = ModelCalls.InEval(model.Model, () => { using var _ = no_grad(); return model.Model.call(x); });
        if (logits.dim() != 2) throw new MnistLabException($"{model.Source}: the model's output is ({string.Join(", ", logits.shape)}), not class scores (N, classes).");
        long[] predictions = logits.argmax(1).data<long>().ToArray();
        long[] targets = options.Target switch
        {
            "label" => labels,
            "pred" => predictions,
            var k => Enumerable.Repeat(long.Parse(k, System.Globalization.CultureInfo.InvariantCulture), indices.Length).ToArray(),
        };
        var input = new AttributionInput(model.Model, x, targets).Validated();
        var layout = InputLayout.Of(input.ExampleShape);
        if (!layout.HasImage) throw new MnistLabException($"{model.Source}: inputs of shape ({string.Join(", ", input.ExampleShape)}) hold no 28x28 image to attribute to.");

        var settings = options.SeededSettings();
        if (options.Methods.Contains(GradientShap.Name))
        {
            using var g = Seeds.Generator(options.Seed, "explain/shap-baselines");
            var pick = randperm(mnist.Train.Count, generator: g).narrow(0, 0, Math.Min(options.ShapBaselines, mnist.Train.Count));
            settings = settings with { GradientShap = settings.GradientShap with { Baselines = model.Input(mnist.Train.Images.index_select(0, pick)) } };
        }
        // The methods that read the model as a sequence of layers are checked before any method runs, so a model they do
        // not support fails now, not after the other methods and their checks.
        var graphMethods = options.Methods.Where(m => GraphMethods.Contains(m) || (m == NoiseTunnel.Name && GraphMethods.Contains(options.Settings.SmoothGrad.Method))).ToList();
        string layers;
        try { layers = LayerGraph.Of(model.Model).Describe(); }
        catch (MnistLabException e) { layers = $"(ig-exact and lrp do not apply: {e.Message.TrimEnd('.')})"; }
        if (graphMethods.Count > 0)
        {
            LayerGraph graph;
            try { graph = LayerGraph.Checked(input); }
            catch (MnistLabException e) { throw new InvalidOptionException("methods", $"{string.Join(", ", graphMethods)} cannot explain {model.Source}: {e.Message}"); }
            if (graphMethods.Contains(ExactIntegratedGradients.Name))
                try { ExactPathWalk.RequireWalkable(graph); }
                catch (MnistLabException e) { throw new InvalidOptionException("methods", $"{ExactIntegratedGradients.Name} cannot explain {model.Source}: {e.Message}"); }
        }

        var methods = new List<ExplainedMethod>();
        foreach (var name in options.Methods)
        {
            var method = AttributionMethods.Get(name);
            progress.Info($"{name}: {indices.Length} images ...");
            var result = method.Compute(input, settings);
            AttributionChecksResult? checks = null;
            if (options.Checks)
            {
                progress.Info($"{name}: checks ...");
                checks = AttributionChecks.Compute(input, result, i => method.Compute(i, settings), options.CheckOptions with { Seed = options.Seed });
            }
            using var maps = result.ToTensor();
            var imageMaps = TensorData.Rows(layout.Images(maps));
            float[][]? extra = layout.Extra > 0 ? TensorData.Rows(maps.reshape(indices.Length, -1).narrow(1, InputLayout.Pixels, layout.Extra)) : null;
            methods.Add(new ExplainedMethod(name, result, imageMaps, extra, checks));
        }
        var layerMethods = new List<ExplainedLayer>();
        if (options.Layer is { } at)
        {
            var ig = settings.IntegratedGradients;
            var layerOptions = new LayerOptions { Point = at, Steps = ig.Steps, Method = ig.Method, Baseline = ig.Baseline };
            foreach (var name in options.LayerMethods)
            {
                progress.Info($"{name} at {at}: {indices.Length} images ...");
                var result = name switch
                {
                    LayerIntegratedGradients.Name => LayerIntegratedGradients.Compute(input, layerOptions),
                    LayerGradientXActivation.Name => LayerGradientXActivation.Compute(input, layerOptions),
                    _ => LayerConductance.Compute(input, layerOptions),
                };
                layerMethods.Add(new ExplainedLayer(name, at, result));
            }
        }
        return new ExplainResult(options, model.Source, layers, indices, labels, predictions, targets, TensorData.Rows(images), methods, mnist.Provenance)
            { LayerMethods = layerMethods };
    }

    /// <summary>The methods that attribute to a layer's units or channels (<see cref="ExplainOptions.Layer"/>).</summary>
    public static readonly IReadOnlyList<string> LayerMethodNames = [LayerIntegratedGradients.Name, LayerGradientXActivation.Name, LayerConductance.Name];

    /// <summary>The methods that walk the model's layers (<see cref="LayerGraph"/>) and refuse models they cannot read.</summary>
    static readonly string[] GraphMethods = [ExactIntegratedGradients.Name, Lrp.Name];
}
