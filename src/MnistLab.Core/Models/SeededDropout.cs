using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>
/// Dropout (Srivastava et al., 2014) that draws its mask from a generator the trainer hands the model
/// (<see cref="IStochastic"/>), not from the global one: a run's dropout then repeats whatever else the process
/// does, and a checkpoint saves its state, so a resumed training draws the masks an uninterrupted one would.
/// </summary>
public sealed class SeededDropout : Module<Tensor, Tensor>
{
    readonly double _p;

    public SeededDropout(double p) : base(nameof(SeededDropout)) => _p = p;

    public Generator? Generator { get; set; }

    public override Tensor forward(Tensor x)
    {
        if (!training || _p == 0) return x;
        // Drawn in the tensor's logical order, whatever its memory layout: a channels-last model draws the masks an
        // NCHW one would. x first keeps x's layout for the result.
        using var mask = empty(x.shape, x.dtype, x.device).bernoulli_(1 - _p, Generator);
        return x * mask / (1 - _p);
    }
}

/// <summary>A model that draws random numbers while training; trainers give it a seeded generator and checkpoint it.</summary>
public interface IStochastic
{
    Generator? Noise { get; set; }
}
