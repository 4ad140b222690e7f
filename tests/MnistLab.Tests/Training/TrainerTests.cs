using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using MnistLab.Tests.Support;
using MnistLab.Training;
using static TorchSharp.torch;

namespace MnistLab.Tests.Training;

public class TrainerTests
{
    [Theory]
    [InlineData(LossKind.CrossEntropy)]
    [InlineData(LossKind.SoftmaxMse)]
    public void A_linear_model_separates_a_separable_toy_set_completely(LossKind loss)
    {
        using var train = Digits.SeparableSet(20, seed: 1);
        using var test = Digits.SeparableSet(5, seed: 9);
        manual_seed(0);
        using var model = new LinearClassifier();
        var history = Trainer.Train(model, train, test, loss, new TrainOptions { Epochs = 15, BatchSize = 20, LearningRate = 0.01 });
        Assert.Equal(1.0, Evaluation.Run(model, test, loss).Accuracy);
        Assert.True(history.TrainLoss[^1] < history.TrainLoss[0], "training loss should fall");
        Assert.Equal(15, history.ValAcc.Count);
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights()
    {
        float[] Train()
        {
            using var data = Digits.SeparableSet(8);
            manual_seed(3);
            using var model = new Mlp(hidden: 16);
            Trainer.Train(model, data, null, LossKind.CrossEntropy, new TrainOptions { Epochs = 2, BatchSize = 16 }, seed: 3);
            return model.Weight1.data<float>().ToArray();
        }
        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void Softmax_mse_is_the_mean_squared_distance_to_one_hot()
    {
        // logits 0 everywhere -> softmax 0.1 each; one-hot error: (0.9^2 + 9 * 0.1^2) / 10 = 0.09
        using var logits = zeros(4, 10);
        using var labels = tensor(new long[] { 0, 3, 5, 9 });
        Assert.Equal(0.09, Losses.Compute(LossKind.SoftmaxMse, logits, labels).item<float>(), 6);
        Assert.Equal(Math.Log(10), Losses.Compute(LossKind.CrossEntropy, logits, labels).item<float>(), 5);
    }

    [Fact]
    public void A_non_finite_loss_stops_training_with_the_epoch_and_step()
    {
        using var data = Digits.SeparableSet(4);
        manual_seed(0);
        using var model = new LinearClassifier();
        var e = Assert.Throws<MnistLabException>(() => Trainer.Train(model, data, null, LossKind.CrossEntropy,
            new TrainOptions { Epochs = 1, BatchSize = 8 }, extraLoss: _ => tensor(float.NaN)));
        Assert.Contains("epoch 1, step 1", e.Message);
    }

    [Theory]
    [InlineData(0, 256, 1e-3)]
    [InlineData(2, 0, 1e-3)]
    [InlineData(2, 256, -1.0)]
    [InlineData(2, 256, double.NaN)]
    public void Invalid_options_are_refused_naming_the_option(int epochs, int batch, double lr)
    {
        var e = Assert.Throws<InvalidOptionException>(() => new TrainOptions { Epochs = epochs, BatchSize = batch, LearningRate = lr }.Validated());
        Assert.Matches("^TrainOptions.(Epochs|BatchSize|LearningRate) must be", e.Message);
        Assert.Equal(e.Message.Split(' ')[0], e.Option);
    }

}
