using MnistLab.Attribution;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Serve;

/// <summary>
/// What the API computes for one image, each a thin call into the library on a <see cref="ServedModel"/>: its prediction,
/// an attribution map of a registered method, the activations at named points, and the prediction with units ablated
/// (through <c>Activations.RunWith</c>, whose hooks end with the call). Each call frees every tensor it makes. Calls on one model must not overlap (forward
/// hooks are attached to the model's modules): the server makes them on its one libtorch thread.
/// </summary>
public static class LabQueries
{
    public static Prediction Predict(ServedModel model, float[] pixels)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Input(model, pixels);
        var logits = ModelCalls.InEval(model.Loaded.Model, () => model.Loaded.Model.call(x));
        return Read(logits);
    }

    /// <summary>The map of <paramref name="method"/> for class <paramref name="target"/> (the predicted class when null), over the 784 pixels.</summary>
    public static ExplainAnswer Explain(ServedModel model, float[] pixels, string? method, int? target, AttributionSettings? settings = null)
    {
        var d = model.Description;
        if (string.IsNullOrEmpty(method)) throw new BadRequestException($"'method' is missing: one of {string.Join(", ", d.Methods)}.");
        if (!d.Methods.Contains(method))
        {
            if (AttributionMethods.Names.Contains(method))
                throw new BadRequestException($"method '{method}' does not apply to model '{model.Id}' (it reads the model as a sequence of piecewise-linear layers); its methods are {string.Join(", ", d.Methods)}.");
            throw new NotFoundException($"no attribution method '{method}'; the methods are {string.Join(", ", d.Methods)}.");
        }
        if (target is { } t && (t < 0 || t >= d.Classes)) throw new BadRequestException($"'target' must be a class from 0 to {d.Classes - 1}, got {t}.");
        using var scope = NewDisposeScope();
        var x = Input(model, pixels);
        int chosen = target ?? Predict(model, pixels).Predicted;
        var result = AttributionMethods.Get(method).Compute(new AttributionInput(model.Loaded.Model, x, [chosen]), settings ?? new AttributionSettings());
        // A model that reads the pixels and more (the ring bit) is attributed over all its inputs; the page shows the pixels.
        var map = result.Map(0).AsSpan(0, InputLayout.Pixels).ToArray();
        return new ExplainAnswer(method, chosen, map, result.CompletenessError?[0], result.Seconds);
    }

    /// <summary>The activations at <paramref name="points"/> (every point when null or empty), and the prediction of the same pass.</summary>
    public static ActivationsAnswer ActivationsAt(ServedModel model, float[] pixels, string[]? points)
    {
        var names = points is { Length: > 0 } ? points : model.Description.Points.Select(p => p.Name).ToArray();
        foreach (var n in names) model.Point(n);
        using var scope = NewDisposeScope();
        using var cache = Activations.Run(model.Loaded.Model, Input(model, pixels), names);
        var values = names.Distinct().ToDictionary(n => n, n =>
        {
            var a = cache[n].to_type(ScalarType.Float32).contiguous();
            return new PointActivation(a.shape[1..], a.data<float>().ToArray());
        });
        return new ActivationsAnswer(Read(cache.Output), values);
    }

    /// <summary>
    /// The prediction without and with every ablation at once. Units are indices along the activation's second dimension
    /// (a dense layer's units, a convolution's channels). Mean ablation needs <paramref name="testImages"/>.
    /// </summary>
    public static AblationAnswer Ablate(ServedModel model, float[] pixels, Ablation[]? ablations, Tensor? testImages)
    {
        if (ablations is null || ablations.Length == 0) throw new BadRequestException("'ablations' is missing or empty: give [{\"point\", \"units\", \"mode\"}, ...].");
        var plan = new List<(string Point, long[] Units, string Mode, float Value)>();
        foreach (var (a, i) in ablations.Select((a, i) => (a, i)))
        {
            if (a is null || string.IsNullOrEmpty(a.Point)) throw new BadRequestException($"ablations[{i}]: 'point' is missing.");
            var point = model.Point(a.Point);
            long count = point.Shape.Length > 0 ? point.Shape[0] : 1;
            if (point.Shape.Length == 0) throw new BadRequestException($"ablations[{i}]: point '{a.Point}' holds one value per image, with no units to choose.");
            if (a.Units is null || a.Units.Length == 0) throw new BadRequestException($"ablations[{i}]: 'units' is missing or empty: indices from 0 to {count - 1}.");
            foreach (long u in a.Units)
                if (u < 0 || u >= count) throw new BadRequestException($"ablations[{i}]: unit {u} is outside point '{a.Point}', which has {count} units or channels (0 to {count - 1}).");
            string mode = a.Mode ?? "zero";
            if (mode is not ("zero" or "mean" or "value")) throw new BadRequestException($"ablations[{i}]: mode '{mode}' is not one of zero, mean, value.");
            if (mode == "value" && (a.Value is not { } v || !float.IsFinite(v))) throw new BadRequestException($"ablations[{i}]: mode 'value' needs a finite 'value'.");
            if (mode == "mean" && testImages is null) throw new BadRequestException($"ablations[{i}]: mean ablation averages over the MNIST test images, which this server has not loaded; use zero or value.");
            plan.Add((a.Point, a.Units, mode, a.Value ?? 0));
        }
        var before = Predict(model, pixels);
        using var scope = NewDisposeScope();
        var replacements = plan.Select(p => (p.Point, Replacement.Units(p.Units, p.Mode switch
        {
            "zero" => Replacement.Zero,
            "mean" => Replacement.With(model.MeanAt(p.Point, testImages!)),
            _ => Replacement.With(tensor(p.Value)),
        }))).ToList();
        var after = Activations.RunWith(model.Loaded.Model, Input(model, pixels), replacements);
        return new AblationAnswer(before, Read(after));
    }

    /// <summary>What the model reads for the image: (1, 1, 28, 28) through the model's own input (the ring bit added, ...).</summary>
    static Tensor Input(ServedModel model, float[] pixels) => model.Loaded.Input(tensor(pixels, [1, 1, 28, 28]));

    static Prediction Read(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var row = logits.detach().to_type(ScalarType.Float32).reshape(-1);
        var values = row.data<float>().ToArray();
        var probabilities = nn.functional.softmax(row, 0).data<float>().ToArray();
        return new Prediction(values, probabilities, (int)row.argmax().item<long>());
    }
}
