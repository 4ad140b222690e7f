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
/// operators of MNIST models. TorchSharp has no ONNX importer and no served library converts ONNX to TorchSharp modules,
/// so the mapping from each operator and its attributes to a PyTorch layer is written here, after the ONNX operator
/// specification. Initializers and Constant nodes become the layers' weights (each must be finite); every computed value
/// is traced through the real modules with a small batch, so a graph whose shapes do not chain is refused with the node
/// named. A graph with several outputs converts the one the caller names.
/// </summary>
public static class OnnxConverter
{
    /// <summary>The operators converted; Pad (constant mode) is there because PyTorch's exporter writes it before AveragePool.</summary>
    public static readonly IReadOnlyList<string> Operators =
    [
        "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Conv", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
        "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "BatchNormalization", "Dropout", "Identity", "Constant", "Pad",
    ];

    /// <summary>The standard operator set versions whose semantics for these operators the conversion follows.</summary>
    public const long MinOpset = 7, MaxOpset = 23;

    const AttributeProto.Types.AttributeType F = AttributeProto.Types.AttributeType.Float, I = AttributeProto.Types.AttributeType.Int,
        S = AttributeProto.Types.AttributeType.String, T = AttributeProto.Types.AttributeType.Tensor,
        Fs = AttributeProto.Types.AttributeType.Floats, Is = AttributeProto.Types.AttributeType.Ints;

    /// <summary>
    /// Each operator's inputs (fewest, most), most outputs, and attributes with their types, from the ONNX operator
    /// specification: a node outside them is refused, as ONNX Runtime refuses it, rather than read with defaults.
    /// </summary>
    static readonly Dictionary<string, (int MinIn, int MaxIn, int MaxOut, Dictionary<string, AttributeProto.Types.AttributeType> Attributes)> Signatures = new()
    {
        ["Gemm"] = (2, 3, 1, new() { ["alpha"] = F, ["beta"] = F, ["transA"] = I, ["transB"] = I }),
        ["MatMul"] = (2, 2, 1, new()),
        ["Add"] = (2, 2, 1, new()), ["Sub"] = (2, 2, 1, new()), ["Mul"] = (2, 2, 1, new()), ["Div"] = (2, 2, 1, new()),
        ["Conv"] = (2, 3, 1, new() { ["auto_pad"] = S, ["dilations"] = Is, ["group"] = I, ["kernel_shape"] = Is, ["pads"] = Is, ["strides"] = Is }),
        ["Relu"] = (1, 1, 1, new()), ["Sigmoid"] = (1, 1, 1, new()), ["Tanh"] = (1, 1, 1, new()), ["Identity"] = (1, 1, 1, new()),
        ["LeakyRelu"] = (1, 1, 1, new() { ["alpha"] = F }),
        ["Softmax"] = (1, 1, 1, new() { ["axis"] = I }), ["LogSoftmax"] = (1, 1, 1, new() { ["axis"] = I }),
        ["MaxPool"] = (1, 1, 2, new() { ["auto_pad"] = S, ["ceil_mode"] = I, ["dilations"] = Is, ["kernel_shape"] = Is, ["pads"] = Is, ["storage_order"] = I, ["strides"] = Is }),
        ["AveragePool"] = (1, 1, 1, new() { ["auto_pad"] = S, ["ceil_mode"] = I, ["count_include_pad"] = I, ["dilations"] = Is, ["kernel_shape"] = Is, ["pads"] = Is, ["strides"] = Is }),
        ["GlobalAveragePool"] = (1, 1, 1, new()),
        ["Flatten"] = (1, 1, 1, new() { ["axis"] = I }),
        ["Reshape"] = (2, 2, 1, new() { ["allowzero"] = I }),
        ["BatchNormalization"] = (5, 5, 5, new() { ["epsilon"] = F, ["momentum"] = F, ["training_mode"] = I, ["spatial"] = I }),
        ["Dropout"] = (1, 3, 2, new() { ["ratio"] = F, ["seed"] = I }),
        ["Constant"] = (0, 0, 1, new() { ["value"] = T, ["value_float"] = F, ["value_floats"] = Fs, ["value_int"] = I, ["value_ints"] = Is }),
        ["Pad"] = (1, 4, 1, new() { ["mode"] = S, ["pads"] = Is, ["value"] = F }),
    };

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
        readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
        readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal); // computed values, batch included (batch 2)
        readonly List<GraphNode> _nodes = [];
        readonly Dictionary<string, Tensor> _weights = new(StringComparer.Ordinal);

        DataFormatException Bad(string what) => new($"{path}: {ErrorText.Printable(what)}.");

        public OnnxConversion Run(GraphProto graph, string? chosen)
        {
            foreach (var init in graph.Initializer) _constants[init.Name] = ToTensor(init, $"initializer '{init.Name}'");
            var inputs = graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
            if (inputs.Count != 1) throw Bad($"the graph has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); an MNIST model reads one image");
            var input = inputs[0];
            long[] inputShape = InputShape(input);
            if (input.Type.TensorType.ElemType != 1) throw Bad($"the graph input '{input.Name}' has element type {input.Type.TensorType.ElemType}; an MNIST model reads float images (type 1)");
            _shapes[input.Name] = [2, .. inputShape];
            string output = Output(graph, chosen);

            foreach (var node in graph.Node) Add(node);

            if (!_shapes.ContainsKey(output)) throw Bad($"the graph's output '{output}' is not computed from its input");
            var used = new HashSet<string>(graph.Node.SelectMany(n => n.Input)) { output };
            foreach (var node in graph.Node)
                foreach (var extra in node.Output.Skip(1).Where(o => o.Length > 0 && used.Contains(o)))
                    throw Bad($"node {Label(node)} ({node.OpType}): its extra output '{extra}' is used, only the first output of a node is converted");

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

        static string Label(NodeProto node) => node.Name.Length > 0 ? $"'{node.Name}'" : $"producing '{node.Output.FirstOrDefault()}'";

        void Add(NodeProto node)
        {
            string where = $"node {Label(node)} ({node.OpType})";
            if (node.Domain is not ("" or "ai.onnx")) throw Bad($"{where}: operator domain '{node.Domain}' is not supported");
            if (!Operators.Contains(node.OpType)) throw Bad($"{where}: operator '{node.OpType}' is not supported; the supported operators are {string.Join(", ", Operators)}");
            var signature = Signatures[node.OpType];
            int inputs = node.Input.Count;
            while (inputs > 0 && node.Input[inputs - 1].Length == 0) inputs--; // trailing optional inputs left out
            if (inputs < signature.MinIn || inputs > signature.MaxIn)
                throw Bad($"{where}: {inputs} inputs, the operator takes {(signature.MinIn == signature.MaxIn ? $"{signature.MinIn}" : $"{signature.MinIn} to {signature.MaxIn}")}");
            if (node.Output.Count > signature.MaxOut) throw Bad($"{where}: {node.Output.Count} outputs, the operator has at most {signature.MaxOut}");
            var names = new HashSet<string>();
            foreach (var at in node.Attribute)
            {
                if (!names.Add(at.Name)) throw Bad($"{where}: attribute '{at.Name}' is given twice");
                if (!signature.Attributes.TryGetValue(at.Name, out var type)) throw Bad($"{where}: '{at.Name}' is not an attribute of {node.OpType}");
                if (at.Type != type) throw Bad($"{where}: attribute '{at.Name}' is of type {at.Type}, {node.OpType} takes {type}");
            }
            if (node.Output.Count == 0 || node.Output[0].Length == 0) throw Bad($"{where}: it has no output");
            string output = node.Output[0];
            if (_shapes.ContainsKey(output) || _constants.ContainsKey(output)) throw Bad($"{where}: its output '{output}' is written twice");
            foreach (var name in node.Input.Where(n => n.Length > 0))
                if (!_shapes.ContainsKey(name) && !_constants.ContainsKey(name)) throw Bad($"{where}: input '{name}' is not computed by any earlier node");
            if (node.OpType == "Constant")
            {
                _constants[output] = ConstantValue(node, where);
                return;
            }

            var computed = node.Input.Where(n => n.Length > 0 && _shapes.ContainsKey(n)).ToList();
            if (computed.Count == 0) throw Bad($"{where}: it computes from constants only (export with constant folding on)");
            string first = node.Input[0];
            if (!_shapes.ContainsKey(first) && node.OpType is not ("Add" or "Sub" or "Mul" or "Div"))
                throw Bad($"{where}: its first input '{first}' must be computed from the image");

            if (computed.Count == 2 && node.OpType is "Add" or "Sub" or "Mul" or "Div" or "MatMul")
            {
                AddBinary(node, where);
                return;
            }
            if (computed.Count > 1) throw Bad($"{where}: only its first input may be computed from the image");
            // The constants of these operators are settings (a shape, a ratio, pads and a fill value that may be -inf), not weights.
            if (node.OpType is not ("Reshape" or "Dropout" or "Pad"))
                foreach (var name in node.Input.Where(_constants.ContainsKey))
                    StateDict.RequireFinite(path, name, _constants[name]);
            var (layer, weights) = Layer(node, where, _shapes[computed[0]]);
            AddLayer(node, where, computed[0], layer, weights);
        }

        void AddLayer(NodeProto node, string where, string input, LayerSpec layer, Dictionary<string, Tensor> weights)
        {
            long[] shape;
            try { shape = ShapeTrace.Step(layer, _shapes[input], where); }
            catch (ShapeTrace.MismatchException e) { throw Bad(e.Message); }
            int index = _nodes.Count;
            using (var module = layer.Create())
                foreach (var (key, target) in module.state_dict())
                {
                    if (weights.TryGetValue(key, out var w)) _weights[$"n{index}.{key}"] = w.to_type(target.dtype).reshape(target.shape).DetachFromDisposeScope();
                    else if (key.EndsWith("num_batches_tracked")) _weights[$"n{index}.{key}"] = zeros_like(target).DetachFromDisposeScope();
                    else throw new InvalidOperationException($"{where}: no value for the layer's '{key}'");
                }
            _nodes.Add(new GraphNode(node.Name, node.OpType, [input], node.Output[0], Layer: layer));
            _shapes[node.Output[0]] = shape;
        }

        void AddBinary(NodeProto node, string where)
        {
            long[] a = _shapes[node.Input[0]], b = _shapes[node.Input[1]];
            long[]? shape;
            if (node.OpType == "MatMul")
            {
                shape = a.Length >= 2 && b.Length >= 2 && a[^1] == b[^2] ? [.. Broadcast.Shape(a[..^2], b[..^2]) ?? [-1], a[^2], b[^1]] : null;
                if (shape is not null && shape.Contains(-1)) shape = null;
            }
            else shape = Broadcast.Shape(a, b);
            if (shape is null) throw Bad($"{where}: its inputs of shapes {LayerSpec.Dims(a)} and {LayerSpec.Dims(b)} do not fit");
            _nodes.Add(new GraphNode(node.Name, node.OpType, [node.Input[0], node.Input[1]], node.Output[0], Binary: node.OpType));
            _shapes[node.Output[0]] = shape;
        }

        (LayerSpec, Dictionary<string, Tensor>) Layer(NodeProto node, string where, long[] x)
        {
            var a = node.Attribute.ToDictionary(at => at.Name, at => at);
            Tensor? Const(int i) => i < node.Input.Count && node.Input[i].Length > 0 ? _constants.GetValueOrDefault(node.Input[i]) : null;
            Tensor NeedConst(int i, string what) => Const(i) ?? throw Bad($"{where}: its {what} must be a constant (an initializer)");
            long Int(string name, long fallback) => a.TryGetValue(name, out var v) ? v.I : fallback;
            float Float(string name, float fallback) => a.TryGetValue(name, out var v) ? v.F : fallback;
            long[]? Ints(string name) => a.TryGetValue(name, out var v) ? v.Ints.ToArray() : null;
            string Str(string name, string fallback) => a.TryGetValue(name, out var v) ? v.S.ToStringUtf8() : fallback;
            Dictionary<string, Tensor> None() => [];

            switch (node.OpType)
            {
                case "Relu": return (new ReLULayer(), None());
                case "Sigmoid": return (new SigmoidLayer(), None());
                case "Tanh": return (new TanhLayer(), None());
                case "Identity": return (new IdentityLayer(), None());
                case "LeakyRelu": return (new LeakyReLULayer(Float("alpha", 0.01f)), None());
                case "Softmax":
                case "LogSoftmax":
                {
                    long axis = Int("axis", opset >= 13 ? -1 : 1);
                    long dim = axis < 0 ? axis + x.Length : axis;
                    // Before opset 13, Softmax flattened the input to 2-D at axis; that equals a softmax over one dim only at the last one.
                    if (opset < 13 && dim != x.Length - 1) throw Bad($"{where}: opset {opset}'s softmax over axis {axis} of a rank-{x.Length} input (flattened softmax) is not supported");
                    return (node.OpType == "Softmax" ? new SoftmaxLayer(dim) : new LogSoftmaxLayer(dim), None());
                }
                case "Dropout":
                {
                    if (Const(2) is { } training && training.numel() == 1 && training.to_type(ScalarType.Float32).item<float>() != 0) throw Bad($"{where}: training mode is on");
                    double p = Const(1) is { } ratio ? ratio.to_type(ScalarType.Float64).item<double>() : Float("ratio", 0.5f);
                    return (new DropoutLayer(p), None());
                }
                case "Flatten":
                {
                    long axis = Int("axis", 1);
                    if (axis != 1 && axis != 1 - x.Length) throw Bad($"{where}: flattening at axis {axis} mixes the batch into the features; only axis 1 is supported");
                    return (new FlattenLayer(1, -1), None());
                }
                case "Reshape":
                {
                    var shape = NeedConst(1, "target shape");
                    return (new ReshapeLayer(Longs(shape), Int("allowzero", 0) != 0), None());
                }
                case "GlobalAveragePool":
                    if (x.Length != 4) throw Bad($"{where}: only 2-D pooling (a 4-D input) is supported, the input is {LayerSpec.Dims(x)}");
                    return (new AdaptiveAvgPool2dLayer(1), None());
                case "Gemm":
                {
                    if (Int("transA", 0) != 0) throw Bad($"{where}: transA = 1 is not supported");
                    if (x.Length != 2) throw Bad($"{where}: its input must be 2-D, it is {LayerSpec.Dims(x)}");
                    var b = NeedConst(1, "B (the weight)");
                    if (b.dim() != 2) throw Bad($"{where}: B must be 2-D");
                    var weight = (Int("transB", 0) != 0 ? b : b.t()).to_type(ScalarType.Float32) * Float("alpha", 1f); // (out, in)
                    long outF = weight.shape[0], inF = weight.shape[1];
                    var weights = new Dictionary<string, Tensor> { ["weight"] = weight };
                    if (Const(2) is { } c)
                    {
                        if (c.numel() != 1 && c.numel() != outF || Broadcast.Shape([1, outF], c.shape) is not { } s || !s.SequenceEqual(new[] { 1L, outF }))
                            throw Bad($"{where}: C of shape ({string.Join(", ", c.shape)}) must broadcast to one bias per output ({outF})");
                        weights["bias"] = c.to_type(ScalarType.Float32).expand(1, outF).reshape(outF) * Float("beta", 1f);
                    }
                    else if (node.Input.Count > 2 && node.Input[2].Length > 0) throw Bad($"{where}: C must be a constant");
                    return (new LinearLayer(inF, outF, weights.ContainsKey("bias")), weights);
                }
                case "MatMul":
                {
                    var b = NeedConst(1, "second input");
                    if (b.dim() != 2) throw Bad($"{where}: a constant second input must be 2-D");
                    return (new LinearLayer(b.shape[0], b.shape[1], false), new() { ["weight"] = b.t().to_type(ScalarType.Float32) });
                }
                case "Add":
                case "Sub":
                case "Mul":
                case "Div":
                {
                    bool constantFirst = !_shapes.ContainsKey(node.Input[0]);
                    var c = NeedConst(constantFirst ? 0 : 1, "other operand");
                    return (new ConstantOpLayer(node.OpType, c.shape, constantFirst), new() { ["value"] = c.to_type(ScalarType.Float32) });
                }
                case "Conv":
                {
                    var w = NeedConst(1, "weight");
                    if (w.dim() != 4) throw Bad($"{where}: only 2-D convolutions are supported (the weight has {w.dim()} dimensions)");
                    var (pad, stride, dilation) = Window(where, Str("auto_pad", "NOTSET"), Ints("pads"), Ints("strides"), Ints("dilations"));
                    long groups = Int("group", 1);
                    if (Ints("kernel_shape") is { } k && !k.SequenceEqual(w.shape[2..])) throw Bad($"{where}: kernel_shape ({string.Join(", ", k)}) differs from the weight's");
                    var weights = new Dictionary<string, Tensor> { ["weight"] = w };
                    if (Const(2) is { } bias) weights["bias"] = bias;
                    var layer = new Conv2dLayer(w.shape[1] * groups, w.shape[0], new IntPair(w.shape[2], w.shape[3]))
                        { Stride = stride, Padding = pad, Dilation = dilation, Groups = groups, Bias = weights.ContainsKey("bias") };
                    return (layer, weights);
                }
                case "MaxPool":
                case "AveragePool":
                {
                    var kernel = Ints("kernel_shape");
                    if (kernel is not { Length: 2 }) throw Bad($"{where}: only 2-D pooling is supported (kernel_shape {Show(kernel)})");
                    var (pad, stride, dilation) = Window(where, Str("auto_pad", "NOTSET"), Ints("pads"), Ints("strides"), Ints("dilations"));
                    bool ceil = Int("ceil_mode", 0) != 0;
                    var k = new IntPair(kernel[0], kernel[1]);
                    if (node.OpType == "MaxPool")
                    {
                        if (Int("storage_order", 0) != 0) throw Bad($"{where}: storage_order 1 is not supported");
                        return (new MaxPool2dLayer(k) { Stride = stride, Padding = pad, Dilation = dilation, CeilMode = ceil }, None());
                    }
                    if (dilation != new IntPair(1, 1)) throw Bad($"{where}: dilated average pooling is not supported");
                    return (new AvgPool2dLayer(k) { Stride = stride, Padding = pad, CeilMode = ceil, CountIncludePad = Int("count_include_pad", 0) != 0 }, None());
                }
                case "BatchNormalization":
                {
                    if (Int("training_mode", 0) != 0) throw Bad($"{where}: training mode is on");
                    if (Int("spatial", 1) != 1) throw Bad($"{where}: spatial = 0 (per-element statistics) is not supported");
                    var weights = new Dictionary<string, Tensor>
                    {
                        ["weight"] = NeedConst(1, "scale"), ["bias"] = NeedConst(2, "bias"), ["running_mean"] = NeedConst(3, "mean"), ["running_var"] = NeedConst(4, "variance"),
                    };
                    long c = weights["weight"].numel();
                    if (weights.Values.Any(t => t.numel() != c)) throw Bad($"{where}: scale, bias, mean and variance differ in length");
                    double eps = Float("epsilon", 1e-5f);
                    LayerSpec layer = x.Length == 4 ? new BatchNorm2dLayer(c) { Eps = eps } : new BatchNorm1dLayer(c) { Eps = eps };
                    return (layer, weights);
                }
                case "Pad":
                {
                    if (Str("mode", "constant") != "constant") throw Bad($"{where}: only constant padding is supported, not '{Str("mode", "")}'");
                    long[] pads = opset >= 11 ? Longs(NeedConst(1, "pads")) : Ints("pads") ?? [];
                    double value = opset >= 11 ? (Const(2) is { } v ? v.to_type(ScalarType.Float64).item<double>() : 0) : Float("value", 0f);
                    if (x.Length != 4 || pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0)
                        throw Bad($"{where}: only padding of the last two dimensions of a 4-D input is supported (pads {Show(pads)})");
                    return (new ConstantPad2dLayer(pads[3], pads[7], pads[2], pads[6], value), None());
                }
                default:
                    throw Bad($"{where}: operator '{node.OpType}' is not supported");
            }
        }

        (IntPair Pad, IntPair Stride, IntPair Dilation) Window(string where, string autoPad, long[]? pads, long[]? strides, long[]? dilations)
        {
            if (autoPad is not ("NOTSET" or "VALID" or "")) throw Bad($"{where}: auto_pad {autoPad} is not supported; export with explicit pads");
            pads ??= [0, 0, 0, 0];
            if (pads.Length != 4 || pads[0] != pads[2] || pads[1] != pads[3]) throw Bad($"{where}: only symmetric 2-D padding is supported (pads {Show(pads)})");
            strides ??= [1, 1];
            dilations ??= [1, 1];
            if (strides.Length != 2 || dilations.Length != 2) throw Bad($"{where}: strides and dilations must have two values");
            return (new IntPair(pads[0], pads[1]), new IntPair(strides[0], strides[1]), new IntPair(dilations[0], dilations[1]));
        }

        static string Show(long[]? values) => values is null ? "none" : $"[{string.Join(", ", values)}]";

        static long[] Longs(Tensor t) => t.to_type(ScalarType.Int64).reshape(-1).data<long>().ToArray();

        Tensor ConstantValue(NodeProto node, string where)
        {
            if (node.Attribute.Count != 1) throw Bad($"{where}: a constant needs exactly one value attribute");
            var at = node.Attribute[0];
            return at.Name switch
            {
                "value" => ToTensor(at.T ?? throw Bad($"{where}: its value is empty"), where),
                "value_float" => tensor(at.F),
                "value_floats" => tensor(at.Floats.ToArray()),
                "value_int" => tensor(at.I),
                "value_ints" => tensor(at.Ints.ToArray()),
                _ => throw Bad($"{where}: constant attribute '{at.Name}' is not supported"),
            };
        }

        /// <summary>An ONNX tensor (raw little-endian bytes or typed fields) as a CPU tensor; float, double, int32 and int64 only.</summary>
        Tensor ToTensor(TensorProto t, string what)
        {
            if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0) throw Bad($"{what}: external data files are not supported");
            long[] dims = t.Dims.ToArray();
            if (dims.Any(d => d < 0 || d > int.MaxValue)) throw Bad($"{what}: bad dimensions ({string.Join(", ", dims)})");
            long count = 1;
            foreach (var d in dims) { count *= d; if (count > int.MaxValue) throw Bad($"{what}: too large"); }
            int size = t.DataType switch { 1 => 4, 6 => 4, 7 => 8, 11 => 8, _ => 0 };
            if (size == 0) throw Bad($"{what}: element type {t.DataType} is not supported (float, double, int32, int64 are)");
            var raw = t.RawData;
            if (raw.Length > 0)
            {
                if (raw.Length != count * size) throw Bad($"{what}: {raw.Length} bytes for {count} values of {size} bytes");
                var bytes = raw.ToByteArray();
                return t.DataType switch
                {
                    1 => tensor(Cast<float>(bytes), dims),
                    6 => tensor(Cast<int>(bytes), dims),
                    7 => tensor(Cast<long>(bytes), dims),
                    _ => tensor(Cast<double>(bytes), dims),
                };
            }
            Tensor result = t.DataType switch
            {
                1 => t.FloatData.Count == count ? tensor(t.FloatData.ToArray(), dims) : null!,
                6 => t.Int32Data.Count == count ? tensor(t.Int32Data.ToArray(), dims) : null!,
                7 => t.Int64Data.Count == count ? tensor(t.Int64Data.ToArray(), dims) : null!,
                _ => t.DoubleData.Count == count ? tensor(t.DoubleData.ToArray(), dims) : null!,
            };
            return result ?? throw Bad($"{what}: its data does not hold {count} values");
        }

        static T[] Cast<T>(byte[] bytes) where T : struct
        {
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian");
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();
        }
    }
}
