using System.Text.Json;
using MnistLab.Analysis.Concepts;
using MnistLab.Analysis.Probes;
using MnistLab.Attribution;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Experiments;
using MnistLab.Import;
using MnistLab.Tests.Support;
using Xunit.Abstractions;

namespace MnistLab.Tests.Notebooks;

/// <summary>
/// Each notebook executed headless from its first cell to its last: no cell may end in an error, and the figures it
/// prints last must be the library's own, computed here by the same calls with the same seed and budget.
/// </summary>
[Collection(NotebookCollection.Name)]
public class NotebookTests(NotebookRunner runner, ITestOutputHelper log)
{
    static readonly TimeSpan Budget = TimeSpan.FromMinutes(5);
    const double Tolerance = 1e-6;

    [Fact]
    public void Notebooks_are_committed_without_outputs()
    {
        string folder = Path.Combine(NotebookRunner.RepositoryRoot() ?? throw new InvalidOperationException("no repository above the tests"), "notebooks");
        var files = Directory.GetFiles(folder, "*.ipynb");
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("cell_type").GetString() == "code"))
            {
                Assert.True(cell.GetProperty("outputs").GetArrayLength() == 0, $"{Path.GetFileName(file)}: cell '{cell.GetProperty("id")}' has outputs");
                Assert.True(cell.GetProperty("execution_count").ValueKind == JsonValueKind.Null, $"{Path.GetFileName(file)}: cell '{cell.GetProperty("id")}' has an execution count");
            }
        }
    }

    [SkippableFact]
    public void The_own_model_tour_runs_and_prints_the_librarys_figures()
    {
        var notebook = Executed("tour-own-model.ipynb");

        var printed = notebook.Figures();
        var expected = TourFigures();
        foreach (var (key, value) in expected)
        {
            Assert.True(printed.TryGetProperty(key, out var figure), $"the notebook printed no '{key}': {printed}");
            Assert.True(Math.Abs(figure.GetDouble() - value) <= Tolerance * Math.Max(1, Math.Abs(value)),
                $"{key}: the notebook printed {figure.GetDouble():R}, the library gives {value:R}");
        }
        // MnistLab.Interactive's views drew the digits, the maps and the probe table inline.
        Assert.Contains(notebook.Html, h => h.Cell == "points" && h.Html.Contains("8 MNIST images") && h.Html.Contains("data:image/png;base64,"));
        Assert.Contains(notebook.Html, h => h.Cell == "ig" && h.Html.Contains("ig: 1 map; completeness") && h.Html.Contains("data:image/png;base64,"));
        Assert.Contains(notebook.Html, h => h.Cell == "probe" && h.Html.Contains("mnistlab-probes") && h.Html.Contains("<th>ring</th>"));
        // Where this system needs it, the notebook ran on the patched copy of TorchSharp's glue from the package folder.
        Assert.Contains("libtorch's glue: ", notebook.Text);
    }

    /// <summary>
    /// A seed's notebook takes its experiment's steps cell by cell with the library's calls, on the reduced budget
    /// (<c>Quick</c>) and two threads, and prints its headline figures; the library's run of the whole experiment with
    /// the same options and threads must give the same numbers exactly (a step left out or taken differently shows).
    /// </summary>
    [SkippableTheory]
    [InlineData("000-ring.ipynb", "ring")]
    [InlineData("002-local-mi.ipynb", "local-mi")]
    [InlineData("003-linearity.ipynb", "linearity")]
    [InlineData("004-vae-probe.ipynb", "vae-probe")]
    public void A_seed_notebook_runs_and_prints_the_librarys_figures(string name, string experiment)
    {
        var notebook = Executed(name);
        Assert.Contains(notebook.Html, h => h.Cell == "data" && h.Html.Contains("10,000 labelled images") && h.Html.Contains("data:image/png;base64,"));

        var own = WithThreads(2, () =>
        {
            using var dir = new TempDir();
            using var data = LabData.From(new MnistSource());
            var e = Registry.Get(experiment);
            return e.RunInto(e.QuickOptions, dir.File(experiment), data);
        });

        AssertRunsFigures(notebook, own);
    }

    /// <summary>
    /// Seed 001's notebook takes the experiment's steps cell by cell on a budget of its own (the ResNet's reduced budget
    /// takes minutes, twice over here), stated in its budget cell as these options; the library's run of the experiment
    /// with them must give the same figures, every one, exactly.
    /// </summary>
    [SkippableFact]
    public void The_rotated_notebook_takes_the_experiments_steps_and_prints_the_librarys_figures()
    {
        var notebook = Executed("001-rotated.ipynb");
        Assert.Contains(notebook.Html, h => h.Cell == "data" && h.Html.Contains("2,000 labelled images") && h.Html.Contains("data:image/png;base64,"));

        var rotated = new MnistLab.Experiments.Rotated.RotatedExperiment();
        var options = rotated.Quick with
        {
            Train = rotated.Quick.Train with { Epochs = 1 },
            Data = new RotatedData { Generate = new RotBackOptions { TrainValidCount = 2000, TestCount = 2000 } },
            DictionaryBlocks = ["res4"],
            DictionaryRows = 20_000,
        };
        var own = WithThreads(2, () =>
        {
            using var dir = new TempDir();
            using var data = LabData.From(new MnistSource());
            return rotated.RunInto(options, dir.File("rotated"), data);
        });
        AssertRunsFigures(notebook, own);
    }

    [SkippableFact]
    public void The_attribution_tour_runs_and_prints_the_librarys_figures()
    {
        var notebook = Executed("tour-attribution.ipynb");
        AssertFigures(notebook.Figures(), AttributionTourFigures());
        Assert.Contains(notebook.Html, h => h.Cell == "import" && h.Html.Contains("mnistlab-model") && h.Html.Contains("<td>32</td>"));
        Assert.Contains(notebook.Html, h => h.Cell == "methods" && h.Html.Contains("ig-exact: 1 map; completeness") && h.Html.Contains("data:image/png;base64,"));
    }

    [SkippableFact]
    public void The_probes_tour_runs_and_prints_the_librarys_figures()
    {
        var notebook = Executed("tour-probes.ipynb");
        var expected = ProbesTourFigures();
        AssertFigures(notebook.Figures(), expected);
        Assert.Equal(expected["entropy_class"], expected["mi_class_class"], 9); // I(X; X) = H(X), the known answer the tour shows
        Assert.Contains(notebook.Html, h => h.Cell == "probe" && h.Html.Contains("mnistlab-probes") && h.Html.Contains("<th>slant</th>"));
        Assert.Contains(notebook.Html, h => h.Cell == "mi" && h.Html.Contains("mnistlab-mi"));
    }

    /// <summary>The probes tour's calls, as the notebook makes them.</summary>
    static Dictionary<string, double> ProbesTourFigures()
    {
        using var fixture = new ImportedMlp();
        var (model, test) = (fixture.Model, fixture.Data.Mnist.Test);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var images = test.Images.narrow(0, 0, 2000);
        var concepts = new ConceptImages(images, test.LabelArray()[..2000], Enumerable.Range(0, 2000).ToArray());
        var probeOptions = new ProbeTableOptions
        {
            Layers = ["1"], Concepts = ["ring", "holes", "size", "thick", "slant"], Images = 2000, Probe = new ProbeOptions { Fast = true },
        };
        var table = ProbeTable.Compute(model.Model, model.Input, concepts, probeOptions, seed: 0);

        var ringBit = ConceptRegistry.Find("ring")!.Compute(concepts);
        var ring = MnistLab.Analysis.Information.Variable.Discrete(ringBit.Codes, ringBit.Classes);
        var digit = MnistLab.Analysis.Information.Variable.Labels(concepts.Labels);
        var mi = MnistLab.Analysis.Information.MiEstimate.Compute(ring, digit, new MnistLab.Analysis.Information.MiOptions());
        var self = MnistLab.Analysis.Information.MiEstimate.Compute(digit, digit, new MnistLab.Analysis.Information.MiOptions { Bootstrap = 0, Null = 0 });
        double entropy = -concepts.Labels.GroupBy(l => l).Sum(g => { double p = (double)g.Count() / concepts.Labels.Length; return p * Math.Log(p); });

        var fit = new ConceptImages(images.narrow(0, 0, 1000), concepts.Labels[..1000], Enumerable.Range(0, 1000).ToArray());
        var eval = new ConceptImages(images.narrow(0, 1000, 1000), concepts.Labels[1000..], Enumerable.Range(1000, 1000).ToArray());
        var erasure = MnistLab.Analysis.Causal.Erasure.Compute(model.Model, model.Input, fit, eval,
            new MnistLab.Analysis.Causal.ErasureOptions { Layers = ["1"], Concepts = ["ring"], FitImages = 1000, Controls = 5 }, ProgressSink.None, seed: 0);
        var row = erasure.Get("1", "ring");
        return new()
        {
            ["ring_score"] = table.Get("1", "ring").Score,
            ["ring_selectivity"] = table.Get("1", "ring").Selectivity,
            ["ring_pixels_score"] = table.Get(ProbeTable.Pixels, "ring").Score,
            ["size_score"] = table.Get("1", "size").Score,
            ["mi_ring_class"] = mi.Estimate,
            ["mi_ring_class_low"] = mi.Low,
            ["mi_class_class"] = self.Estimate,
            ["entropy_class"] = entropy,
            ["erased_probe"] = row.ProbeAfter,
            ["erased_accuracy"] = row.AccAfter,
            ["control_accuracy"] = row.ControlAccAfter.Mean,
        };
    }

    /// <summary>
    /// Executes <paramref name="name"/> (skipped, saying why, where Jupyter or the kernel is missing), puts its time and what
    /// it printed into the test's output, and checks that every code cell ran without an error.
    /// </summary>
    ExecutedNotebook Executed(string name)
    {
        Skip.If(runner.Unavailable is not null, runner.Unavailable);
        var (notebook, run) = runner.Execute(name, Budget);
        log.WriteLine($"{name} executed in {run.Took.TotalSeconds:F1} s");
        log.WriteLine(notebook.Text);
        AssertRan(notebook);
        return notebook;
    }

    static void AssertRan(ExecutedNotebook notebook)
    {
        Assert.True(notebook.Errors.Count == 0, "error cells:\n" + string.Join("\n", notebook.Errors) + "\nprinted:\n" + notebook.Text);
        Assert.True(notebook.CodeCells > 0 && notebook.ExecutedCells == notebook.CodeCells, $"{notebook.ExecutedCells} of {notebook.CodeCells} code cells ran");
    }

    /// <summary>The notebook printed exactly the run's figures, bit for bit, and the answer they give.</summary>
    static void AssertRunsFigures(ExecutedNotebook notebook, MnistLab.Runs.ExperimentRun own)
    {
        var printed = notebook.Figures();
        Assert.Equal(own.Figures.Keys.Order(), printed.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (key, value) in own.Figures)
            Assert.True(printed.GetProperty(key).GetDouble() == value, $"{key}: the notebook printed {printed.GetProperty(key).GetDouble():R}, the library gives {value:R}");
        Assert.Contains(own.Answer, notebook.Text);
    }

    /// <summary>The notebook printed exactly these figures, each within <see cref="Tolerance"/> of the library's.</summary>
    static void AssertFigures(JsonElement printed, IReadOnlyDictionary<string, double> expected)
    {
        Assert.Equal(expected.Keys.Order(), printed.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (key, value) in expected)
            Assert.True(Math.Abs(printed.GetProperty(key).GetDouble() - value) <= Tolerance * Math.Max(1, Math.Abs(value)),
                $"{key}: the notebook printed {printed.GetProperty(key).GetDouble():R}, the library gives {value:R}");
    }

    /// <summary>The attribution tour's calls, as the notebook makes them.</summary>
    static Dictionary<string, double> AttributionTourFigures()
    {
        using var fixture = new ImportedMlp();
        var (model, test) = (fixture.Model, fixture.Data.Mnist.Test);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var image = test.Images.narrow(0, 0, 1);
        long label = test.Labels[0].item<long>();
        var one = new AttributionInput(model.Model, model.Input(image), [label]);
        var settings = new AttributionSettings();
        var maps = AttributionMethods.All.ToDictionary(m => m.Name, m => m.Compute(one, settings));

        using var linear = new MnistLab.Models.LinearClassifier(new MnistLab.Models.LinearSpec(), new TorchSharp.torch.Generator(0));
        var linearIg = IntegratedGradients.Compute(new AttributionInput(linear, image, [label]), new IntegratedGradientsOptions { Steps = 8 });
        var w = linear.get_parameter("fc.weight")[label];
        double linearGap = (linearIg.ToTensor().reshape(-1) - image.reshape(-1) * w).abs().max().item<float>();

        var batch = new AttributionInput(model.Model, model.Input(test.Images.narrow(0, 0, 32)), test.LabelArray()[..32]);
        Func<AttributionInput, AttributionResult> ig = input => IntegratedGradients.Compute(input, settings.IntegratedGradients);
        var checks = MnistLab.Attribution.Checks.AttributionChecks.Compute(batch, ig(batch), ig, new MnistLab.Attribution.Checks.ChecksOptions { Images = 8 });
        return new()
        {
            ["ig_completeness_error"] = maps["ig"].MaxAbsCompletenessError!.Value,
            ["exact_ig_completeness_error"] = maps["ig-exact"].MaxAbsCompletenessError!.Value,
            ["lrp_sum"] = maps["lrp"].Map(0).Sum(v => (double)v),
            ["linear_ig_gap"] = linearGap,
            ["deletion_most_first"] = checks.Curves!.DeletionMostFirst.Area,
            ["deletion_random"] = checks.Curves.DeletionRandom.Area,
            ["randomised_all_spearman"] = checks.Randomisation.Cascade[^1].Spearman,
            ["random_logit_spearman"] = checks.Randomisation.RandomLogit.Spearman,
            ["infidelity"] = checks.MeanInfidelity,
            ["max_sensitivity"] = checks.MeanMaxSensitivity,
        };
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> libtorch threads, then gives the process its own count back.</summary>
    static T WithThreads<T>(int threads, Func<T> work)
    {
        int before = TorchSharp.torch.get_num_threads();
        TorchSetup.SetThreads(threads);
        try { return work(); }
        finally { TorchSetup.SetThreads(before); }
    }

    /// <summary>The tours' model: the PyTorch MLP fixture imported (and checked on the test set) into a temporary folder, as the tours do.</summary>
    sealed class ImportedMlp : IDisposable
    {
        readonly TempDir _dir = new();

        public ImportedMlp()
        {
            string fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "models");
            Data = LabData.From(new MnistSource());
            Imported = ModelImport.Run(new ModelImportOptions(Path.Combine(fixtures, "mlp.pt"), _dir.File("mlp"), Arch: Path.Combine(fixtures, "mlp.json")), Data.Mnist.Test);
            Model = LoadedModel.FromFolder(_dir.File("mlp"));
        }

        public LabData Data { get; }
        public ModelImportResult Imported { get; }
        public LoadedModel Model { get; }

        public void Dispose()
        {
            Model.Dispose();
            Data.Dispose();
            _dir.Dispose();
        }
    }

    /// <summary>The tour's calls, as the notebook makes them (its cells are the documentation of these lines).</summary>
    static Dictionary<string, double> TourFigures()
    {
        using var fixture = new ImportedMlp();
        var (imported, model, test) = (fixture.Imported, fixture.Model, fixture.Data.Mnist.Test);

        long label = test.Labels[0].item<long>();
        using var image = test.Images.narrow(0, 0, 1);
        var ig = IntegratedGradients.Compute(new AttributionInput(model.Model, model.Input(image), [label]), new IntegratedGradientsOptions { Steps = 64 });

        const int probeImages = 1000;
        using var probeSet = test.Images.narrow(0, 0, probeImages);
        var concepts = new ConceptImages(probeSet, test.LabelArray()[..probeImages], Enumerable.Range(0, probeImages).ToArray());
        var options = new ProbeTableOptions { Layers = ["1"], Concepts = ["ring"], Images = probeImages, Baselines = false, Probe = new ProbeOptions { Fast = true } };
        var ring = ProbeTable.Compute(model.Model, model.Input, concepts, options, seed: 0).Get("1", "ring");

        return new()
        {
            ["test_accuracy"] = imported.Card.Test.Accuracy!.Value,
            ["ig_sum"] = ig.Map(0).Sum(v => (double)v),
            ["ig_completeness_error"] = ig.CompletenessError![0],
            ["ring_score"] = ring.Score,
            ["ring_selectivity"] = ring.Selectivity,
        };
    }
}
