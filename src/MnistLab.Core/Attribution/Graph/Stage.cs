using static TorchSharp.torch;

namespace MnistLab.Attribution.Graph;

/// <summary>
/// One layer of a <see cref="LayerGraph"/>: what it computes. How exact Integrated Gradients walks a stage and how LRP
/// passes relevance through it live with those methods (<see cref="ExactPathWalk"/>, <see cref="LrpPropagation"/>).
/// </summary>
abstract class Stage
{
    public abstract string Describe();
    public abstract Tensor Forward(Tensor a);

    /// <summary>A parameter (kept in float64) in the dtype of the tensor it is applied to.</summary>
    internal static Tensor Cast(Tensor p, Tensor like) => p.dtype == like.dtype ? p : p.to_type(like.dtype);
}
