using MnistLab.Analysis.Dictionaries;
using MnistLab.Common;
using MnistLab.Tests.Support;
using MnistLab.Training;

namespace MnistLab.Tests.Analysis.Dictionaries;

/// <summary>Known answers for sparse dictionaries: planted features recovered, the same seed the same dictionary, resume exact.</summary>
public class SparseDictionaryTests
{
    static double[] Spread(int n, double low, double high) => Enumerable.Range(0, n).Select(i => low + (high - low) * i / (n - 1)).ToArray();

    static SparseDictionaryResult Learn(PlantedFeatures planted, DictionaryOptions options, long seed = 0, Checkpointing? checkpoints = null,
        IProgressSink? progress = null, CancellationToken cancel = default)
    {
        using var rows = new MatrixRows(planted.Rows, 0.1, seed, "planted");
        return SparseDictionary.Compute(rows, options, seed, progress, checkpoints, cancel);
    }

    static List<float[]> Directions(LearnedDictionary d) => Enumerable.Range(0, d.Width).Select(d.Direction).ToList();

    [Theory]
    [InlineData(DictionaryKinds.TopK, null)]
    [InlineData(DictionaryKinds.ReluL1, 3.0)]
    [InlineData(DictionaryKinds.JumpRelu, 2.0)]
    public void Each_kind_recovers_sparse_features_planted_in_fewer_dimensions_than_features(string kind, double? penalty)
    {
        // libtorch's threads wait on each other at every call; on matrices this small one thread is faster, and steady.
        using var threads = TorchSetup.OneLibtorchThread();
        // 40 features in 20 dimensions, each on in 1% to 4% of the rows: about one feature per row.
        using var planted = new PlantedFeatures(dims: 20, Spread(40, 0.01, 0.04), rows: 10_000, seed: 1);
        var options = new DictionaryOptions
        {
            Kind = kind, Width = 80, Epochs = 30, BatchSize = 256, LearningRate = 1e-2,
            K = kind == DictionaryKinds.TopK ? 3 : null, L1 = penalty,
        };
        var r = Learn(planted, options);

        double recovered = planted.MeanMaxCosine(Directions(r.Dictionary));
        Assert.True(recovered >= 0.95, $"{kind}: mean max cosine to the planted directions {recovered:F3}, L0 {r.Metrics.L0:F2}, FVU {r.Metrics.Fvu:F3}");
        Assert.True(r.Metrics.Fvu < 0.2, $"{kind}: FVU {r.Metrics.Fvu:F3}");
        Assert.InRange(r.Metrics.L0, 0.5, 3.0); // about one planted feature per row
    }

    [Fact]
    public void Too_dense_to_recover_with_too_few_features_per_row()
    {
        // The same kind of data with every feature on in half the rows (20 per row in 20 dimensions) and TopK keeping 3:
        // no sparse code exists, and the directions are not found. The recovery above is the data's, not the measure's.
        using var threads = TorchSetup.OneLibtorchThread();
        using var planted = new PlantedFeatures(dims: 20, Spread(40, 0.5, 0.5), rows: 4_000, seed: 1);
        var r = Learn(planted, new DictionaryOptions { Kind = DictionaryKinds.TopK, Width = 80, K = 3, Epochs = 10, BatchSize = 256, LearningRate = 1e-2 });
        double recovered = planted.MeanMaxCosine(Directions(r.Dictionary));
        Assert.True(recovered < 0.9, $"mean max cosine {recovered:F3}");
    }

    [Fact]
    public void Random_directions_do_not_pass_for_planted_ones()
    {
        // The measure is not generous: as many random unit directions as the dictionaries above have score far below 0.95.
        using var planted = new PlantedFeatures(dims: 20, Spread(40, 0.01, 0.04), rows: 10, seed: 1);
        var random = new PlantedFeatures(dims: 20, Spread(80, 0.5, 0.5), rows: 1, seed: 2);
        using (random) Assert.True(planted.MeanMaxCosine(random.Directions) < 0.8);
    }

    [Fact]
    public void The_same_seed_gives_the_same_dictionary_and_another_seed_another()
    {
        using var threads = TorchSetup.OneLibtorchThread();
        using var planted = new PlantedFeatures(dims: 8, Spread(16, 0.05, 0.1), rows: 2_000, seed: 3);
        var options = new DictionaryOptions { Kind = DictionaryKinds.TopK, Width = 16, K = 2, Epochs = 2, BatchSize = 128 };
        var a = Learn(planted, options, seed: 5).Dictionary;
        var b = Learn(planted, options, seed: 5).Dictionary;
        var c = Learn(planted, options, seed: 6).Dictionary;
        Assert.Equal(a.Decoder, b.Decoder);
        Assert.Equal(a.Encoder, b.Encoder);
        Assert.Equal(a.Bias, b.Bias);
        Assert.NotEqual(a.Decoder, c.Decoder);
    }

    /// <summary>Cancels its token when the first epoch's line is logged, so the training stops early in the second epoch.</summary>
    sealed class StopAfterFirstEpoch(CancellationTokenSource cancel) : IProgressSink
    {
        public IProgressTask Start(string description, double total) => ProgressSink.None.Start(description, total);
        public void Info(string message) { if (message.Contains("epoch 1:")) cancel.Cancel(); }
    }

    [Fact]
    public void A_training_stopped_after_an_epoch_and_resumed_ends_with_the_dictionary_of_an_uninterrupted_one()
    {
        using var dir = new TempDir();
        using var threads = TorchSetup.OneLibtorchThread();
        using var planted = new PlantedFeatures(dims: 8, Spread(16, 0.05, 0.1), rows: 2_000, seed: 4);
        // A short silence limit, so the dead-feature counters (part of the saved state) matter to the result.
        var options = new DictionaryOptions { Kind = DictionaryKinds.TopK, Width = 24, K = 2, Epochs = 3, BatchSize = 100, DeadRows = 300 };
        var whole = Learn(planted, options, seed: 2).Dictionary;

        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
            Learn(planted, options, seed: 2, new Checkpointing(dir.Path, CheckpointMode.Fresh), new StopAfterFirstEpoch(cancel), cancel.Token));
        var resumed = Learn(planted, options, seed: 2, new Checkpointing(dir.Path, CheckpointMode.Resume)).Dictionary;

        Assert.Equal(whole.Decoder, resumed.Decoder);
        Assert.Equal(whole.Encoder, resumed.Encoder);
        Assert.Equal(whole.EncoderBias, resumed.EncoderBias);
    }

    [Fact]
    public void The_written_weights_are_in_the_inputs_units()
    {
        // Inputs scaled by 1000 are learned as well as the originals, and reconstructed in the same units they came in.
        using var threads = TorchSetup.OneLibtorchThread();
        using var planted = new PlantedFeatures(dims: 8, Spread(16, 0.05, 0.1), rows: 4_000, seed: 5);
        using var big = planted.Rows * 1000;
        var options = new DictionaryOptions { Kind = DictionaryKinds.TopK, Width = 32, K = 2, Epochs = 3, BatchSize = 128 };
        using var rows = new MatrixRows(big, 0.1, 0, "planted x 1000");
        var r = SparseDictionary.Compute(rows, options);
        Assert.InRange(r.Dictionary.Scale, 1e-4, 1e-2);
        using var module = r.Dictionary.ToModule();
        using var x = rows.TestRows(0, rows.TestItems);
        using var reconstruction = module.forward(x);
        double fvu = (reconstruction - x).pow(2).sum().item<float>() / (x - x.mean([0], keepdim: true)).pow(2).sum().item<float>();
        Assert.Equal(r.Metrics.Fvu, fvu, 3);
        Assert.True(fvu < 0.5, $"FVU {fvu}");
    }

    [Theory]
    [InlineData("nope", null, null, "Kind")]
    [InlineData(DictionaryKinds.ReluL1, 4, null, "K")]
    [InlineData(DictionaryKinds.TopK, null, 1.0, "L1")]
    [InlineData(DictionaryKinds.TopK, 600, null, "K")]
    [InlineData(DictionaryKinds.TopK, null, null, "Width", 16)] // narrower than the default k
    public void Options_refuse_what_a_kind_does_not_take(string kind, int? k, double? l1, string option, int width = 512)
    {
        var e = Assert.Throws<InvalidOptionException>(() => new DictionaryOptions { Kind = kind, K = k, L1 = l1, Width = width }.Validated());
        Assert.Equal($"{nameof(DictionaryOptions)}.{option}", e.Option);
    }
}
