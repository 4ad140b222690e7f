using System.Security.Cryptography;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// A model folder: <c>model.json</c> (the <see cref="ModelCard"/>) and the weights in TorchSharp's format
/// (<c>weights.dat</c>), or for a TorchScript model the script (<c>model.torchscript.pt</c>). Written whole or not at all:
/// the files go to a staging folder beside it, renamed into place at the end.
/// </summary>
public static class ModelFolder
{
    public const string WeightsFile = "weights.dat", ScriptFile = "model.torchscript.pt";

    /// <summary>
    /// Reads a folder written by <see cref="Write"/> (the weights must match the card's SHA-256) into its module, in eval
    /// mode, and its card. Analyses load it as a <see cref="LoadedModel"/> (<see cref="LoadedModel.FromFolder"/>).
    /// </summary>
    internal static (Module<Tensor, Tensor> Model, ModelCard Card) Read(string folder)
    {
        string cardPath = Path.Combine(folder, ModelCard.FileName);
        if (!File.Exists(cardPath)) throw new MnistLabException($"{folder}: not a model folder (no {ModelCard.FileName}; write one with 'mnistlab model import').");
        ModelCard? card;
        try { card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(cardPath), Json.Options); }
        catch (Exception e) when (e is JsonException or NotSupportedException) { throw new DataFormatException($"{cardPath}: not a valid model card ({e.Message.Split(" Path:")[0].TrimEnd('.')})."); }
        if (card is null || card.Spec is null || card.WeightsFile is null || card.WeightsSha256 is null) throw new DataFormatException($"{cardPath}: not a valid model card (spec or weights missing).");
        if (card.Format != ModelCard.CurrentFormat) throw new DataFormatException($"{cardPath}: card format {card.Format}, this MnistLab reads format {ModelCard.CurrentFormat}.");
        if (card.WeightsFile is not (WeightsFile or ScriptFile)) throw new DataFormatException($"{cardPath}: weights file '{card.WeightsFile}' is not one a model folder holds.");
        string weights = Path.Combine(folder, card.WeightsFile);
        byte[] bytes = StateDictFile.ReadAll(weights);
        if (Sha256(bytes) != card.WeightsSha256) throw new DataFormatException($"{weights}: its SHA-256 differs from the one in {ModelCard.FileName}: the file is damaged or was replaced.");

        var spec = WithScriptFile(card.Spec, weights);
        var model = spec.Create();
        try
        {
            if (Script(model) is null)
            {
                try { model.load(new MemoryStream(bytes, writable: false)); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
                {
                    throw new DataFormatException($"{weights}: does not fit the model the card describes ({e.Message}).");
                }
            }
            model.eval();
            return (model, card);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="model"/> and its card (with the weights' name and hash filled in) as <paramref name="folder"/>, atomically.</summary>
    public static ModelCard Write(string folder, Module<Tensor, Tensor> model, ModelCard card)
    {
        string full = Path.GetFullPath(folder);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new InvalidOptionException("out", $"{folder}: the folder exists and is not empty; name a new folder.");
        if (File.Exists(full)) throw new InvalidOptionException("out", $"{folder}: is a file, expected a folder.");
        string parent = Path.GetDirectoryName(full)!;
        string staging = Path.Combine(parent, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(staging);
            var script = Script(model);
            string weightsName = script is null ? WeightsFile : ScriptFile;
            string weights = Path.Combine(staging, weightsName);
            // A normalised script holds no weights besides the script's: its statistics are in the card.
            if (script is not null) jit.save(script.Script, weights);
            else model.save(weights);
            card = card with
            {
                WeightsFile = weightsName,
                WeightsSha256 = Sha256(File.ReadAllBytes(weights)),
                Spec = WithScriptFile(card.Spec, weightsName),
            };
            File.WriteAllText(Path.Combine(staging, ModelCard.FileName), Json.Serialize(card));
            if (Directory.Exists(full)) Directory.Delete(full);
            Directory.Move(staging, full);
            return card;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw AtomicFile.CannotWrite(folder, e);
        }
        finally
        {
            try { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The TorchScript model that a folder's script file holds, normalised or not; null for any other model.</summary>
    static TorchScriptModel? Script(Module<Tensor, Tensor> model) => model as TorchScriptModel ?? (model as NormalizedModel)?.Model as TorchScriptModel;

    static ModelSpec WithScriptFile(ModelSpec spec, string file) => spec switch
    {
        TorchScriptSpec ts => ts with { File = file },
        NormalizedSpec n => n with { Model = WithScriptFile(n.Model, file) },
        _ => spec,
    };

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
