using MnistLab.Analysis.Information;
using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Analysis.Information;

public class InformationPlaneTests
{
    static TrainingHistory Train(IEpochObserver? observer, InformationPlane? plane = null)
    {
        using var data = Digits.SeparableSet(20, seed: 3);
        using var init = Seeds.Generator(0, "plane/init");
        using var model = new MlpSpec(784, 16).Create(init);
        plane?.Watch("mlp", model, data.Images, ["relu1", "output"]);
        return Trainer.Train(model, data, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 3, BatchSize = 25 }, name: "mlp", observer: observer);
    }

    [Fact]
    public void The_plane_measures_every_watched_layer_before_training_and_after_each_epoch_without_changing_the_training()
    {
        using var labels = Digits.SeparableSet(20, seed: 3);
        using var plane = new InformationPlane(new PlaneOptions { Images = 200, Bootstrap = 20 }, labels.LabelArray());
        var watched = Train(plane, plane);
        var alone = Train(null);
        Assert.Equal(alone.TrainLoss, watched.TrainLoss); // the observer draws from no training stream and restores the mode
        Assert.Equal(alone.TrainAcc, watched.TrainAcc);

        Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3], plane.Points.Select(p => p.Epoch));
        Assert.Equal(["relu1", "output", "relu1", "output", "relu1", "output", "relu1", "output"], plane.Points.Select(p => p.Layer));
        double hy = Math.Log(10);
        foreach (var p in plane.Points)
        {
            Assert.InRange(p.TX.Estimate, 0, Math.Log(200) + 1e-12);       // H(binned T) ≤ log N
            Assert.InRange(p.TYBinned.Estimate, 0, hy + 1e-12);             // ≤ H(Y)
            Assert.InRange(p.TYProbe.Estimate, double.NegativeInfinity, hy + 1e-12);
            Assert.True(p.TX.Estimate >= p.TYBinned.Estimate - 1e-12, "I(T; Y) must not exceed H(T) for the same bins");
        }
        // The classes are separable: after training the output tells them apart almost fully.
        Assert.True(plane.Points.Last().TYProbe.Estimate > 1.5, $"{plane.Points.Last().TYProbe}");
    }

    [Fact]
    public void The_training_loop_calls_its_observer_after_every_epoch()
    {
        var seen = new List<(string, int)>();
        Train(new Recorder(seen));
        Assert.Equal([("mlp", 1), ("mlp", 2), ("mlp", 3)], seen);
    }

    sealed class Recorder(List<(string, int)> seen) : IEpochObserver
    {
        public void EndOfEpoch(string training, int epoch, TorchSharp.torch.nn.Module model) => seen.Add((training, epoch));
    }
}
