using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>Named tensors read from a file (a state_dict), owned: disposing frees them.</summary>
public sealed class StateDict(string source, IReadOnlyDictionary<string, Tensor> tensors) : IDisposable
{
    /// <summary>The file they came from, named in every error.</summary>
    public string Source { get; } = source;

    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;

    /// <summary>The shape of every tensor, by name.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes => Tensors.ToDictionary(t => t.Key, t => t.Value.shape);

    /// <summary>The same tensors under other names (seed → lab), for a model whose fields are named differently.</summary>
    public StateDict Renamed(Func<string, string> rename) => new(Source, Tensors.ToDictionary(t => rename(t.Key), t => t.Value));

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
