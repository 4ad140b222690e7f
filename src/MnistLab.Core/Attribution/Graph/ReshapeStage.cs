using static TorchSharp.torch;

namespace MnistLab.Attribution.Graph;

/// <summary>A flatten, view or reshape: moves values without changing them.</summary>
sealed class ReshapeStage(string name, Func<Tensor, Tensor> reshape) : Stage
{
    public override string Describe() => name;
    public override Tensor Forward(Tensor a) => reshape(a);
}
