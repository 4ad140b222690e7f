using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>
/// max_pool2d(x, 2), forward and backward, in <see cref="MaxPoolKernel"/>'s single passes: libtorch's channels-last
/// max-pool keeps int64 indices and scatters its gradient into a zero-filled tensor, and on the ResNet's first pool
/// (32 x 64 x 28 x 28) that took 5 ms of a 140 ms step; the kernel keeps one byte per output. Inputs the kernel does not
/// take (not float32 channels-last with channels a multiple of 8) go through max_pool2d itself, with the same result.
/// Exact Integrated Gradients and LRP read it as <c>MaxPool2d(2)</c>.
/// </summary>
public sealed class MaxPool2 : Module<Tensor, Tensor>
{
    public MaxPool2() : base(nameof(MaxPool2)) { }

    public override Tensor forward(Tensor x) => Apply(x);

    /// <summary>max_pool2d(<paramref name="x"/>, 2) for x (B, C, H, W); the output is channels-last when x is.</summary>
    public static Tensor Apply(Tensor x) => MaxPoolKernel.Takes(x) ? Fused.apply(x) : functional.max_pool2d(x, 2);

    sealed class Fused : autograd.SingleTensorFunction<Fused>
    {
        public override string Name => nameof(MaxPool2);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var (result, output, winners) = MaxPoolKernel.Forward(x, bias: null, relu: false);
            ctx.save_for_backward([winners]);
            ctx.save_data("shape", x.shape);
            return result;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
        {
            var (gx, _) = MaxPoolKernel.Backward(grad, null, ctx.get_saved_variables()[0], (long[])ctx.get_data("shape"), relu: false, bias: false);
            return [gx];
        }
    }
}
