using MnistLab.Analysis.Causal;
using MnistLab.Analysis.Concepts;
using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Analysis.Causal;

/// <summary>TCAV on a hand-built model whose class 3 reads a planted concept (or ignores it), and its t-test against scipy's.</summary>
public class TcavTests
{
    /// <summary>
    /// 600 noise images and a concept "bright": the top-left 7x7 block brighter than the median. Hidden unit 0 of a
    /// 784-4-10 MLP sums that block; when <paramref name="uses"/>, class 3's logit is 5 times that unit, else 0.
    /// </summary>
    internal static (Mlp Model, ConceptImages Pool, string Csv) Planted(TempDir dir, bool uses)
    {
        using var g = new Generator(3);
        var images = rand([600, 1, 28, 28], generator: g);
        var block = images[TensorIndex.Colon, 0, TensorIndex.Slice(0, 7), TensorIndex.Slice(0, 7)].mean([1, 2]).data<float>().ToArray();
        double median = block.Order().ElementAt(300);
        string csv = dir.File("bright.csv");
        File.WriteAllText(csv, "index,bright\n" + string.Concat(block.Select((b, i) => $"{i},{(b > median ? 1 : 0)}\n")));
        var model = new Mlp(784, 4, 10);
        using (no_grad())
        {
            var w1 = zeros(4, 784);
            for (int r = 0; r < 7; r++) w1[0, TensorIndex.Slice(r * 28, r * 28 + 7)] = full(7, 1f / 49);
            w1[TensorIndex.Slice(1, 4)] = rand([3, 784], generator: g) / 100;
            var w2 = randn([10, 4], generator: g);
            w2[TensorIndex.Colon, 0] = zeros(10);
            w2[3] = uses ? tensor(new float[] { 5, 0, 0, 0 }) : zeros(4);
            foreach (var (name, p) in model.named_parameters())
                p.copy_(name switch { "fc1.weight" => w1, "fc2.weight" => w2, _ => zeros_like(p) });
        }
        model.eval();
        var labels = Enumerable.Range(0, 600).Select(i => (long)(i % 10)).ToArray();
        return (model, new ConceptImages(images, labels, [.. Enumerable.Range(0, 600)]), csv);
    }

    static TcavResult Run(TempDir dir, bool uses)
    {
        var (model, pool, csv) = Planted(dir, uses);
        using var _ = model;
        return Tcav.Compute(model, x => x, pool, new TcavOptions { Layers = ["relu1"], Concepts = ["bright"], ConceptCsv = csv, Examples = 60, Runs = 30, ClassImages = 40 },
            ProgressSink.None, seed: 1);
    }

    [Fact]
    public void A_class_that_reads_the_planted_concept_scores_one_and_beats_the_random_cavs()
    {
        using var dir = new TempDir();
        var r = Run(dir, uses: true);
        var three = r.Rows.Single(x => x.Class == 3);
        Assert.Equal("bright=1", three.Concept);
        Assert.Equal(1.0, three.Score);
        Assert.All(three.Scores, s => Assert.Equal(1.0, s));
        Assert.True(three.RandomScore < 0.9, $"random CAVs scored {three.RandomScore}");
        Assert.True(three.Significant, $"p = {three.PValue}");
        Assert.True(three.CavAccuracy > 0.6, $"CAV accuracy {three.CavAccuracy}: half of a random set is bright too, so the best a CAV can separate is about three quarters");
        Assert.Equal(10, r.Rows.Count);
    }

    [Fact]
    public void A_class_that_ignores_it_is_not_significant_and_the_same_seed_gives_the_same_scores()
    {
        using var dir = new TempDir();
        var r = Run(dir, uses: false);
        var three = r.Rows.Single(x => x.Class == 3);
        Assert.Equal(0.0, three.Score); // no gradient along anything: no image's logit rises
        Assert.False(three.Significant);
        using var again = new TempDir();
        var r2 = Run(again, uses: false);
        Assert.Equal(r.Rows.Select(x => x.Scores), r2.Rows.Select(x => x.Scores));
    }

    [Fact]
    public void The_t_test_is_scipys_ttest_ind()
    {
        Assert.Equal(0.1704706607870538, Tcav.TTest([1, 2, 3, 4], [2, 3, 4, 5, 6]), 10);
        Assert.Equal(0.001584677416369652, Tcav.TTest([0.9, 1.0, 1.0, 0.8], [0.2, 0.6, 0.4, 0.5, 0.1]), 10);
        Assert.Equal(1, Tcav.TTest([0.5, 0.5], [0.5, 0.5]));
    }

    [Fact]
    public void A_many_valued_concept_without_a_value_and_an_unknown_value_are_bad_usage()
    {
        using var dir = new TempDir();
        var (model, pool, _) = Planted(dir, uses: true);
        using var _m = model;
        var e = Assert.Throws<InvalidOptionException>(() => Tcav.Compute(model, x => x, pool, new TcavOptions { Layers = ["relu1"], Concepts = ["class"] }, ProgressSink.None));
        Assert.Contains("class=VALUE", e.Message);
        e = Assert.Throws<InvalidOptionException>(() => Tcav.Compute(model, x => x, pool, new TcavOptions { Layers = ["relu1"], Concepts = ["class=11"] }, ProgressSink.None));
        Assert.Contains("takes the values", e.Message);
    }
}
