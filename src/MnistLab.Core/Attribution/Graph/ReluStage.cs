using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Graph;

sealed class ReluStage : Stage
{
    public override string Describe() => "relu";
    public override Tensor Forward(Tensor a) => functional.relu(a);
}
