using MnistLab.Features;
using static TorchSharp.torch;

namespace MnistLab.Models;

/// <summary>
/// Turns MNIST images into what a model reads (<see cref="ModelSpec.Input"/>): the images themselves; the 784 pixels and
/// the ring bit (computed here with the seed's threshold) or a zero in its place; or the outputs of the training it was
/// stacked on, found by name and run first.
/// </summary>
public static class ModelInputs
{
    /// <summary>
    /// The input of a model with <paramref name="spec"/> for <paramref name="images"/> (N, 1, 28, 28) in [0, 1];
    /// <paramref name="previous"/> gives the model of another training of the same run, by name.
    /// </summary>
    public static Tensor Prepare(ModelSpec spec, Tensor images, Func<string, nn.Module<Tensor, Tensor>> previous)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long n = images.shape[0];
        var input = spec.Input.Kind switch
        {
            "image" => images.alias(),
            "pixels+ring" => cat([images.reshape(n, -1), tensor(Topology.Compute(images).Ring.Select(r => (float)r).ToArray(), [n, 1])], 1),
            "pixels+zero" => cat([images.reshape(n, -1), zeros(n, 1)], 1),
            "output-of" => Run(previous(spec.Input.Training!), images, previous),
            _ => throw new ArgumentException($"unknown model input '{spec.Input}'."),
        };
        return input.MoveToOuterDisposeScope();
    }

    static Tensor Run(nn.Module<Tensor, Tensor> model, Tensor images, Func<string, nn.Module<Tensor, Tensor>> previous)
    {
        if (model is not ILabModel lab) throw new ArgumentException($"{model.GetType().Name} records no input.");
        bool wasTraining = model.training;
        model.eval();
        try { return model.call(Prepare(lab.Spec, images, previous)); }
        finally { model.train(wasTraining); }
    }
}
