using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>The file formats <c>model import</c> reads.</summary>
public enum SourceFormat { PyTorch, Safetensors, TorchScript, Onnx }

/// <summary>A model read from a file and built as a TorchSharp module, before it is evaluated and written.</summary>
/// <param name="Notes">What the reader did to find the weights (the entry of a training checkpoint, a prefix removed).</param>
public sealed record BuiltModel(Module<Tensor, Tensor> Model, ModelSpec Spec, SourceFormat Format, string Architecture, string? Kind, Normalization? Normalize,
    IReadOnlyList<string>? Notes = null);

/// <summary>
/// Reads a model file in any supported format and builds the module: a state_dict (torch.save or safetensors) into an
/// architecture file's nn.Sequential or a lab kind, an ONNX graph converted node by node, a TorchScript file as it is
/// (or, with an architecture, its weights into that architecture).
/// </summary>
public static class ModelSource
{
    /// <summary>The format of <paramref name="path"/>, from its content (zip, protobuf) and its name.</summary>
    public static SourceFormat Detect(string path, byte[] bytes)
    {
        if (TorchZip.LooksLikeZip(bytes)) return TorchZip.Check(path, bytes).IsTorchScript ? SourceFormat.TorchScript : SourceFormat.PyTorch;
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return SourceFormat.Safetensors;
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return SourceFormat.Onnx;
        if (path.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase))
            return SourceFormat.PyTorch; // the zip check then names what is wrong with it
        throw new DataFormatException($"{path}: not a model file MnistLab reads (a torch.save or torch.jit.save zip archive, .safetensors or .onnx).");
    }

    /// <summary>
    /// Builds the model in <paramref name="path"/>; <paramref name="archPath"/> or <paramref name="kind"/> give a state_dict
    /// its architecture, <paramref name="output"/> picks one output of an ONNX graph that has several, <paramref name="key"/>
    /// the entry of a torch.save dict that holds the state_dict, and <paramref name="normalize"/> is the normalisation the
    /// model expects of its input, applied inside the model (for a model trained with it in the data pipeline).
    /// </summary>
    public static BuiltModel Build(string path, string? archPath, string? kind, Tensor probeImages, string? output = null, string? key = null, Normalization? normalize = null)
    {
        const string option = $"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Normalize)}";
        if (normalize?.Mismatch([1, 28, 28]) is { } wrong) throw new InvalidOptionException(option, $"{wrong}.");
        var built = Read(path, archPath, kind, probeImages, output, key, normalize);
        if (normalize is null || built.Normalize is not null) return built;
        if (built.Spec.Input != ModelInput.Image)
        {
            built.Model.Dispose();
            throw new InvalidOptionException(option, $"--kind {kind} reads {built.Spec.Input}, not the image alone; a normalisation applies to a model that reads the image.");
        }
        var spec = new NormalizedSpec(built.Spec, normalize) { Input = built.Spec.Input };
        var model = new NormalizedModel(spec, built.Model);
        model.eval();
        return built with { Model = model, Spec = spec, Normalize = normalize };
    }

    /// <summary>The model as the file and its architecture give it; a normalisation only where the architecture file has a place for it.</summary>
    static BuiltModel Read(string path, string? archPath, string? kind, Tensor probeImages, string? output, string? key, Normalization? normalize)
    {
        byte[] bytes = StateDictFile.ReadAll(path);
        var format = Detect(path, bytes);
        Architecture? arch = archPath is null ? null : Architecture.Read(archPath);
        if (arch is not null && normalize is not null)
        {
            // An architecture file has its own place for it, which keeps the nn.Sequential's names and its layer graph.
            if (arch.Normalize is not null)
                throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Normalize)}", $"{archPath} already normalises the input (its \"normalize\"); give the normalisation there or with --normalize, not both.");
            arch = arch with { Normalize = normalize };
        }
        LabKind? lab = kind is null ? null : LabKinds.Find(kind);

        if (format == SourceFormat.Onnx)
        {
            if (arch is not null || lab is not null) throw new InvalidOptionException("arch", "--arch and --kind give a state_dict its architecture; an ONNX file carries its own graph.");
            if (key is not null) throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Key)}", $"{path}: is an ONNX graph; --key picks the state_dict inside a torch.save dict.");
            var conversion = OnnxConverter.Convert(path, bytes, output);
            using var weights = conversion.Weights;
            var model = conversion.Spec.Create();
            string picked = output is null ? "" : $", output '{conversion.Spec.OutputName}'";
            return Loaded(model, () => StateDictLoader.Load(model, weights, $"the converted graph"),
                new BuiltModel(model, conversion.Spec, format, $"ONNX graph, opset {conversion.Opset}, {conversion.Spec.Nodes.Count} nodes{picked}", null, null));
        }
        if (output is not null)
            throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Output)}", $"{path} is a {(format == SourceFormat.Safetensors ? "safetensors" : format == SourceFormat.TorchScript ? "TorchScript" : "PyTorch state_dict")} file; choosing an output applies to ONNX graphs only.");
        if (key is not null && format != SourceFormat.PyTorch)
            throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Key)}", $"{path}: is a {(format == SourceFormat.Safetensors ? "safetensors" : "TorchScript")} file; --key picks the state_dict inside a torch.save dict.");
        if (format == SourceFormat.TorchScript && arch is null && lab is null)
        {
            var zip = TorchZip.Check(path, bytes);
            var script = TorchScriptFile.Load(path, zip);
            long[] input;
            try
            {
                using (NewDisposeScope())
                    foreach (var (name, t) in script.state_dict()) StateDict.RequireFinite(path, name, t);
                input = TorchScriptFile.ProbeInput(path, script, probeImages);
            }
            catch { script.Dispose(); throw; }
            var spec = new TorchScriptSpec(path, input);
            return new BuiltModel(new TorchScriptModel(spec, script), spec, format, $"TorchScript, input ({string.Join(", ", input)})", null, null);
        }
        if (arch is null && lab is null)
            throw new InvalidOptionException("arch", $"{path}: a state_dict holds weights only; give its architecture with --arch FILE or --kind {string.Join("|", LabKinds.All.Select(k => k.Name))}.");

        using var sd = format switch
        {
            SourceFormat.Safetensors => StateDictFile.ReadSafetensors(path),
            SourceFormat.TorchScript => StateDictFile.ReadTorchScript(path),
            _ => StateDictFile.ReadPyTorch(path, key),
        };
        if (arch is not null)
        {
            var spec = new SequentialSpec(arch);
            var model = spec.Create();
            return Loaded(model, () => StateDictLoader.Load(model, sd, $"the architecture in {archPath}"),
                new BuiltModel(model, spec, format, $"nn.Sequential of {arch.Layers.Count} layers from {Path.GetFileName(archPath)}", null, arch.Normalize, sd.Notes));
        }
        var renamed = sd.Renamed(lab!.ToLab);
        var labSpec = lab.SpecFrom(renamed.Shapes);
        var labModel = labSpec.Create();
        return Loaded(labModel, () => StateDictLoader.Load(labModel, renamed, $"--kind {lab.Name} ({lab.Description})"),
            new BuiltModel(labModel, labSpec, format, $"{lab.Name}: {lab.Description}", lab.Name, null, sd.Notes));
    }

    static BuiltModel Loaded(Module<Tensor, Tensor> model, Action load, BuiltModel built)
    {
        try
        {
            load();
            model.eval();
            return built;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
