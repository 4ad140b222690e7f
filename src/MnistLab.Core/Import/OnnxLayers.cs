using MnistLab.Import.Layers;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>
/// The layer for an ONNX node with one input computed from the image (<c>x</c>, its traced shape and type), after the
/// ONNX operator specification: its attributes and constant inputs become the layer's arguments (a kernel size, a
/// target shape, indices) and weights (keyed by the module's state_dict names). A node the layer cannot express
/// exactly is refused, naming the node and what it would need.
/// </summary>
public static class OnnxLayers
{
    public static (LayerSpec Layer, Dictionary<string, Tensor> Weights) For(OnnxNode node, TracedValue x)
    {
        long[] shape = x.Shape;
        Dictionary<string, Tensor> None() => [];
        LayerSpec Checked(LayerSpec layer) => layer.Mismatch(shape) is { } problem ? throw node.Bad(problem) : layer;

        switch (node.Op)
        {
            case "Relu": return (new ReLULayer(), None());
            case "Sigmoid": return (new SigmoidLayer(), None());
            case "Tanh": return (new TanhLayer(), None());
            case "Identity": return (new IdentityLayer(), None());
            case "LeakyRelu": return (new LeakyReLULayer(node.Float("alpha", 0.01f)), None());
            case "Erf" or "Neg" or "Exp" or "Log" or "Sqrt": return (new UnaryOpLayer(node.Op), None());
            case "Clip":
            {
                var (min, max) = node.ClipBounds();
                return (Checked(new ClipLayer(min, max)), None());
            }
            case "Cast":
            {
                long to = node.Int("to", 0);
                return (Checked(new CastLayer(to)), None());
            }
            case "Softmax":
            case "LogSoftmax":
            {
                long axis = node.Int("axis", node.Opset >= 13 ? -1 : 1);
                long dim = axis < 0 ? axis + shape.Length : axis;
                // Before opset 13, Softmax flattened the input to 2-D at axis; that equals a softmax over one dim only at the last one.
                if (node.Opset < 13 && dim != shape.Length - 1) throw node.Bad($"opset {node.Opset}'s softmax over axis {axis} of a rank-{shape.Length} input (flattened softmax) is not supported");
                return (node.Op == "Softmax" ? new SoftmaxLayer(dim) : new LogSoftmaxLayer(dim), None());
            }
            case "Dropout":
            {
                if (node.Const(2) is { } training && training.numel() == 1 && training.to_type(ScalarType.Float32).item<float>() != 0) throw node.Bad("training mode is on");
                double p = node.Const(1) is { } ratio ? ratio.to_type(ScalarType.Float64).item<double>() : node.Float("ratio", 0.5f);
                return (new DropoutLayer(p), None());
            }
            case "Flatten":
            {
                long axis = node.Int("axis", 1);
                if (axis != 1 && axis != 1 - shape.Length) throw node.Bad($"flattening at axis {axis} mixes the batch into the features; only axis 1 is supported");
                return (new FlattenLayer(1, -1), None());
            }
            case "Reshape":
            {
                bool allowZero = node.Int("allowzero", 0) != 0;
                return (Checked(new ReshapeLayer(BatchKept(node, 1, "target shape", allowZero ? -1 : 0), allowZero)), None());
            }
            case "Expand":
            {
                long[] target = BatchKept(node, 1, "shape", 1);
                return ExpandLayer.Check(shape, target, hasBatch: true) is { } problem ? throw node.Bad(problem) : (new ExpandLayer(target), None());
            }
            case "Gather":
            {
                var indices = node.NeedConst(1, "indices");
                if (indices.dtype is not (ScalarType.Int32 or ScalarType.Int64)) throw node.Bad($"its indices are {indices.dtype}; ONNX takes int32 or int64 indices");
                return (Checked(new GatherLayer(node.Int("axis", 0), OnnxNode.Longs(indices), indices.shape)), None());
            }
            case "Unsqueeze":
                return (Checked(new UnsqueezeLayer(node.Axes(inputSince: 13) ?? throw node.Bad("its axes are missing"))), None());
            case "Squeeze":
            {
                // Without axes, Squeeze removes every size-1 dimension; the batch's size is only known when the model runs, so the axes are fixed here.
                long[] axes = node.Axes(inputSince: 13) ?? [.. Enumerable.Range(1, shape.Length - 1).Where(i => shape[i] == 1).Select(i => (long)i)];
                return (Checked(new SqueezeLayer(axes)), None());
            }
            case "Slice":
            {
                var (starts, ends, axes, steps) = node.SliceArguments();
                return (Checked(new SliceLayer(starts, ends, axes, steps)), None());
            }
            case "Transpose":
                return (Checked(new TransposeLayer(node.Ints("perm") ?? [.. Enumerable.Range(0, shape.Length).Reverse().Select(i => (long)i)])), None());
            case "ReduceMean":
            {
                long[] axes = node.Axes(inputSince: 18) ?? [];
                if (axes.Length == 0 && node.Opset >= 18 && node.Int("noop_with_empty_axes", 0) != 0) return (new IdentityLayer(), None());
                return (Checked(new ReduceMeanLayer(axes, node.Int("keepdims", 1) != 0)), None());
            }
            case "Resize":
            case "Upsample":
                return (Checked(Resize(node, shape)), None());
            case "GlobalAveragePool":
                if (shape.Length != 4) throw node.Bad($"only 2-D pooling (a 4-D input) is supported, the input is {LayerSpec.Dims(shape)}");
                return (new AdaptiveAvgPool2dLayer(1), None());
            case "Gemm":
            {
                if (node.Int("transA", 0) != 0) throw node.Bad("transA = 1 is not supported");
                if (shape.Length != 2) throw node.Bad($"its input must be 2-D, it is {LayerSpec.Dims(shape)}");
                var b = node.NeedConst(1, "B (the weight)");
                if (b.dim() != 2) throw node.Bad("B must be 2-D");
                var weight = (node.Int("transB", 0) != 0 ? b : b.t()).to_type(ScalarType.Float32) * node.Float("alpha", 1f); // (out, in)
                long outF = weight.shape[0], inF = weight.shape[1];
                var weights = new Dictionary<string, Tensor> { ["weight"] = weight };
                if (node.Const(2) is { } c)
                {
                    if (c.numel() != 1 && c.numel() != outF || Broadcast.Shape([1, outF], c.shape) is not { } s || !s.SequenceEqual(new[] { 1L, outF }))
                        throw node.Bad($"C of shape ({string.Join(", ", c.shape)}) must broadcast to one bias per output ({outF})");
                    weights["bias"] = c.to_type(ScalarType.Float32).expand(1, outF).reshape(outF) * node.Float("beta", 1f);
                }
                return (new LinearLayer(inF, outF, weights.ContainsKey("bias")), weights);
            }
            case "MatMul":
            {
                var b = node.NeedConst(1, "second input");
                if (b.dim() != 2) throw node.Bad("a constant second input must be 2-D");
                return (new LinearLayer(b.shape[0], b.shape[1], false), new() { ["weight"] = b.t().to_type(ScalarType.Float32) });
            }
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Equal":
            {
                bool constantFirst = !node.IsComputed(0);
                var c = node.NeedConst(constantFirst ? 0 : 1, "other operand");
                if (node.Op == "Equal" && node.Opset < 11 && (is_floating_point(c) || is_floating_point(empty(0, x.Type))))
                    throw node.Bad($"in opset {node.Opset} Equal compares integers and booleans only (floating point since opset 11)");
                var type = is_floating_point(c) ? ScalarType.Float32 : c.dtype;
                return (new ConstantOpLayer(node.Op, c.shape, constantFirst, OnnxTypes.Code(type)), new() { ["value"] = c.to_type(type) });
            }
            case "Conv":
            {
                var w = node.NeedConst(1, "weight");
                if (w.dim() != 4) throw node.Bad($"only 2-D convolutions are supported (the weight has {w.dim()} dimensions)");
                var (pad, stride, dilation) = Window(node);
                long groups = node.Int("group", 1);
                if (node.Ints("kernel_shape") is { } k && !k.SequenceEqual(w.shape[2..])) throw node.Bad($"kernel_shape ({string.Join(", ", k)}) differs from the weight's");
                var weights = new Dictionary<string, Tensor> { ["weight"] = w };
                if (node.Const(2) is { } bias) weights["bias"] = bias;
                var layer = new Conv2dLayer(w.shape[1] * groups, w.shape[0], new IntPair(w.shape[2], w.shape[3]))
                    { Stride = stride, Padding = pad, Dilation = dilation, Groups = groups, Bias = weights.ContainsKey("bias") };
                return (layer, weights);
            }
            case "ConvTranspose":
            {
                var w = node.NeedConst(1, "weight");
                if (w.dim() != 4) throw node.Bad($"only 2-D transposed convolutions are supported (the weight has {w.dim()} dimensions)");
                if (node.Ints("output_shape") is { } outputShape) throw node.Bad($"output_shape {OnnxNode.Show(outputShape)} is not supported; export with explicit pads");
                var (pad, stride, dilation) = Window(node);
                long groups = node.Int("group", 1);
                if (node.Ints("kernel_shape") is { } k && !k.SequenceEqual(w.shape[2..])) throw node.Bad($"kernel_shape ({string.Join(", ", k)}) differs from the weight's");
                long[] outputPadding = node.Ints("output_padding") ?? [0, 0];
                if (outputPadding.Length != 2) throw node.Bad($"output_padding {OnnxNode.Show(outputPadding)} must have two values");
                var weights = new Dictionary<string, Tensor> { ["weight"] = w };
                if (node.Const(2) is { } bias) weights["bias"] = bias;
                var layer = new ConvTranspose2dLayer(w.shape[0], w.shape[1] * groups, new IntPair(w.shape[2], w.shape[3]))
                {
                    Stride = stride, Padding = pad, OutputPadding = new IntPair(outputPadding[0], outputPadding[1]), Dilation = dilation, Groups = groups,
                    Bias = weights.ContainsKey("bias"),
                };
                return (Checked(layer), weights);
            }
            case "MaxPool":
            case "AveragePool":
            {
                var kernel = node.Ints("kernel_shape");
                if (kernel is not { Length: 2 }) throw node.Bad($"only 2-D pooling is supported (kernel_shape {OnnxNode.Show(kernel)})");
                var (pad, stride, dilation) = Window(node);
                bool ceil = node.Int("ceil_mode", 0) != 0;
                var k = new IntPair(kernel[0], kernel[1]);
                if (node.Op == "MaxPool")
                {
                    if (node.Int("storage_order", 0) != 0) throw node.Bad("storage_order 1 is not supported");
                    return (new MaxPool2dLayer(k) { Stride = stride, Padding = pad, Dilation = dilation, CeilMode = ceil }, None());
                }
                if (dilation != new IntPair(1, 1)) throw node.Bad("dilated average pooling is not supported");
                return (new AvgPool2dLayer(k) { Stride = stride, Padding = pad, CeilMode = ceil, CountIncludePad = node.Int("count_include_pad", 0) != 0 }, None());
            }
            case "BatchNormalization":
            {
                if (node.Int("training_mode", 0) != 0) throw node.Bad("training mode is on");
                if (node.Int("spatial", 1) != 1) throw node.Bad("spatial = 0 (per-element statistics) is not supported");
                var weights = new Dictionary<string, Tensor>
                {
                    ["weight"] = node.NeedConst(1, "scale"), ["bias"] = node.NeedConst(2, "bias"), ["running_mean"] = node.NeedConst(3, "mean"), ["running_var"] = node.NeedConst(4, "variance"),
                };
                long c = weights["weight"].numel();
                if (weights.Values.Any(t => t.numel() != c)) throw node.Bad("scale, bias, mean and variance differ in length");
                double eps = node.Float("epsilon", 1e-5f);
                LayerSpec layer = shape.Length == 4 ? new BatchNorm2dLayer(c) { Eps = eps } : new BatchNorm1dLayer(c) { Eps = eps };
                return (layer, weights);
            }
            case "Pad":
            {
                if (node.Str("mode", "constant") != "constant") throw node.Bad($"only constant padding is supported, not '{node.Str("mode", "")}'");
                long[] pads = node.Opset >= 11 ? OnnxNode.Longs(node.NeedConst(1, "pads")) : node.Ints("pads") ?? [];
                double value = node.Opset >= 11 ? (node.Const(2) is { } v ? v.to_type(ScalarType.Float64).item<double>() : 0) : node.Float("value", 0f);
                if (shape.Length != 4 || pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0)
                    throw node.Bad($"only padding of the last two dimensions of a 4-D input is supported (pads {OnnxNode.Show(pads)})");
                return (new ConstantPad2dLayer(pads[3], pads[7], pads[2], pads[6], value), None());
            }
            default:
                throw node.Bad($"operator '{node.Op}' is not supported");
        }
    }

    /// <summary>
    /// A shape input (Reshape's target, Expand's shape) with the batch size the graph read with Shape written as
    /// <paramref name="batch"/>, the value that keeps the input's batch; -1 where that is free for Reshape's allowzero.
    /// The batch size may only stand first: anywhere else it would mix images.
    /// </summary>
    static long[] BatchKept(OnnxNode node, int input, string what, long batch)
    {
        var known = node.Known(input) ?? (node.IsComputed(input) ? throw node.Bad($"its {what} is computed from the image; it must be a constant") : throw node.Bad($"its {what} is missing"));
        long[] values = OnnxNode.Longs(known.Value);
        if (!known.HasBatch) return values;
        bool[] marks = known.Batch!.reshape(-1).data<bool>().ToArray();
        string shown = $"[{string.Join(", ", values.Select((v, i) => marks[i] ? "N" : $"{v}"))}]";
        for (int i = 1; i < marks.Length; i++)
            if (marks[i]) throw node.Bad($"its {what} {shown} holds the batch size (from Shape) at position {i}; only the first position keeps the batch");
        if (batch == -1 && values.Contains(-1)) throw node.Bad($"its {what} {shown} holds the batch size and -1 with allowzero set, so the batch cannot be kept");
        values[0] = batch;
        return values;
    }

    /// <summary>
    /// ONNX Resize (opset 10 on) or Upsample (7 to 9). Upsample and Resize-10 scale with asymmetric coordinates; their
    /// nearest rounding is the floor (ONNX Runtime's, which the specification leaves open) so only enlarging is read.
    /// </summary>
    static ResizeLayer Resize(OnnxNode node, long[] shape)
    {
        if (shape.Length != 4) throw node.Bad($"only resizing the height and width of a 4-D input is supported, the input is {LayerSpec.Dims(shape)}");
        int inputs = node.Inputs.Count;
        (int fewest, int most) = node.Op == "Upsample" ? (node.Opset < 9 ? (1, 1) : (2, 2)) : node.Opset switch { 10 => (2, 2), < 13 => (3, 4), _ => (1, 4) };
        if (inputs < fewest || inputs > most) throw node.Bad($"{inputs} inputs; in opset {node.Opset} {node.Op} takes {(fewest == most ? $"{fewest}" : $"{fewest} to {most}")}");
        string mode = node.Str("mode", "nearest");
        if (node.Op == "Upsample" || node.Opset < 11)
        {
            float[] all = node.Op == "Upsample" && node.Opset < 9 ? node.Floats("scales") ?? throw node.Bad("its scales are missing")
                : [.. node.NeedConst(1, "scales").to_type(ScalarType.Float32).reshape(-1).data<float>()];
            float[] scales = Scales(node, all, shape);
            if (mode == "nearest" && scales.Any(s => s < 1)) throw node.Bad($"opset {node.Opset}'s nearest {node.Op} shrinks (scales {string.Join(", ", all)}); the specification leaves its rounding open, so only enlarging is supported");
            return ResizeLayer.ModeProblem(mode, "asymmetric", "floor") is { } p ? throw node.Bad(p) : new ResizeLayer(mode, "asymmetric", "floor") { Scales = scales };
        }
        string coordinates = node.Str("coordinate_transformation_mode", "half_pixel"), nearest = node.Str("nearest_mode", "round_prefer_floor");
        if (ResizeLayer.ModeProblem(mode, coordinates, nearest) is { } problem) throw node.Bad(problem);
        if (node.Int("exclude_outside", 0) != 0) throw node.Bad("exclude_outside 1 is not supported");
        if (node.Int("antialias", 0) != 0) throw node.Bad("antialias 1 is not supported");
        if (node.Ints("axes") is { } axes) throw node.Bad($"axes {OnnxNode.Show(axes)} are not supported; give scales or sizes for every dimension");
        if (node.Str("keep_aspect_ratio_policy", "stretch") is var policy and not "stretch") throw node.Bad($"keep_aspect_ratio_policy '{policy}' is not supported (only 'stretch')");
        if (node.IsComputed(2) || node.IsComputed(3)) throw node.Bad("its scales and sizes must be constants (or the shape arithmetic of the batch)");
        // An empty tensor stands for an absent input in opset 11, where scales had to be given even with sizes.
        bool Present(int i) => node.Known(i) is { } v && v.Value.numel() > 0;
        if (Present(2) == Present(3)) throw node.Bad("it needs either scales or sizes, exactly one of them");
        if (Present(2))
            return new ResizeLayer(mode, coordinates, nearest) { Scales = Scales(node, [.. node.NeedConst(2, "scales").to_type(ScalarType.Float32).reshape(-1).data<float>()], shape) };
        long[] sizes = BatchKept(node, 3, "sizes", shape[0]);
        bool batchKept = node.Known(3)!.HasBatch;
        string shown = batchKept ? $"[N{string.Concat(sizes.Skip(1).Select(d => $", {d}"))}]" : OnnxNode.Show(sizes);
        if (sizes.Length != 4) throw node.Bad($"its sizes {shown} must have one value per dimension of the input {LayerSpec.Dims(shape)}");
        if (!batchKept) throw node.Bad($"its sizes {shown} fix the batch to {sizes[0]}; the batch size read with Shape keeps it");
        if (sizes[1] != shape[1]) throw node.Bad($"its sizes {shown} change the {shape[1]} channels; only height and width are resized");
        return new ResizeLayer(mode, coordinates, nearest) { Sizes = sizes[2..] };
    }

    /// <summary>The height and width scales of the four ONNX gives; the batch and the channels must keep scale 1.</summary>
    static float[] Scales(OnnxNode node, float[] all, long[] shape)
    {
        if (all.Length != shape.Length) throw node.Bad($"its scales ({string.Join(", ", all)}) must have one value per dimension of the input {LayerSpec.Dims(shape)}");
        if (all[0] != 1 || all[1] != 1) throw node.Bad($"its scales ({string.Join(", ", all)}) resize the batch or the channels; only height and width are resized");
        return all[2..];
    }

    /// <summary>The padding, stride and dilation of a 2-D window (Conv, ConvTranspose, pooling); only symmetric explicit padding.</summary>
    static (IntPair Pad, IntPair Stride, IntPair Dilation) Window(OnnxNode node)
    {
        string autoPad = node.Str("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID" or "")) throw node.Bad($"auto_pad {autoPad} is not supported; export with explicit pads");
        long[] pads = node.Ints("pads") ?? [0, 0, 0, 0];
        if (pads.Length != 4 || pads[0] != pads[2] || pads[1] != pads[3]) throw node.Bad($"only symmetric 2-D padding is supported (pads {OnnxNode.Show(pads)})");
        long[] strides = node.Ints("strides") ?? [1, 1], dilations = node.Ints("dilations") ?? [1, 1];
        if (strides.Length != 2 || dilations.Length != 2) throw node.Bad("strides and dilations must have two values");
        return (new IntPair(pads[0], pads[1]), new IntPair(strides[0], strides[1]), new IntPair(dilations[0], dilations[1]));
    }
}
