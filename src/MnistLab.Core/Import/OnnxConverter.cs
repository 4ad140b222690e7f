using Google.Protobuf;
using MnistLab.Common;
using MnistLab.Import.Layers;
using Onnx;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>An ONNX graph converted: the spec that rebuilds the module, and its weights under the module's state_dict names.</summary>
public sealed record OnnxConversion(OnnxGraphSpec Spec, StateDict Weights, long Opset);

/// <summary>
/// Turns an ONNX model (parsed by OnnxSharp's generated protobuf classes) into TorchSharp modules, node by node, for the
/// operators of MNIST models (<see cref="OnnxOperators"/>). TorchSharp has no ONNX importer and no served library converts
/// ONNX to TorchSharp modules, so the mapping from each operator and its attributes to a PyTorch layer is written here,
/// after the ONNX operator specification (<see cref="OnnxLayers"/>). Initializers and Constant nodes become the layers'
/// weights (each must be finite); nodes computed from them alone, and the shape arithmetic of dynamic-batch exports, are
/// folded to constants (<see cref="OnnxFolding"/>); every value computed from the image is traced through the real
/// modules with a small batch, so a graph whose shapes do not chain is refused with the node named. A graph with several
/// outputs converts the one the caller names.
/// </summary>
public static class OnnxConverter
{
    /// <summary>The operators converted.</summary>
    public static IReadOnlyList<string> Operators => OnnxOperators.Names;

    /// <summary>The standard operator set versions whose semantics for these operators the conversion follows.</summary>
    public const long MinOpset = 7, MaxOpset = 23;

    /// <summary>The operators whose constant inputs are weights, which must be finite; the others' are settings (a shape, a fill value that may be -inf).</summary>
    static readonly HashSet<string> WeightOperators = ["Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Pow", "Conv", "ConvTranspose", "BatchNormalization"];

    /// <summary>The operators whose module reads two values computed from the image.</summary>
    static readonly HashSet<string> BinaryOperators = ["Add", "Sub", "Mul", "Div", "MatMul", "Pow", "Equal"];

    public static OnnxConversion Convert(string path, string? output = null) => Convert(path, StateDictFile.ReadAll(path), output);

    /// <summary>Converts the graph in <paramref name="bytes"/>; <paramref name="output"/> names the graph output to import, needed when it has several.</summary>
    public static OnnxConversion Convert(string path, byte[] bytes, string? output = null)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new DataFormatException($"{path}: not a valid ONNX file ({ErrorText.Printable(e.Message.TrimEnd('.'))})."); }
        var graph = model.Graph;
        if (graph is null || graph.Node.Count == 0) throw new DataFormatException($"{path}: not a valid ONNX file (no graph or an empty one).");
        var opsets = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToList();
        if (opsets.Count != 1) throw new DataFormatException($"{path}: not a valid ONNX file (it imports {opsets.Count} versions of the standard operator set, not one).");
        if (opsets[0].Version is < MinOpset or > MaxOpset) throw new DataFormatException($"{path}: operator set version {opsets[0].Version}; MnistLab reads versions {MinOpset} to {MaxOpset}.");
        using var scope = NewDisposeScope();
        var conversion = new Builder(path, opsets[0].Version).Run(graph, output);
        return conversion;
    }

    sealed class Builder(string path, long opset)
    {
        readonly Dictionary<string, FoldedValue> _known = new(StringComparer.Ordinal);
        readonly Dictionary<string, TracedValue> _computed = new(StringComparer.Ordinal); // batch included (batch 2)
        readonly List<GraphNode> _nodes = [];
        readonly Dictionary<string, Tensor> _weights = new(StringComparer.Ordinal);

        DataFormatException Bad(string what) => new($"{path}: {ErrorText.Printable(what)}.");

        public OnnxConversion Run(GraphProto graph, string? chosen)
        {
            foreach (var init in graph.Initializer) _known[init.Name] = new FoldedValue(OnnxTensors.Read(init, $"initializer '{init.Name}'", path));
            var inputs = graph.Input.Where(i => !_known.ContainsKey(i.Name)).ToList();
            if (inputs.Count != 1) throw Bad($"the graph has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); an MNIST model reads one image");
            var input = inputs[0];
            long[] inputShape = InputShape(input);
            if (input.Type.TensorType.ElemType != 1) throw Bad($"the graph input '{input.Name}' has element type {input.Type.TensorType.ElemType}; an MNIST model reads float images (type 1)");
            _computed[input.Name] = new TracedValue([2, .. inputShape], ScalarType.Float32);
            string output = Output(graph, chosen);

            foreach (var node in graph.Node) Add(node);

            if (!_computed.ContainsKey(output)) throw Bad($"the graph's output '{output}' is not computed from its input");
            var used = new HashSet<string>(graph.Node.SelectMany(n => n.Input)) { output };
            foreach (var node in graph.Node)
                foreach (var extra in node.Output.Skip(1).Where(o => o.Length > 0 && used.Contains(o)))
                    throw new OnnxNode(node, path, opset, _known, _computed).Bad($"its extra output '{extra}' is used, only the first output of a node is converted");

            var spec = new OnnxGraphSpec(input.Name, inputShape, _nodes, output);
            return new OnnxConversion(spec, new StateDict(path, _weights.ToDictionary(w => w.Key, w => w.Value.DetachFromDisposeScope())), opset);
        }

        /// <summary>The graph output to import: the one output, or the one <paramref name="chosen"/> among several (never silently the first).</summary>
        string Output(GraphProto graph, string? chosen)
        {
            if (graph.Output.Count == 0) throw Bad("the graph has no output");
            var names = graph.Output.Select(o => o.Name).ToList();
            string list = ErrorText.Printable(string.Join(", ", names));
            if (chosen is not null)
                return names.Contains(chosen) ? chosen
                    : throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Output)}", $"{path}: the graph has no output '{ErrorText.Printable(chosen)}'; its outputs are {list}.");
            if (names.Count > 1) throw new InvalidOptionException($"{path}: the graph has {names.Count} outputs ({list}); pick the one to import with --output NAME.");
            return names[0];
        }

        long[] InputShape(ValueInfoProto input)
        {
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null || dims.Count < 2) throw Bad($"the graph input '{input.Name}' has no shape of a batch of images (N, 1, 28, 28) or (N, 784)");
            var rest = dims.Skip(1).Select(d => d.HasDimValue ? d.DimValue : -1).ToArray();
            if (rest.Any(d => d < 1) || rest.Aggregate(1L, (a, b) => a * b) != 784)
                throw Bad($"the graph input '{input.Name}' has shape ({string.Join(", ", dims.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.DimParam))}); an MNIST model reads (N, 1, 28, 28) or (N, 784)");
            return rest;
        }

        void Add(NodeProto proto)
        {
            var node = new OnnxNode(proto, path, opset, _known, _computed);
            if (proto.Domain is not ("" or "ai.onnx")) throw node.Bad($"operator domain '{proto.Domain}' is not supported");
            if (!OnnxOperators.All.TryGetValue(node.Op, out var signature)) throw node.Bad($"operator '{node.Op}' is not supported; the supported operators are {string.Join(", ", OnnxOperators.Names)}");
            if (opset < signature.Since || opset > signature.Until)
                throw node.Bad($"operator set {opset} has no {node.Op} (it is defined {(signature.Until == long.MaxValue ? $"from opset {signature.Since} on" : $"up to opset {signature.Until}")})");
            int inputs = node.Inputs.Count;
            if (inputs < signature.MinIn || inputs > signature.MaxIn)
                throw node.Bad($"{inputs} inputs, the operator takes {(signature.MinIn == signature.MaxIn ? $"{signature.MinIn}" : signature.MaxIn == int.MaxValue ? $"{signature.MinIn} or more" : $"{signature.MinIn} to {signature.MaxIn}")}");
            if (proto.Output.Count > signature.MaxOut) throw node.Bad($"{proto.Output.Count} outputs, the operator has at most {signature.MaxOut}");
            var names = new HashSet<string>();
            foreach (var at in proto.Attribute)
            {
                if (!names.Add(at.Name)) throw node.Bad($"attribute '{at.Name}' is given twice");
                if (!signature.Attributes.TryGetValue(at.Name, out var type)) throw node.Bad($"'{at.Name}' is not an attribute of {node.Op}");
                if (at.Type != type) throw node.Bad($"attribute '{at.Name}' is of type {at.Type}, {node.Op} takes {type}");
            }
            if (node.Output.Length == 0) throw node.Bad("it has no output");
            string output = node.Output;
            if (_computed.ContainsKey(output) || _known.ContainsKey(output)) throw node.Bad($"its output '{output}' is written twice");
            foreach (var name in node.Inputs.Where(n => n.Length > 0))
                if (!_computed.ContainsKey(name) && !_known.ContainsKey(name)) throw node.Bad($"input '{name}' is not computed by any earlier node");
            if (node.Op == "Constant")
            {
                _known[output] = new FoldedValue(ConstantValue(node, proto));
                return;
            }

            var computed = Enumerable.Range(0, inputs).Where(node.IsComputed).ToList();
            if (computed.Count == 0 || node.Op == "Shape")
            {
                if (!OnnxFolding.Operators.Contains(node.Op)) throw node.Bad("it computes from constants only (export with constant folding on)");
                FoldedValue folded;
                try { folded = OnnxFolding.Fold(node); }
                catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException)
                {
                    throw node.Bad($"cannot compute it from its constants: {e.Message.Split('\n')[0].Trim()}");
                }
                _known[output] = folded.HasBatch ? folded : folded with { Batch = null };
                return;
            }
            if (node.Op is "Concat" or "Where")
            {
                AddJoin(node, computed);
                return;
            }
            if (computed.Count == 2 && inputs == 2 && BinaryOperators.Contains(node.Op))
            {
                AddBinary(node);
                return;
            }
            if (!node.IsComputed(0) && node.Op is not ("Add" or "Sub" or "Mul" or "Div" or "Pow" or "Equal"))
                throw node.Bad($"its first input '{node.Inputs[0]}' must be computed from the image");
            if (computed.Count > 1) throw node.Bad($"its {OnnxNode.Ordinal(computed[1])} input '{node.Inputs[computed[1]]}' is computed from the image; it must be a constant");
            if (WeightOperators.Contains(node.Op))
                for (int i = 0; i < inputs; i++)
                    if (node.Given(i) && !node.IsComputed(i)) StateDict.RequireFinite(path, node.Inputs[i], _known[node.Inputs[i]].Value);
            var (layer, weights) = OnnxLayers.For(node, _computed[node.Inputs[computed[0]]]);
            AddLayer(node, node.Inputs[computed[0]], layer, weights);
        }

        void AddLayer(OnnxNode node, string input, LayerSpec layer, Dictionary<string, Tensor> weights)
        {
            TracedValue traced;
            try { traced = ShapeTrace.Step(layer, _computed[input], node.Where); }
            catch (ShapeTrace.MismatchException e) { throw Bad(e.Message); }
            AddModule(node, layer.Create, weights);
            _nodes.Add(new GraphNode(node.Name, node.Op, [input], node.Output, Layer: layer));
            _computed[node.Output] = traced;
        }

        /// <summary>Two computed values of one rank (each has the batch first) and, but for Pow, one element type, as ONNX requires.</summary>
        void AddBinary(OnnxNode node)
        {
            TracedValue a = node.Computed(0), b = node.Computed(1);
            if (a.Shape.Length != b.Shape.Length) throw node.Bad($"its inputs of shapes {LayerSpec.Dims(a.Shape)} and {LayerSpec.Dims(b.Shape)} differ in rank; each has the batch in dimension 0");
            if (node.Op != "Pow" && a.Type != b.Type) throw node.Bad($"its inputs are {a.Type} and {b.Type}; ONNX takes one element type");
            long[]? shape;
            if (node.Op == "MatMul")
            {
                shape = a.Shape.Length >= 2 && a.Shape[^1] == b.Shape[^2] ? [.. Broadcast.Shape(a.Shape[..^2], b.Shape[..^2]) ?? [-1], a.Shape[^2], b.Shape[^1]] : null;
                if (shape is not null && shape.Contains(-1)) shape = null;
            }
            else shape = Broadcast.Shape(a.Shape, b.Shape);
            if (shape is null) throw node.Bad($"its inputs of shapes {LayerSpec.Dims(a.Shape)} and {LayerSpec.Dims(b.Shape)} do not fit");
            _nodes.Add(new GraphNode(node.Name, node.Op, [node.Inputs[0], node.Inputs[1]], node.Output, Binary: node.Op));
            _computed[node.Output] = new TracedValue(shape, node.Op == "Equal" ? ScalarType.Bool : a.Type);
        }

        /// <summary>Concat of computed values, or Where of computed values and constants (the module's buffers).</summary>
        void AddJoin(OnnxNode node, List<int> computed)
        {
            JoinLayer layer;
            var weights = new Dictionary<string, Tensor>();
            var types = Enumerable.Range(0, node.Inputs.Count).Select(i => node.IsComputed(i) ? node.Computed(i).Type : node.NeedConst(i, "input").dtype).ToList();
            if (node.Op == "Concat")
            {
                if (computed.Count != node.Inputs.Count)
                    throw node.Bad($"its input '{node.Inputs[Enumerable.Range(0, node.Inputs.Count).First(i => !node.IsComputed(i))]}' is a constant; Concat joins values computed from the image, and a constant has no batch");
                if (!node.HasAttribute("axis")) throw node.Bad("its axis is missing");
                if (types.Distinct().Count() > 1) throw node.Bad($"its inputs are {string.Join(", ", types)}; ONNX takes one element type");
                layer = new ConcatLayer(node.Int("axis", 0));
            }
            else
            {
                if (types[0] != ScalarType.Bool) throw node.Bad($"its condition is {types[0]}; ONNX takes booleans");
                if (types[1] != types[2]) throw node.Bad($"its values are {types[1]} and {types[2]}; ONNX takes one element type");
                var constants = new ConstantInput?[3];
                for (int i = 0; i < 3; i++)
                    if (!node.IsComputed(i))
                    {
                        var c = node.NeedConst(i, WhereLayer.Names[i]);
                        constants[i] = new ConstantInput(c.shape, OnnxTypes.Code(c.dtype));
                        weights[WhereLayer.Names[i]] = c;
                    }
                layer = new WhereLayer(constants);
            }
            var traced = computed.Select(node.Computed).ToList();
            if (layer.Mismatch(traced.Select(t => t.Shape).ToList()) is { } problem) throw node.Bad(problem);
            TracedValue result;
            try { result = ShapeTrace.Join(layer, traced, node.Where); }
            catch (ShapeTrace.MismatchException e) { throw Bad(e.Message); }
            AddModule(node, layer.Create, weights);
            _nodes.Add(new GraphNode(node.Name, node.Op, [.. computed.Select(i => node.Inputs[i])], node.Output, Join: layer));
            _computed[node.Output] = result;
        }

        /// <summary>The weights of the next node's module <paramref name="create"/> makes, under their state_dict names "n{index}.{key}".</summary>
        void AddModule(OnnxNode node, Func<TorchSharp.torch.nn.Module> create, Dictionary<string, Tensor> weights)
        {
            int index = _nodes.Count;
            using var module = create();
            foreach (var (key, target) in module.state_dict())
            {
                if (weights.TryGetValue(key, out var w)) _weights[$"n{index}.{key}"] = w.to_type(target.dtype).reshape(target.shape).DetachFromDisposeScope();
                else if (key.EndsWith("num_batches_tracked")) _weights[$"n{index}.{key}"] = zeros_like(target).DetachFromDisposeScope();
                else throw new InvalidOperationException($"{node.Where}: no value for the layer's '{key}'");
            }
        }

        static string NodeName(OnnxNode node) => node.Where[(node.Where.IndexOf(' ') + 1)..].Split(" (")[0].Trim('\'');

        static Tensor ConstantValue(OnnxNode node, NodeProto proto)
        {
            if (proto.Attribute.Count != 1) throw node.Bad("a constant needs exactly one value attribute");
            var at = proto.Attribute[0];
            return at.Name switch
            {
                "value" => node.TensorAttribute("value")!,
                "value_float" => tensor(at.F),
                "value_floats" => tensor(at.Floats.ToArray()),
                "value_int" => tensor(at.I),
                "value_ints" => tensor(at.Ints.ToArray()),
                _ => throw node.Bad($"constant attribute '{at.Name}' is not supported"),
            };
        }
    }
}
