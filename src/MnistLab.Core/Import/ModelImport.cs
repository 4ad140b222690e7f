using System.Diagnostics;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// What <c>model import</c> does: the model file, its architecture (a file or a lab kind), the output folder, the optional
/// check against logits saved in PyTorch, which output of an ONNX graph with several is the model's, which entry of a
/// training checkpoint holds the state_dict, and the normalisation the model expects of its input.
/// </summary>
public sealed record ModelImportOptions(string From, string Out, string? Arch = null, string? Kind = null, string? ExpectLogits = null, double Tolerance = 1e-4,
    string? Output = null, string? Key = null, Normalization? Normalize = null)
{
    public ModelImportOptions Validated()
    {
        Require.That(!string.IsNullOrWhiteSpace(From), $"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.From)}", "must name a model file.");
        Require.That(!string.IsNullOrWhiteSpace(Out), $"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Out)}", "must name the model folder to write.");
        Require.That(Arch is null || Kind is null, $"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Arch)}", "and a lab kind exclude each other: give an architecture file or a kind, not both.");
        Require.NonNegative(Tolerance, $"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Tolerance)}");
        Require.That(Output is null || Output.Length > 0, $"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Output)}", "must name an output of the ONNX graph.");
        Require.That(Key is null || Key.Length > 0, $"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Key)}", "must name an entry of the saved dict.");
        if (Kind is not null) LabKinds.Find(Kind);
        if (!File.Exists(From)) throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.From)}", $"{From}: no such model file.");
        if (Arch is not null && !File.Exists(Arch)) throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Arch)}", $"{Arch}: no such architecture file.");
        if (ExpectLogits is not null && !File.Exists(ExpectLogits)) throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.ExpectLogits)}", $"{ExpectLogits}: no such .npy file.");
        return this;
    }
}

/// <summary>The written folder and its card; the time to read and build the model, and the whole import's.</summary>
public sealed record ModelImportResult(string Folder, ModelCard Card, double BuildSeconds, double TotalSeconds);

/// <summary>
/// Imports a model trained elsewhere: reads and builds it (<see cref="ModelSource"/>), evaluates it on the MNIST test set
/// (accuracy for 10 logits, reconstruction error for a VAE: an import whose evaluation cannot be computed fails),
/// compares its outputs with logits saved in PyTorch when given, and only then writes the model folder.
/// </summary>
public static class ModelImport
{
    public static ModelImportResult Run(ModelImportOptions options, LabeledImages test, IProgressSink? progress = null)
    {
        options = options.Validated();
        progress ??= ProgressSink.None;
        var clock = Stopwatch.StartNew();
        string sourceSha = ModelFolder.Sha256(StateDictFile.ReadAll(options.From));
        var built = ModelSource.Build(options.From, options.Arch, options.Kind, test.Images, options.Output, options.Key, options.Normalize);
        using var model = built.Model;
        double buildSeconds = clock.Elapsed.TotalSeconds;
        var input = (Tensor images) => ModelInputs.Prepare(built.Spec, images, t => throw new MnistLabException($"{options.From}: the model reads the outputs of '{t}'."));

        var (evaluation, outputs) = Evaluate(options.From, model, input, test, progress);
        using var _ = outputs;
        var notes = new List<string>(built.Notes ?? []);
        if (built.Normalize is null && built.Spec.Input == ModelInput.Image && evaluation.Accuracy is { } accuracy && accuracy < UsualAccuracy)
            notes.Add(NormalizationDoubt(options.From, model, input, test, accuracy, progress));
        LogitsCheck? check = options.ExpectLogits is null ? null : Compare(options.ExpectLogits, outputs, options.Tolerance);

        var points = MnistLab.Models.Activations.PointsOf(model).Select(p => p.Name).ToList();
        long parameters = ModelSummary.ParameterCount(model);
        var card = new ModelCard(ModelCard.CurrentFormat, LabVersion.Current, Path.GetFullPath(options.From), sourceSha, built.Format.ToString().ToLowerInvariant(),
            built.Architecture, built.Kind, built.Normalize, points, parameters, evaluation, check, "", "", 0, built.Spec, notes.Count > 0 ? notes : null);
        card = card with { ImportSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        card = ModelFolder.Write(options.Out, model, card);
        return new ModelImportResult(options.Out, card, buildSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Below this test accuracy an MNIST classifier is suspect: the simplest linear model reaches 92%.</summary>
    const double UsualAccuracy = 0.9;

    /// <summary>MNIST's usual normalisation (torchvision's tutorials), the one most often left in a data pipeline.</summary>
    public static readonly Normalization UsualMnist = new([0.1307], [0.3081]);

    /// <summary>
    /// What to say of a classifier far below the usual accuracy that was imported without a normalisation: its accuracy
    /// with MNIST's usual one measured, so the user sees whether the model expected it.
    /// </summary>
    static string NormalizationDoubt(string source, Module<Tensor, Tensor> model, Func<Tensor, Tensor> input, LabeledImages test, double accuracy, IProgressSink progress)
    {
        var (normalized, outputs) = Evaluate(source, model, x => input((x - UsualMnist.Mean[0]) / UsualMnist.Std[0]), test, progress);
        outputs.Dispose();
        double with = normalized.Accuracy!.Value;
        return with > accuracy + 0.05
            ? $"test accuracy {accuracy:P2} without normalisation, {with:P2} with MNIST's usual one: did the model expect normalised input? Import it with --normalize {UsualMnist}"
            : $"test accuracy {accuracy:P2}, far below what an MNIST classifier usually reaches (MNIST's usual normalisation gives {with:P2}); if the model was trained on normalised input, give its mean and std with --normalize MEAN,STD";
    }

    /// <summary>The model's outputs for every test image, flattened per image, and what they say about it.</summary>
    static (TestEvaluation, Tensor) Evaluate(string source, Module<Tensor, Tensor> model, Func<Tensor, Tensor> input, LabeledImages test, IProgressSink progress)
    {
        const int batch = 1000;
        var rows = new List<Tensor>();
        using (var task = progress.Start("evaluating on the MNIST test set", test.Count))
        using (no_grad())
        {
            for (int start = 0; start < test.Count; start += batch)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batch, test.Count - start);
                rows.Add(model.call(input(test.Images.narrow(0, start, n))).reshape(n, -1).to_type(ScalarType.Float32).DetachFromDisposeScope());
                task.Advance(n);
            }
        }
        using var scope2 = NewDisposeScope();
        var all = cat(rows, 0);
        foreach (var r in rows) r.Dispose();
        if (!all.isfinite().all().item<bool>()) throw new DataFormatException($"{source}: the model's outputs on the MNIST test set are not all finite.");
        long width = all.shape[1];
        TestEvaluation evaluation;
        if (width == 10)
        {
            double accuracy = all.argmax(1).eq(test.Labels).to_type(ScalarType.Float64).mean().item<double>();
            evaluation = new TestEvaluation(test.Count, Math.Round(accuracy, 6), null);
        }
        else if (width == 784 && all.min().item<float>() >= 0 && all.max().item<float>() <= 1)
        {
            var x = test.Images.reshape(test.Count, -1);
            double bce = functional.binary_cross_entropy(all, x, reduction: Reduction.Sum).item<float>() / (double)test.Count;
            evaluation = new TestEvaluation(test.Count, null, Math.Round(bce, 4));
        }
        else throw new DataFormatException($"{source}: the model gives {width} values per image; the test evaluation needs 10 logits (a classifier) or 784 pixels in [0, 1] (a reconstruction).");
        return (evaluation, all.MoveToOuterDisposeScope());
    }

    static LogitsCheck Compare(string path, Tensor outputs, double tolerance)
    {
        var expected = NpyReader.Read(path);
        if (expected.Rows < 1 || expected.Rows > outputs.shape[0] || expected.RowLength != outputs.shape[1])
            throw new DataFormatException($"{path}: holds shape ({string.Join(", ", expected.Shape)}); the model gives {outputs.shape[1]} values for each of up to {outputs.shape[0]} test images.");
        using var scope = NewDisposeScope();
        var want = tensor(expected.Values, [expected.Rows, expected.RowLength]);
        double max = (outputs.narrow(0, 0, expected.Rows) - want).abs().max().item<float>();
        if (!(max <= tolerance))
            throw new MnistLabException($"{path}: the imported model's outputs differ from these by up to {max:G3} on the first {expected.Rows} test images, more than the tolerance {tolerance:G3}.");
        return new LogitsCheck(Path.GetFullPath(path), (int)expected.Rows, max, tolerance);
    }
}
