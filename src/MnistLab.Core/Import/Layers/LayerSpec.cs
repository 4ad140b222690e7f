using System.Text.Json.Serialization;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

/// <summary>
/// One layer, as <c>nn.Sequential</c> holds it in PyTorch: its type and PyTorch's constructor arguments, with
/// PyTorch's names and defaults (<c>{"type": "Conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 3}</c>).
/// Architecture files list these; an ONNX graph becomes them too, with graph-only kinds (reshape, gather, slice, resize,
/// arithmetic with a constant, ...), so every imported model is made of TorchSharp modules that hooks and analyses can walk.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(LinearLayer), "Linear")]
[JsonDerivedType(typeof(Conv2dLayer), "Conv2d")]
[JsonDerivedType(typeof(BatchNorm1dLayer), "BatchNorm1d")]
[JsonDerivedType(typeof(BatchNorm2dLayer), "BatchNorm2d")]
[JsonDerivedType(typeof(ReLULayer), "ReLU")]
[JsonDerivedType(typeof(LeakyReLULayer), "LeakyReLU")]
[JsonDerivedType(typeof(SigmoidLayer), "Sigmoid")]
[JsonDerivedType(typeof(TanhLayer), "Tanh")]
[JsonDerivedType(typeof(SoftmaxLayer), "Softmax")]
[JsonDerivedType(typeof(LogSoftmaxLayer), "LogSoftmax")]
[JsonDerivedType(typeof(MaxPool2dLayer), "MaxPool2d")]
[JsonDerivedType(typeof(AvgPool2dLayer), "AvgPool2d")]
[JsonDerivedType(typeof(AdaptiveAvgPool2dLayer), "AdaptiveAvgPool2d")]
[JsonDerivedType(typeof(FlattenLayer), "Flatten")]
[JsonDerivedType(typeof(DropoutLayer), "Dropout")]
[JsonDerivedType(typeof(IdentityLayer), "Identity")]
[JsonDerivedType(typeof(ReshapeLayer), "Reshape")]
[JsonDerivedType(typeof(ConstantPad2dLayer), "ConstantPad2d")]
[JsonDerivedType(typeof(ConstantOpLayer), "ConstantOp")]
[JsonDerivedType(typeof(ConvTranspose2dLayer), "ConvTranspose2d")]
[JsonDerivedType(typeof(GatherLayer), "Gather")]
[JsonDerivedType(typeof(SliceLayer), "Slice")]
[JsonDerivedType(typeof(UnsqueezeLayer), "Unsqueeze")]
[JsonDerivedType(typeof(SqueezeLayer), "Squeeze")]
[JsonDerivedType(typeof(TransposeLayer), "Transpose")]
[JsonDerivedType(typeof(ExpandLayer), "Expand")]
[JsonDerivedType(typeof(UnaryOpLayer), "UnaryOp")]
[JsonDerivedType(typeof(ClipLayer), "Clip")]
[JsonDerivedType(typeof(CastLayer), "Cast")]
[JsonDerivedType(typeof(ReduceMeanLayer), "ReduceMean")]
[JsonDerivedType(typeof(ResizeLayer), "Resize")]
public abstract record LayerSpec
{
    /// <summary>The layer types an architecture file may name, PyTorch's nn.Sequential layers.</summary>
    public static readonly IReadOnlyList<string> SequentialTypes =
    [
        "Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
        "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "Dropout", "Identity",
    ];

    /// <summary>The module, with PyTorch's initial parameters (the importer overwrites them).</summary>
    public abstract Module<Tensor, Tensor> Create();

    /// <summary>
    /// Null if the layer accepts an input of <paramref name="shape"/> (batch dimension included), else what is wrong
    /// ("expects 784 input features, gets 1568"), checked before any tensor is made so the message names sizes, not
    /// libtorch's internals.
    /// </summary>
    public virtual string? Mismatch(long[] shape) => null;

    /// <summary>The type name as an architecture file writes it.</summary>
    [JsonIgnore]
    public string TypeName => GetType().Name.EndsWith("Layer") ? GetType().Name[..^"Layer".Length] : GetType().Name;

    /// <summary>A shape whose first dimension is the batch, written (N, ...) as the sizes a user knows.</summary>
    public static string Dims(long[] shape) => shape.Length == 0 ? "()" : $"(N{string.Concat(shape.Skip(1).Select(d => $", {d}"))})";

    protected static string? NeedRank(long[] shape, params int[] ranks) =>
        ranks.Contains(shape.Length) ? null : $"expects a {string.Join(" or ", ranks.Select(r => $"{r}-D"))} input (batch included), gets {Dims(shape)}";
}
