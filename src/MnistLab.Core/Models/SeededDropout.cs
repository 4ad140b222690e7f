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
        if (_p >= 1) return zeros_like(x);
        using var mask = DropoutMasks.Scaled(x, _p, Generator); // in x's layout, drawn in its logical order
        return x * mask;
    }
}

/// <summary>A model that draws random numbers while training; trainers give it a seeded generator and checkpoint it.</summary>
public interface IStochastic
{
    Generator? Noise { get; set; }
}
