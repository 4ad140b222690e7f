using System.Diagnostics;
using MnistLab.Attribution.Checks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Explain;

/// <summary>A model to explain and how MNIST images become its input.</summary>
public sealed record ExplainModel(Module<Tensor, Tensor> Model, Func<Tensor, Tensor> Input, string Source)
{
    /// <summary>A checkpoint's classifier; a model whose output is not class scores, or whose input is not the image, is refused.</summary>
    public static ExplainModel FromCheckpoint(string path)
    {
        var (model, input) = Export.ActivationExport.FromCheckpoint(path);
        var spec = ((ILabModel)model).Spec;
        string? refusal = spec switch
        {
            VaeSpec => "a VAE, whose output is a reconstruction, not class scores",
            LocalLayerSpec => "a local layer, whose outputs are features, not class scores",
            _ when spec.Input.Kind == "output-of" => $"a layer stacked on '{spec.Input.Training}', whose input is that training's output, not the image",
            _ => null,
        };
        if (refusal is not null)
        {
            model.Dispose();
            throw new MnistLabException($"{path}: explain attributes a classifier's scores to the image; this checkpoint holds {refusal}.");
        }
        return new ExplainModel(model, input, $"{Path.GetFileName(path)} ({spec.GetType().Name.Replace("Spec", "")}, input {spec.Input})");
    }

    /// <summary>A model folder written by <c>mnistlab model import</c> (or any model folder).</summary>
    public static ExplainModel FromFolder(string folder)
    {
        var loaded = Import.ModelFolder.Load(folder);
        return new ExplainModel(loaded.Model, loaded.Input, $"{Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'))} (imported {loaded.Spec.GetType().Name.Replace("Spec", "")}, input {loaded.Spec.Input})");
    }
}

/// <summary>One method's maps of the chosen images and, with --checks, their checks.</summary>
/// <param name="ImageMaps">The attributions of the 784 pixels of each image, row-major.</param>
/// <param name="ExtraMaps">Attributions of the inputs after the pixels (the ring bit), per image; null when there are none.</param>
public sealed record ExplainedMethod(string Name, AttributionResult Result, float[][] ImageMaps, float[][]? ExtraMaps, AttributionChecksResult? Checks);

public sealed record ExplainResult(ExplainOptions Options, string Model, string Layers, long[] Indices, long[] Labels, long[] Predictions, long[] Targets,
    float[][] Images, IReadOnlyList<ExplainedMethod> Methods);

/// <summary>
/// <c>mnistlab explain</c> as a library call: the chosen images, their targets, every chosen method's maps and, on
/// request, the checks of each map.
/// </summary>
public static class Explanation
{
    public static ExplainResult Run(ExplainModel model, Mnist mnist, ExplainOptions options, IProgressSink? progress = null)
    {
        options.Validated();
        progress ??= ProgressSink.None;
        using var scope = NewDisposeScope();
        var split = options.Images.Split == "train" ? mnist.Train : mnist.Test;
        long[] indices = Select(split, options.Images);
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
        string layers;
        try { layers = LayerGraph.Of(model.Model).Describe(); }
        catch (MnistLabException) { layers = "(not a plain sequence of layers: ig-exact and lrp do not apply)"; }

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
        return new ExplainResult(options, model.Source, layers, indices, labels, predictions, targets, TensorData.Rows(images), methods);
    }

    static long[] Select(LabeledImages split, ImageSelection selection)
    {
        if (selection.PerClass is { } k)
        {
            long[] labels = split.LabelArray();
            var chosen = Enumerable.Range(0, 10).SelectMany(c => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(k)).Select(i => (long)i).ToArray();
            return chosen;
        }
        if (selection.End > split.Count)
            throw new InvalidOptionException("ExplainOptions.Images", $"--images {selection}: the {selection.Split} split has {split.Count} images.");
        return Enumerable.Range(selection.Start, selection.End - selection.Start).Select(i => (long)i).ToArray();
    }
}
