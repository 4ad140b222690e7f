using MnistLab.Common;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>
/// Writes a model folder's weights as a state_dict that PyTorch loads with <c>load_state_dict</c> into the same
/// architecture: torch.save's zip format (<c>.pt</c>, <c>.pth</c>) or <c>.safetensors</c>, both written by
/// TorchSharp.PyBridge, under nn.Sequential's names for an architecture file and the seed's names for a lab kind.
/// A model trained by MnistLab goes out the same way from its checkpoint, under the seed's names where its kind has them.
/// </summary>
public static class ModelExport
{
    /// <summary>
    /// Writes <paramref name="path"/> atomically; returns the state_dict's keys in file order. A checkpoint's model goes
    /// out under the seed's names where its kind has them (<see cref="LabKinds.Of"/>), an imported one under the names it came with.
    /// </summary>
    public static IReadOnlyList<string> Write(LoadedModel loaded, string path)
    {
        // A normalisation given at import lives in the user's data pipeline, not in the PyTorch model: the weights go out alone.
        var (model, spec) = loaded.Model is NormalizedModel n ? (n.Model, n.Spec.Model) : (loaded.Model, loaded.Spec);
        if (spec is OnnxGraphSpec or TorchScriptSpec)
            throw new MnistLabException($"{loaded.Path}: holds a {loaded.Card?.SourceFormat} model, which has no PyTorch architecture to load a state_dict into; export models built from an architecture file or a lab kind.");
        var kind = loaded.Card is { } card ? card.Kind is null ? null : LabKinds.Find(card.Kind) : LabKinds.Of(spec);
        return Write(model, kind, path);
    }

    static IReadOnlyList<string> Write(nn.Module model, LabKind? kind, string path)
    {
        bool safetensors = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        if (!safetensors && !path.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOptionException("to", $"--to must name a .pt, .pth or .safetensors file, got '{path}'.");
        using var scope = NewDisposeScope();
        var state = model.state_dict().ToDictionary(t => kind?.ToSeed(t.Key) ?? t.Key, t => t.Value.detach().cpu().contiguous());
        AtomicFile.Write(path, temp =>
        {
            using var file = File.Create(temp);
            if (safetensors) Safetensors.SaveStateDict(file, state);
            else PyTorchPickler.PickleStateDict(file, state);
        });
        return state.Keys.ToList();
    }
}
