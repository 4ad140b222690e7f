using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Training;

/// <summary>The training objective of a classifier.</summary>
public enum LossKind
{
    /// <summary>Cross-entropy of the logits against the label.</summary>
    CrossEntropy,

    /// <summary>Mean squared error between softmax(logits) and the one-hot label (seed 003's "linear + MSE").</summary>
    SoftmaxMse,
}

public static class Losses
{
    /// <summary>The mean loss of a batch: <paramref name="logits"/> (B, C), <paramref name="labels"/> (B) int64.</summary>
    public static Tensor Compute(LossKind kind, Tensor logits, Tensor labels) => kind switch
    {
        LossKind.CrossEntropy => functional.cross_entropy(logits, labels),
        LossKind.SoftmaxMse => functional.mse_loss(functional.softmax(logits, 1),
            functional.one_hot(labels, logits.shape[1]).to_type(logits.dtype)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
