using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>
/// relu(max_pool2d(x, 2) + bias) in one pass, with its gradient in one pass: the end of a convolution block whose
/// convolution has no bias of its own. Adding a per-channel bias after the pool instead of before it gives the same
/// numbers (rounding is monotonic, so max(a + b, c + b) = max(a, c) + b), on a quarter of the elements.
/// <para>
/// Why a kernel of its own: on channels-last activations libtorch runs this as four operators (pool with int64
/// indices, add, relu, and their backwards, the pool's through a zero-filled gradient it then scatters into); on
/// the fast CNN's first block that was a quarter of the training step. Here the forward keeps one byte per output
/// (which of the four inputs won, the first on ties, as max_pool2d), and the backward writes every input gradient
/// once, with no zero fill. Inputs the kernel does not take (not float32, not channels-last, channels not a multiple
/// of 8) go through libtorch's operators instead, with the same result.
/// </para>
/// Points: this module's output is the block's activation (B, C, H/2, W/2).
/// </summary>
public sealed class PoolBiasRelu : Module<Tensor, Tensor>
{
    readonly Parameter bias;

    public PoolBiasRelu(int channels) : base(nameof(PoolBiasRelu))
    {
        bias = Parameter(zeros(channels));
        RegisterComponents();
    }

    public Parameter Bias => bias;

    public override Tensor forward(Tensor x) => Apply(x, bias);

    /// <summary>relu(max_pool2d(<paramref name="x"/>, 2) + <paramref name="bias"/>) for x (B, C, H, W); the output is channels-last when x is.</summary>
    public static Tensor Apply(Tensor x, Tensor bias) =>
        MaxPoolKernel.Takes(x, bias) ? Fused.apply(x, bias) : Reference(x, bias);

    /// <summary>The same function written with libtorch's operators: the definition the kernel is tested against.</summary>
    public static Tensor Reference(Tensor x, Tensor bias) =>
        functional.relu(functional.max_pool2d(x, 2) + bias.view(1, -1, 1, 1));

    sealed class Fused : autograd.SingleTensorFunction<Fused>
    {
        public override string Name => nameof(PoolBiasRelu);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var b = (Tensor)vars[1];
            var (result, output, winners) = MaxPoolKernel.Forward(x, b, relu: true);
            ctx.save_for_backward([output, winners]);
            ctx.save_data("shape", x.shape);
            return result;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
        {
            var saved = ctx.get_saved_variables();
            var (gx, gb) = MaxPoolKernel.Backward(grad, saved[0], saved[1], (long[])ctx.get_data("shape"), relu: true, bias: true);
            return [gx, gb!];
        }
    }
}
