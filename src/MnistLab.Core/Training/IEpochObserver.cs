using static TorchSharp.torch;

namespace MnistLab.Training;

/// <summary>
/// Something that looks at a model at the end of each epoch (an information plane, say), after the epoch's checkpoint.
/// <see cref="TrainingLoop"/> calls it; it must leave the model as it found it.
/// </summary>
public interface IEpochObserver
{
    void EndOfEpoch(string training, int epoch, nn.Module model);
}
