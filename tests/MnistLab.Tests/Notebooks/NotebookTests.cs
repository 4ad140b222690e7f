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
        Skip.If(runner.Unavailable is not null, runner.Unavailable);
        var (notebook, run) = runner.Execute("tour-own-model.ipynb", Budget);
        log.WriteLine($"tour-own-model.ipynb executed in {run.Took.TotalSeconds:F1} s");
        Assert.True(notebook.Errors.Count == 0, "error cells:\n" + string.Join("\n", notebook.Errors) + "\nprinted:\n" + notebook.Text);
        Assert.True(notebook.CodeCells > 0 && notebook.ExecutedCells == notebook.CodeCells, $"{notebook.ExecutedCells} of {notebook.CodeCells} code cells ran");

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
    /// A seed's notebook runs its experiment on the reduced budget (<c>Quick</c>) on two threads and prints its headline
    /// figures; the library's run of the same experiment, options and threads must give the same numbers exactly.
    /// </summary>
    [SkippableTheory]
    [InlineData("000-ring.ipynb", "ring")]
    [InlineData("002-local-mi.ipynb", "local-mi")]
    [InlineData("003-linearity.ipynb", "linearity")]
    [InlineData("004-vae-probe.ipynb", "vae-probe")]
    public void A_seed_notebook_runs_and_prints_the_librarys_figures(string name, string experiment)
    {
        Skip.If(runner.Unavailable is not null, runner.Unavailable);
        var (notebook, run) = runner.Execute(name, Budget);
        log.WriteLine($"{name} executed in {run.Took.TotalSeconds:F1} s");
        Assert.True(notebook.Errors.Count == 0, "error cells:\n" + string.Join("\n", notebook.Errors) + "\nprinted:\n" + notebook.Text);
        Assert.True(notebook.CodeCells > 0 && notebook.ExecutedCells == notebook.CodeCells, $"{notebook.ExecutedCells} of {notebook.CodeCells} code cells ran");
        Assert.Contains(notebook.Html, h => h.Cell == "data" && h.Html.Contains("10,000 labelled images") && h.Html.Contains("data:image/png;base64,"));

        var own = WithThreads(2, () =>
        {
            using var dir = new TempDir();
            using var data = LabData.From(new MnistSource());
            var e = Registry.Get(experiment);
            return e.RunInto(e.QuickOptions, dir.File(experiment), data);
        });

        var printed = notebook.Figures();
        Assert.Equal(own.Figures.Keys.Order(), printed.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (key, value) in own.Figures)
            Assert.True(printed.GetProperty(key).GetDouble() == value, $"{key}: the notebook printed {printed.GetProperty(key).GetDouble():R}, the library gives {value:R}");
        Assert.Contains(own.Answer, notebook.Text);
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> libtorch threads, then gives the process its own count back.</summary>
    static T WithThreads<T>(int threads, Func<T> work)
    {
        int before = TorchSharp.torch.get_num_threads();
        TorchSetup.SetThreads(threads);
        try { return work(); }
        finally { TorchSetup.SetThreads(before); }
    }

    /// <summary>The tour's calls, as the notebook makes them (its cells are the documentation of these lines).</summary>
    static Dictionary<string, double> TourFigures()
    {
        using var dir = new TempDir();
        string fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "models");
        using var data = LabData.From(new MnistSource());
        var imported = ModelImport.Run(new ModelImportOptions(Path.Combine(fixtures, "mlp.pt"), dir.File("mlp"), Arch: Path.Combine(fixtures, "mlp.json")), data.Mnist.Test);
        using var model = LoadedModel.FromFolder(dir.File("mlp"));
        var test = data.Mnist.Test;

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
