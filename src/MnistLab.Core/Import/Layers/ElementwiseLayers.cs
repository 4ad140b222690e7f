using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import.Layers;

public sealed record ReLULayer : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => ReLU();
}

public sealed record LeakyReLULayer(double NegativeSlope = 0.01) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => LeakyReLU(NegativeSlope);
}

public sealed record SigmoidLayer : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => Sigmoid();
}

public sealed record TanhLayer : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => Tanh();
}

/// <summary>nn.Softmax(dim); without dim, PyTorch's legacy choice (dim 0 for 0-, 1- and 3-D inputs, else 1) applies.</summary>
public sealed record SoftmaxLayer(long? Dim = null) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new SoftmaxModule(Dim, log: false);

    public override string? Mismatch(long[] shape) => SoftmaxModule.Check(Dim, shape);
}

public sealed record LogSoftmaxLayer(long? Dim = null) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new SoftmaxModule(Dim, log: true);

    public override string? Mismatch(long[] shape) => SoftmaxModule.Check(Dim, shape);
}

/// <summary>nn.Dropout(p): the identity in eval mode, where every analysis runs.</summary>
public sealed record DropoutLayer(double P = 0.5) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => Dropout(P);

    public override string? Mismatch(long[] shape) => P is >= 0 and <= 1 ? null : $"p must be in [0, 1], got {P}";
}

public sealed record IdentityLayer : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => Identity();
}

/// <summary>
/// Softmax or log-softmax over one dimension, resolved per call as PyTorch resolves a missing dim
/// (torch.nn.functional._get_softmax_dim), so the module matches PyTorch's for every input rank.
/// </summary>
public sealed class SoftmaxModule : Module<Tensor, Tensor>
{
    readonly long? _dim;
    readonly bool _log;

    public SoftmaxModule(long? dim, bool log) : base(log ? "LogSoftmax" : "Softmax") => (_dim, _log) = (dim, log);

    public override Tensor forward(Tensor x)
    {
        long dim = _dim ?? (x.dim() is 0 or 1 or 3 ? 0 : 1);
        return _log ? x.log_softmax(dim) : x.softmax(dim);
    }

    internal static string? Check(long? dim, long[] shape) =>
        dim is { } d && (d >= shape.Length || d < -shape.Length) ? $"dim {d} is outside an input of rank {shape.Length}" : null;
}

/// <summary>
/// An elementwise function ONNX names and PyTorch has no layer for: Erf (in GELU as PyTorch exports it), Neg, Exp, Log,
/// Sqrt (in a layer norm written out).
/// </summary>
public sealed record UnaryOpLayer(string Op) : LayerSpec
{
    public static readonly IReadOnlyList<string> Ops = ["Erf", "Neg", "Exp", "Log", "Sqrt"];

    public override Module<Tensor, Tensor> Create() => new UnaryOpModule(Op);

    public override string? Mismatch(long[] shape) => Ops.Contains(Op) ? null : $"unknown operation '{Op}'";

    public static Tensor Apply(string op, Tensor x) => op switch
    {
        "Erf" => x.erf(),
        "Neg" => x.neg(),
        "Exp" => x.exp(),
        "Log" => x.log(),
        "Sqrt" => x.sqrt(),
        _ => throw new InvalidOperationException($"unknown operation '{op}'"),
    };
}

public sealed class UnaryOpModule : Module<Tensor, Tensor>
{
    readonly string _op;

    public UnaryOpModule(string op) : base(op) => _op = op;

    public override Tensor forward(Tensor x) => UnaryOpLayer.Apply(_op, x);
}

/// <summary>
/// ONNX Clip: every value limited to [Min, Max] (ReLU6 is Clip(0, 6), Hardtanh Clip(-1, 1)). An absent bound is the
/// element type's limit, as the specification says, so ±inf become the largest finite values; where Min exceeds Max
/// every value becomes Max, as in ONNX and torch.clamp.
/// </summary>
public sealed record ClipLayer(double? Min, double? Max) : LayerSpec
{
    public override Module<Tensor, Tensor> Create() => new ClipModule(Min, Max);

    public override string? Mismatch(long[] shape) => Min is double.NaN || Max is double.NaN ? "a bound is NaN" : null;

    public static Tensor Apply(Tensor x, double? min, double? max)
    {
        if (!is_floating_point(x)) return x.clamp(min is { } a ? (TorchSharp.Scalar)(long)a : null, max is { } b ? (TorchSharp.Scalar)(long)b : null);
        bool wide = x.dtype == ScalarType.Float64;
        return x.clamp(min ?? (wide ? double.MinValue : float.MinValue), max ?? (wide ? double.MaxValue : float.MaxValue));
    }
}

public sealed class ClipModule(double? min, double? max) : Module<Tensor, Tensor>("Clip")
{
    public double? Min => min;
    public double? Max => max;

    public override Tensor forward(Tensor x) => ClipLayer.Apply(x, min, max);
}
