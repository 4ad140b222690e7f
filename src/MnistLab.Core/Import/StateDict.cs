using MnistLab.Common;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>
/// Named tensors read from a file (a state_dict), owned: disposing frees them. <paramref name="notes"/> say what the
/// reader did to find them (the entry of a training checkpoint, a prefix removed), for the import to report.
/// </summary>
public sealed class StateDict(string source, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyList<string>? notes = null) : IDisposable
{
    /// <summary>The file they came from, named in every error.</summary>
    public string Source { get; } = source;

    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;

    public IReadOnlyList<string> Notes { get; } = notes ?? [];

    /// <summary>The shape of every tensor, by name.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes => Tensors.ToDictionary(t => t.Key, t => t.Value.shape);

    /// <summary>The same tensors under other names (seed → lab), for a model whose fields are named differently.</summary>
    public StateDict Renamed(Func<string, string> rename) => new(Source, Tensors.ToDictionary(t => rename(t.Key), t => t.Value), Notes);

    /// <summary>
    /// These tensors, or an error naming the first that holds NaN or ±inf; disposes them on error. A model with such a
    /// weight still gives ten numbers per image, so without the check it would import with a wrong accuracy.
    /// </summary>
    public StateDict Finite()
    {
        try
        {
            foreach (var (name, t) in Tensors) RequireFinite(Source, name, t);
            return this;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>An error naming <paramref name="source"/> and the tensor <paramref name="name"/> if it holds NaN or ±inf.</summary>
    public static void RequireFinite(string source, string name, Tensor t)
    {
        if (!t.is_floating_point()) return;
        using var scope = NewDisposeScope();
        long count = t.isfinite().logical_not().sum().item<long>();
        if (count == 0) return;
        var kinds = new List<string>();
        if (t.isnan().any().item<bool>()) kinds.Add("NaN");
        if (t.isposinf().any().item<bool>()) kinds.Add("inf");
        if (t.isneginf().any().item<bool>()) kinds.Add("-inf");
        throw new DataFormatException($"{source}: tensor '{ErrorText.Printable(name)}' holds {count} non-finite value{(count == 1 ? "" : "s")} ({string.Join(", ", kinds)}); a model's parameters and buffers must be finite.");
    }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
