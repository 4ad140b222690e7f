using System.Runtime.InteropServices;
using MnistLab.Common;
using MnistLab.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// A TorchScript model kept as the script itself (<paramref name="File"/>, a torch.jit.save archive) and the shape it
/// reads without the batch (<c>[1, 28, 28]</c> or <c>[784]</c>). The model folder stores the script under its own name
/// and points this spec at it when it loads.
/// </summary>
public sealed record TorchScriptSpec(string File, long[] InputShape) : ModelSpec
{
    public override Module<Tensor, Tensor> Create(Generator? init = null) =>
        new TorchScriptModel(this, TorchScriptFile.Load(File, TorchZip.Check(File, StateDictFile.ReadAll(File))));
}

/// <summary>
/// A TorchScript module run by libtorch as it is. Its code runs inside libtorch, where TorchSharp's forward hooks do not
/// reach, so its only points are input and output; import it with an architecture file (or as ONNX) to see its layers.
/// Its parameters are the script's, not this module's: it counts and lists them itself.
/// </summary>
public sealed class TorchScriptModel : Module<Tensor, Tensor>, ILabModel, IExternalParameters
{
    // Held in an array, not registered as a child: disposing a parent walks its children's modules, and TorchSharp's
    // ScriptModule cannot list its own after it is disposed. This module disposes it itself.
    readonly jit.ScriptModule<Tensor, Tensor>[] _script;
    readonly long[] _input;
    readonly HookPoint _hookInput = new(), _hookOutput = new();

    public TorchScriptSpec Spec { get; }
    ModelSpec ILabModel.Spec => Spec;
    public IReadOnlyList<NamedPoint> Points { get; }

    public TorchScriptModel(TorchScriptSpec spec, jit.ScriptModule<Tensor, Tensor> script) : base("TorchScript")
    {
        Spec = spec;
        _script = [script];
        _input = spec.InputShape;
        register_module("hook_input", _hookInput);
        register_module("hook_output", _hookOutput);
        Points = [new("input", _hookInput), new("output", _hookOutput)];
    }

    public jit.ScriptModule<Tensor, Tensor> Script => _script[0];

    /// <summary>The script's parameter count (they are not this module's own parameters).</summary>
    public long ParameterCount => Script.parameters().Sum(p => p.numel());

    /// <summary>The script's modules that hold parameters (by their names in the script: <c>net.0</c>), with their counts.</summary>
    public IReadOnlyList<LayerRow> ParameterLayers => Script.named_parameters()
        .GroupBy(p => p.name.LastIndexOf('.') is var dot and > 0 ? p.name[..dot] : "script", (layer, ps) => new LayerRow(layer, "TorchScript", ps.Sum(p => p.parameter.numel())))
        .ToList();

    public override Tensor forward(Tensor x) => _hookOutput.call(Script.call(_hookInput.call(x).reshape([-1, .. _input])));

    protected override void Dispose(bool disposing)
    {
        if (disposing) Script.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Loads torch.jit.save archives through libtorch, after <see cref="TorchZip"/> has checked every byte.</summary>
public static class TorchScriptFile
{
    public static jit.ScriptModule<Tensor, Tensor> Load(string path, TorchZip zip)
    {
        if (!zip.IsTorchScript) throw new DataFormatException($"{path}: not a TorchScript archive (no code/ or constants.pkl inside; a state_dict needs --arch or --kind).");
        try
        {
            var script = jit.load<Tensor, Tensor>(zip.Bytes);
            script.eval();
            return script;
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new DataFormatException($"{path}: libtorch cannot load the TorchScript archive ({e.Message.Split('\n')[0].Trim()}).");
        }
    }

    /// <summary>
    /// The input shape a script reads, found by running it on two images shaped each way MNIST models read them
    /// (image first, then the 784 pixels): the first that runs and gives one row per image is the one.
    /// </summary>
    public static long[] ProbeInput(string path, jit.ScriptModule<Tensor, Tensor> script, Tensor images)
    {
        var errors = new List<string>();
        foreach (long[] shape in new[] { new long[] { 1, 28, 28 }, [784] })
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            try
            {
                var output = script.call(images.narrow(0, 0, 2).reshape([-1, .. shape]));
                if (output.dim() >= 1 && output.shape[0] == 2) return shape;
                errors.Add($"({string.Join(", ", shape)}) gives ({string.Join(", ", output.shape)})");
            }
            catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException or InvalidCastException)
            {
                errors.Add($"({string.Join(", ", shape)}): {e.Message.Split('\n')[0].Trim()}");
            }
        }
        throw new DataFormatException($"{path}: the script takes neither images (N, 1, 28, 28) nor pixels (N, 784) to one output row per image: {string.Join("; ", errors)}.");
    }
}
