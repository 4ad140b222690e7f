using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

/// <summary>
/// What every attribution method reads: a model, its inputs (N, ...) as the model takes them, and one target class per
/// input. Attributions are of the model's output for the target class (pre-softmax, as Captum's convention) with
/// respect to these inputs. The caller owns <see cref="Inputs"/>.
/// </summary>
public sealed record AttributionInput(Module<Tensor, Tensor> Model, Tensor Inputs, long[] Targets)
{
    public int Count => (int)Inputs.shape[0];

    /// <summary>The shape of one input, without the batch dimension.</summary>
    public long[] ExampleShape => Inputs.shape[1..];

    /// <summary>The same model and inputs with other targets (the random-logit test, a class chosen by the user).</summary>
    public AttributionInput WithTargets(long[] targets) => this with { Targets = targets };

    /// <summary>Rows <paramref name="start"/> .. start + count, sharing the caller's tensor.</summary>
    public AttributionInput Slice(int start, int count) => this with { Inputs = Inputs.narrow(0, start, count), Targets = Targets[start..(start + count)] };

    /// <summary>Checks shapes and targets against one forward pass; throws <see cref="InvalidOptionException"/> naming the value.</summary>
    public AttributionInput Validated()
    {
        if (Inputs.dim() < 2) throw new InvalidOptionException("AttributionInput.Inputs", $"inputs must be a batch (N, ...), got shape ({string.Join(", ", Inputs.shape)}).");
        if (Targets.Length != Count) throw new InvalidOptionException("AttributionInput.Targets", $"{Targets.Length} targets for {Count} inputs.");
        if (Count == 0) throw new InvalidOptionException("AttributionInput.Inputs", "no inputs to attribute.");
        int classes = ModelCalls.Classes(Model, Inputs.narrow(0, 0, 1));
        foreach (long t in Targets)
            if (t < 0 || t >= classes) throw new InvalidOptionException("AttributionInput.Targets", $"target class {t} is outside the model's {classes} outputs.");
        return this;
    }
}

/// <summary>
/// The maps of one method for N inputs, in the inputs' shape (C order), and where the method promises one, the
/// completeness error of each map: the sum of its attributions minus what it should sum to (for Integrated Gradients
/// f(x) − f(baseline) of the target; for LRP f(x), the relevance put in at the output).
/// </summary>
public sealed record AttributionResult(string Method, long[] Shape, float[] Values, double[]? CompletenessError, double Seconds)
{
    /// <summary>Exact Integrated Gradients: the number of linear pieces of each example's path.</summary>
    public int[]? Pieces { get; init; }

    public int Count => (int)Shape[0];
    public long ExampleSize => Shape.Skip(1).Aggregate(1L, (a, b) => a * b);

    /// <summary>Map <paramref name="i"/>, flattened.</summary>
    public float[] Map(int i) => Values.AsSpan((int)(i * ExampleSize), (int)ExampleSize).ToArray();

    /// <summary>The maps as a new tensor (the caller owns it).</summary>
    public Tensor ToTensor() => tensor(Values, Shape);

    /// <summary>The largest |completeness error| over the maps, or null for a method without one.</summary>
    public double? MaxAbsCompletenessError => CompletenessError is { Length: > 0 } e ? e.Max(Math.Abs) : null;

    /// <summary>A result built from a (N, ...) tensor of maps.</summary>
    public static AttributionResult From(string method, Tensor maps, double[]? completeness, double seconds)
    {
        using var c = maps.detach().to_type(ScalarType.Float32).contiguous();
        return new AttributionResult(method, c.shape, c.data<float>().ToArray(), completeness, seconds);
    }
}
