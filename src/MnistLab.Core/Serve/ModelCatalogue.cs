using System.Text.Json;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Training;

namespace MnistLab.Serve;

/// <summary>A file or folder the catalogue found but does not serve, and why (not a classifier of images, unreadable).</summary>
public sealed record SkippedModel(string Source, string Reason);

/// <summary>
/// The models a server offers, by id: every checkpoint under the run folders (<c>checkpoints/*.ckpt</c> at any depth) and
/// every model folder under the model folders, each loaded once as a <see cref="LoadedModel"/>. Ids are made here from
/// the folder names (<c>runs/all/linearity/mlp_ce</c>, <c>models/cnn</c>); a client names a model only by its id, so no
/// path from a request reaches the file system.
/// </summary>
public sealed class ModelCatalogue : IDisposable
{
    readonly Dictionary<string, ServedModel> _byId;

    ModelCatalogue(IReadOnlyList<ServedModel> models, IReadOnlyList<SkippedModel> skipped)
    {
        Models = models;
        Skipped = skipped;
        _byId = models.ToDictionary(m => m.Id);
    }

    /// <summary>The served models, in the order found (run folders first, then model folders, each sorted by path).</summary>
    public IReadOnlyList<ServedModel> Models { get; }

    public IReadOnlyList<SkippedModel> Skipped { get; }

    /// <summary>The model with id <paramref name="id"/>; an unknown id is a <see cref="NotFoundException"/> listing the ids.</summary>
    public ServedModel Get(string? id) =>
        id is not null && _byId.TryGetValue(id, out var m) ? m
            : throw new NotFoundException($"no model '{id}'; the models are {(Models.Count == 0 ? "none" : string.Join(", ", Models.Select(x => x.Id)))}.");

    /// <summary>
    /// Finds and loads the models of <paramref name="options"/>. A folder that does not exist is an error naming it; a
    /// file that cannot be served (a VAE, a damaged checkpoint) is skipped with its reason, so one bad file does not
    /// keep the rest from being served.
    /// </summary>
    public static ModelCatalogue Build(ServeOptions options, Action<string>? log = null)
    {
        options.Validated();
        var found = new List<(string Id, string Path, bool IsCheckpoint)>();
        foreach (var dir in options.Runs)
        {
            string root = Path.GetFullPath(dir);
            string prefix = Name(root);
            foreach (var file in Directory.EnumerateFiles(root, "*.ckpt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var parts = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
                // Staging folders (.NAME.partial) hold the checkpoints of runs still going or killed: not a finished report's.
                if (parts.Any(p => p.StartsWith('.'))) continue;
                var segments = parts[..^1].Where(p => p != "checkpoints").Append(Path.GetFileNameWithoutExtension(file));
                found.Add((string.Join('/', segments.Prepend(prefix)), file, true));
            }
        }
        foreach (var dir in options.Models)
        {
            string root = Path.GetFullPath(dir);
            if (File.Exists(Path.Combine(root, ModelCard.FileName))) found.Add((Name(root), root, false));
            else
                foreach (var sub in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
                    if (!Name(sub).StartsWith('.') && File.Exists(Path.Combine(sub, ModelCard.FileName)))
                        found.Add(($"{Name(root)}/{Name(sub)}", sub, false));
        }

        var models = new List<ServedModel>();
        var skipped = new List<SkippedModel>();
        var ids = new HashSet<string>();
        foreach (var (id, path, isCheckpoint) in found)
        {
            // Two run folders of the same name (--runs a/runs --runs b/runs) can give one id twice: the later gets a number.
            string unique = id;
            for (int k = 2; !ids.Add(unique); k++) unique = $"{id}~{k}";
            LoadedModel? loaded = null;
            try
            {
                if (isCheckpoint)
                {
                    var header = Checkpoint.Read(path).Header;
                    loaded = LoadedModel.FromCheckpoint(path);
                    string source = $"{header.Run?.Experiment ?? "a run"}: training '{header.Training}', epoch {header.Epoch}/{header.Epochs}";
                    models.Add(ServedModel.Create(unique, loaded, Kind(loaded), source, null, LastValidationAccuracy(header)));
                }
                else
                {
                    loaded = LoadedModel.FromFolder(path);
                    var card = loaded.Card!;
                    models.Add(ServedModel.Create(unique, loaded, Kind(loaded), $"imported from {card.SourceFormat} {card.Source}", card.Test.Accuracy, null));
                }
                log?.Invoke($"model {unique}");
            }
            catch (Exception e) when (e is MnistLabException or IOException or UnauthorizedAccessException)
            {
                loaded?.Dispose();
                ids.Remove(unique);
                skipped.Add(new SkippedModel(path, e.Message));
                log?.Invoke($"not served: {path}: {e.Message}");
            }
        }
        return new ModelCatalogue(models, skipped);
    }

    static string Name(string folder) => Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));

    static string Kind(LoadedModel loaded) => loaded.Spec.GetType().Name.Replace("Spec", "");

    /// <summary>The validation accuracy a classifier's training recorded after its last saved epoch, if it recorded one.</summary>
    static double? LastValidationAccuracy(CheckpointHeader header)
    {
        var state = header.State;
        if (state.ValueKind == JsonValueKind.Object && state.TryGetProperty("epochs", out var epochs)) state = epochs;
        if (state.ValueKind != JsonValueKind.Array || state.GetArrayLength() == 0) return null;
        var last = state[state.GetArrayLength() - 1];
        return last.ValueKind == JsonValueKind.Object && last.TryGetProperty("val_acc", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
    }

    public void Dispose()
    {
        foreach (var m in Models) m.Dispose();
    }
}
