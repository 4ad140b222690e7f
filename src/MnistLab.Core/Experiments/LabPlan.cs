using MnistLab.Data;
using MnistLab.Training;

namespace MnistLab.Experiments;

/// <summary>
/// The options `run all` gives each experiment: the seeds' defaults, or with <see cref="Quick"/> reduced budgets
/// (fewer epochs, fewer ablation seeds, smaller rotated sets) that keep every experiment's finding visible
/// while the whole lab runs in a couple of minutes on two cores.
/// </summary>
public sealed record LabPlan(bool Quick, long Seed)
{
    public LinearityOptions Linearity => new() { Train = new TrainOptions { Epochs = Quick ? 1 : 2, Seed = Seed } };

    public RingOptions Ring => new() { Train = new TrainOptions { Epochs = Quick ? 3 : 5, Seed = Seed }, AblationSeeds = Quick ? 2 : 3 };

    public LocalMiOptions LocalMi => new() { Seed = Seed, ReadoutEpochs = Quick ? 3 : 5 };

    public VaeProbeOptions VaeProbe
    {
        get
        {
            var defaults = new VaeProbeOptions();
            return defaults with { Train = defaults.Train with { Epochs = Quick ? 4 : defaults.Train.Epochs, Seed = Seed } };
        }
    }

    public RotatedOptions Rotated
    {
        get
        {
            var defaults = new RotatedOptions();
            return defaults with
            {
                Train = defaults.Train with { Epochs = Quick ? 2 : defaults.Train.Epochs, Seed = Seed },
                LinearEpochs = Quick ? 5 : defaults.LinearEpochs,
            };
        }
    }

    /// <summary>The generated rotated digits: LISA's sizes, or a 10,000-image test set with --quick.</summary>
    public RotBackOptions RotatedData => Quick ? new RotBackOptions { TestCount = 10000 } : new RotBackOptions();
}
