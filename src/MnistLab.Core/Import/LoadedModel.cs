using MnistLab.Common;
using MnistLab.Models;
using MnistLab.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// The one loaded model every analysis reads: the module (eval mode), what it reads for MNIST images, its spec, where it
/// came from, and for an imported model its card. It owns the module and any model it is stacked on, and frees them
/// on dispose. Load one with <see cref="FromCheckpoint"/> (a <c>.ckpt</c> of any run), <see cref="FromFolder"/> (a
/// folder written by <c>mnistlab model import</c>) or <see cref="Load"/> (exactly one of the two).
/// </summary>
public sealed class LoadedModel : IDisposable
{
    readonly Func<string, Module<Tensor, Tensor>> _previous;
    readonly IReadOnlyCollection<Module<Tensor, Tensor>> _owned;

    readonly bool _ownsModel;

    LoadedModel(Module<Tensor, Tensor> model, ModelSpec spec, string path, string source, ModelCard? card,
        Func<string, Module<Tensor, Tensor>> previous, IReadOnlyCollection<Module<Tensor, Tensor>> owned, bool ownsModel = true)
    {
        _ownsModel = ownsModel;
        Model = model;
        Spec = spec;
        Path = path;
        Source = source;
        Card = card;
        _previous = previous;
        _owned = owned;
    }

    public Module<Tensor, Tensor> Model { get; }
    public ModelSpec Spec { get; }

    /// <summary>The checkpoint file or model folder, as the user named it.</summary>
    public string Path { get; }

    /// <summary>One line for reports: the file or folder's name, the kind of model and what it reads.</summary>
    public string Source { get; }

    /// <summary>The card of an imported model (where it came from, its test accuracy); null for a checkpoint.</summary>
    public ModelCard? Card { get; }

    /// <summary>
    /// What the model reads for images (N, 1, 28, 28) in [0, 1]: the images, the pixels and the ring bit, or the outputs
    /// of the training it is stacked on (loaded from the same run folder and run first).
    /// </summary>
    public Tensor Input(Tensor images) => ModelInputs.Prepare(Spec, images, _previous);

    /// <summary>A checkpoint file or a model folder: exactly one of them, checked to exist (a usage error otherwise).</summary>
    public static LoadedModel Load(string? checkpoint, string? folder)
    {
        if ((checkpoint is null) == (folder is null))
            throw new InvalidOptionException("model", "give a checkpoint file (a .ckpt written by any run) or a model folder (written by 'mnistlab model import'), one of them.");
        if (checkpoint is not null && !File.Exists(checkpoint)) throw new InvalidOptionException("checkpoint", $"{checkpoint}: no such file.");
        if (folder is not null && !Directory.Exists(folder)) throw new InvalidOptionException("model", $"{folder}: no such folder (write one with 'mnistlab model import').");
        return checkpoint is not null ? FromCheckpoint(checkpoint) : FromFolder(folder!);
    }

    /// <summary>
    /// A checkpoint's model. For a model stacked on another training of the same run (a greedy layer), that training's
    /// checkpoint is loaded from the same folder on first use and run first.
    /// </summary>
    public static LoadedModel FromCheckpoint(string path)
    {
        var model = Checkpoint.Read(path).LoadModel();
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var loaded = new Dictionary<string, Module<Tensor, Tensor>>();
        Module<Tensor, Tensor> Previous(string training)
        {
            if (loaded.TryGetValue(training, out var m)) return m;
            string file = System.IO.Path.Combine(folder, Checkpointing.FileName(training));
            if (!File.Exists(file)) throw new MnistLabException($"{path}: its model reads the outputs of '{training}', whose checkpoint {file} is missing.");
            return loaded[training] = Checkpoint.Read(file).LoadModel();
        }
        var spec = ((ILabModel)model).Spec;
        return new LoadedModel(model, spec, path, $"{System.IO.Path.GetFileName(path)} ({Kind(spec)}, input {spec.Input})", null, Previous, loaded.Values);
    }

    /// <summary>An imported model's folder (see <see cref="ModelFolder"/>); the weights are checked against the card.</summary>
    public static LoadedModel FromFolder(string folder)
    {
        var (model, card) = ModelFolder.Read(folder);
        string name = System.IO.Path.GetFileName(System.IO.Path.GetFullPath(folder).TrimEnd('/'));
        Module<Tensor, Tensor> NoPrevious(string training) =>
            throw new MnistLabException($"{folder}: the model reads the outputs of '{training}', which a model folder does not hold.");
        return new LoadedModel(model, card.Spec, folder, $"{name} (imported {Kind(card.Spec)}, input {card.Spec.Input})", card, NoPrevious, []);
    }

    /// <summary>
    /// A lab model this process holds (an experiment's own, mid-run), read through the same type as a loaded one; the
    /// caller keeps it: disposing the result does not free it. <paramref name="name"/> stands where a file would.
    /// </summary>
    public static LoadedModel Borrowed(Module<Tensor, Tensor> model, string name)
    {
        var spec = ((ILabModel)model).Spec;
        Module<Tensor, Tensor> NoPrevious(string training) =>
            throw new MnistLabException($"{name}: the model reads the outputs of '{training}', which a model held in memory does not carry.");
        return new LoadedModel(model, spec, name, $"{name} ({Kind(spec)}, input {spec.Input})", null, NoPrevious, [], ownsModel: false);
    }

    /// <summary>
    /// Refuses, before any work, a model whose output is not class scores for the image: a VAE, a local layer, a layer
    /// stacked on another training. <paramref name="purpose"/> says what needs the scores (<c>explain attributes a
    /// classifier's scores to the image</c>).
    /// </summary>
    public LoadedModel RequireClassifier(string purpose)
    {
        string? refusal = Spec switch
        {
            VaeSpec => "a VAE, whose output is a reconstruction, not class scores",
            LocalLayerSpec => "a local layer, whose outputs are features, not class scores",
            _ when Spec.Input.Kind == "output-of" => $"a layer stacked on '{Spec.Input.Training}', whose input is that training's output, not the image",
            _ => null,
        };
        return refusal is null ? this : throw new MnistLabException($"{Path}: {purpose}; this model is {refusal}.");
    }

    static string Kind(ModelSpec spec) => spec.GetType().Name.Replace("Spec", "");

    public void Dispose()
    {
        foreach (var m in _owned) m.Dispose();
        if (_ownsModel) Model.Dispose();
    }
}
