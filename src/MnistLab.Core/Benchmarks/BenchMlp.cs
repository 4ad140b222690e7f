using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Export;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Benchmarks;

/// <summary>
/// The 784-256-10 MLP the explain and causal sections measure on: trained one epoch from a fixed seed, and written for the
/// PyTorch peers as one .npy file per parameter (fc1.weight.npy, ...), so both sides run the same weights.
/// </summary>
static class BenchMlp
{
    public static Mlp Train(Mnist mnist, string name, IProgressSink progress)
    {
        using var init = Seeds.Generator(0, $"{name}/init");
        var model = new Mlp(new MlpSpec(), init);
        var (train, validation) = Splits.TrainValidation(mnist.Train, 5000, 0);
        using (train)
        using (validation)
            Trainer.Train(model, train, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 1 }, progress, $"{name} mlp");
        return model;
    }

    public static void WriteWeights(Mlp model, string dir)
    {
        foreach (var (name, p) in model.named_parameters())
        {
            using var w = new NpyWriter(Path.Combine(dir, $"{name}.npy"), [p.numel()]);
            w.Append(p.detach().contiguous().data<float>().ToArray());
            w.Complete();
        }
    }
}
