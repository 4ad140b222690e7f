using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using MnistLab.Common;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MnistLab.Import;

/// <summary>
/// Reads state_dicts: torch.save's zip format (unpickled by TorchSharp.PyBridge, after <see cref="TorchZip"/> has
/// checked the archive), safetensors (read by TorchSharp.PyBridge after <see cref="SafetensorsHeader"/> has checked the
/// header against the file), and the parameters and buffers of a TorchScript file (loaded by libtorch through
/// torch.jit.load). Every defect is one <see cref="DataFormatException"/> naming the file, a parameter or buffer that
/// holds NaN or ±inf included (<see cref="StateDict.Finite"/>).
/// </summary>
public static class StateDictFile
{
    /// <summary>The names under which training scripts usually save the model's state_dict beside the optimiser's, in the order tried.</summary>
    public static readonly IReadOnlyList<string> CheckpointKeys = ["model", "state_dict", "model_state_dict", "net"];

    /// <summary>
    /// The state_dict in a torch.save file: the file's dict itself, or, for a training checkpoint
    /// (<c>{'model': sd, 'optimizer': ..., 'epoch': ...}</c>), the dict under <paramref name="key"/> or under the first of
    /// <see cref="CheckpointKeys"/> that holds one. Keys that all start with <c>module.</c> (a model wrapped in
    /// DataParallel) lose the prefix. What was done is said in the result's <see cref="StateDict.Notes"/>.
    /// </summary>
    public static StateDict ReadPyTorch(string path, string? key = null) => ReadPyTorch(path, TorchZip.Check(path, ReadAll(path)), key);

    internal static StateDict ReadPyTorch(string path, TorchZip zip, string? key = null)
    {
        if (zip.IsTorchScript)
        {
            if (key is not null) throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Key)}", $"{path}: is a TorchScript file; --key picks the state_dict inside a torch.save dict.");
            return ReadTorchScript(path, zip);
        }
        if (!zip.Entries.Contains(zip.Root + "/data.pkl")) throw new DataFormatException($"{path}: not a torch.save file (no data.pkl in the archive).");
        Hashtable table;
        using var scope = NewDisposeScope();
        try { table = PyTorchUnpickler.UnpickleStateDict(new MemoryStream(zip.Bytes, writable: false)); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The unpickler reports a damaged or foreign pickle with whatever its parser hit (casts, keys, pickle errors).
            throw new DataFormatException($"{path}: not a PyTorch state_dict ({Explain(e)}).");
        }
        var notes = new List<string>();
        var (chosen, where) = Choose(path, table, key);
        if (where is not null) notes.Add($"the state_dict is the entry '{ErrorText.Printable(where)}' of the saved dict");
        var tensors = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in chosen)
        {
            string inside = where is null ? "" : $" of '{ErrorText.Printable(where)}'";
            if (entry.Key is not string name || entry.Value is not Tensor t)
                throw new DataFormatException($"{path}: not a PyTorch state_dict (entry '{ErrorText.Printable($"{entry.Key}")}'{inside} is a {Describe(entry.Value)}, not a tensor).");
            tensors[name] = t.DetachFromDisposeScope();
        }
        if (tensors.Count == 0) throw new DataFormatException($"{path}: the state_dict holds no tensors.");
        return WithoutDataParallelPrefix(new StateDict(path, tensors, notes)).Finite();
    }

    /// <summary>The dict that holds the tensors, and the key it was found under (null for the file's own dict).</summary>
    static (Hashtable Table, string? Key) Choose(string path, Hashtable table, string? key)
    {
        var nested = table.Cast<DictionaryEntry>().Where(e => e.Key is string && e.Value is Hashtable).ToDictionary(e => (string)e.Key, e => (Hashtable)e.Value!);
        if (key is not null)
        {
            if (nested.TryGetValue(key, out var named)) return (named, key);
            throw new InvalidOptionException($"{nameof(ModelImportOptions)}.{nameof(ModelImportOptions.Key)}", $"{path}: the saved dict has no dict entry '{ErrorText.Printable(key)}'; its entries are {Entries(table)}.");
        }
        if (table.Values.Cast<object?>().All(v => v is Tensor)) return (table, null);
        foreach (var candidate in CheckpointKeys)
            if (nested.TryGetValue(candidate, out var found) && found.Count > 0 && found.Values.Cast<object?>().All(v => v is Tensor)) return (found, candidate);
        throw new DataFormatException($"{path}: a saved dict of {Entries(table)}, with no state_dict under the usual names ({string.Join(", ", CheckpointKeys)}); name the entry that holds it with --key NAME.");
    }

    /// <summary>The same tensors without the <c>module.</c> that DataParallel and DistributedDataParallel put before every key.</summary>
    static StateDict WithoutDataParallelPrefix(StateDict sd)
    {
        const string prefix = "module.";
        if (!sd.Tensors.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal))) return sd;
        return new StateDict(sd.Source, sd.Tensors.ToDictionary(t => t.Key[prefix.Length..], t => t.Value),
            [.. sd.Notes, "the 'module.' prefix of a DataParallel model was removed from every key"]);
    }

    static string Entries(Hashtable table) =>
        ErrorText.Printable(string.Join(", ", table.Cast<DictionaryEntry>().OrderBy(e => $"{e.Key}", StringComparer.Ordinal).Take(12).Select(e => $"'{e.Key}' ({Describe(e.Value)})")) + (table.Count > 12 ? $", ... ({table.Count} in all)" : ""));

    static string Describe(object? value) => value switch
    {
        null => "None",
        Tensor => "tensor",
        Hashtable h => $"dict of {h.Count}",
        string => "string",
        IList l => $"list of {l.Count}",
        _ => value.GetType().Name switch { "Int32" or "Int64" => "int", "Double" => "float", "Boolean" => "bool", var n => n },
    };

    public static StateDict ReadSafetensors(string path)
    {
        byte[] bytes = ReadAll(path);
        SafetensorsHeader.Check(path, bytes);
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> loaded;
        try { loaded = Safetensors.LoadStateDict(new MemoryStream(bytes, writable: false)); }
        catch (Exception e) when (e is not OutOfMemoryException) { throw new DataFormatException($"{path}: not a valid safetensors file ({Explain(e)})."); }
        return WithoutDataParallelPrefix(new StateDict(path, loaded.ToDictionary(t => t.Key, t => t.Value.DetachFromDisposeScope()))).Finite();
    }

    /// <summary>The parameters and buffers of a TorchScript file, by their names in the scripted module.</summary>
    public static StateDict ReadTorchScript(string path) => ReadTorchScript(path, TorchZip.Check(path, ReadAll(path)));

    static StateDict ReadTorchScript(string path, TorchZip zip)
    {
        using var script = TorchScriptFile.Load(path, zip);
        using var scope = NewDisposeScope();
        var tensors = script.state_dict().ToDictionary(t => t.Key, t => t.Value.detach().clone().DetachFromDisposeScope());
        return new StateDict(path, tensors).Finite();
    }

    internal static byte[] ReadAll(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new MnistLabException($"{path}: cannot read the file ({e.Message})."); }
    }

    internal static string Explain(Exception e) => ErrorText.Printable($"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim().TrimEnd('.')}");
}

/// <summary>
/// The safetensors header checked against the file, as the format's reference reader checks it: an 8-byte
/// little-endian length, that many bytes of a UTF-8 JSON object, then the data, which the tensors' data_offsets must
/// cover exactly, in order, without gaps or overlaps, each as long as its dtype and shape say. TorchSharp.PyBridge
/// reads the tensors but trusts the header (a damaged length alone would make it allocate gigabytes).
/// </summary>
public static class SafetensorsHeader
{
    public static readonly IReadOnlyDictionary<string, int> DTypeSizes = new Dictionary<string, int>
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Check(string path, byte[] bytes)
    {
        DataFormatException Bad(string what) => new($"{path}: not a valid safetensors file ({ErrorText.Printable(what)}).");
        if (bytes.Length < 8) throw Bad("shorter than its 8-byte header length");
        ulong length = BitConverter.ToUInt64(bytes, 0);
        if (length < 2 || length > (ulong)(bytes.Length - 8)) throw Bad($"header length {length} does not fit the file of {bytes.Length} bytes");
        long dataStart = 8 + (long)length, dataLength = bytes.Length - dataStart;
        // The format's header is UTF-8; JsonDocument would only find invalid bytes in a name when the name is read.
        try { Strict.GetString(bytes, 8, (int)length); }
        catch (DecoderFallbackException) { throw Bad("the header is not UTF-8"); }
        JsonDocument doc;
        try { doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(bytes, 8, (int)length)); }
        catch (JsonException e) { throw Bad($"the header is not JSON: {e.Message.Split(" Path:")[0].Split(". LineNumber")[0]}"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("the header is not a JSON object");
        var spans = new List<(long Begin, long End, string Name)>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                if (p.Value.ValueKind != JsonValueKind.Object || p.Value.EnumerateObject().Any(m => m.Value.ValueKind != JsonValueKind.String))
                    throw Bad("__metadata__ must map names to strings");
                continue;
            }
            var t = p.Value;
            if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
                || !t.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
                || !t.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
                || t.EnumerateObject().Count() != 3)
                throw Bad($"tensor '{p.Name}' needs exactly dtype, shape and data_offsets");
            if (!DTypeSizes.TryGetValue(dtype.GetString()!, out int size)) throw Bad($"tensor '{p.Name}' has unknown dtype '{dtype.GetString()}'");
            long count = 1;
            foreach (var d in shape.EnumerateArray())
            {
                if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0 || dim > int.MaxValue) throw Bad($"tensor '{p.Name}' has a bad shape");
                count = count * dim;
                if (count > int.MaxValue) throw Bad($"tensor '{p.Name}' is too large");
            }
            long[] o = offsets.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long v) ? v : -1).ToArray();
            if (o[0] < 0 || o[1] < o[0] || o[1] > dataLength) throw Bad($"tensor '{p.Name}' has data_offsets [{o[0]}, {o[1]}] outside the {dataLength} data bytes");
            if (o[1] - o[0] != count * size) throw Bad($"tensor '{p.Name}' spans {o[1] - o[0]} bytes, its dtype and shape need {count * size}");
            spans.Add((o[0], o[1], p.Name));
        }
        if (spans.Select(s => s.Name).Distinct().Count() != spans.Count) throw Bad("a tensor name appears twice");
        long at = 0;
        foreach (var s in spans.OrderBy(s => s.Begin).ThenBy(s => s.End))
        {
            if (s.Begin != at) throw Bad(s.Begin < at ? $"tensor '{s.Name}' overlaps another" : $"{s.Begin - at} data bytes before tensor '{s.Name}' belong to no tensor");
            at = s.End;
        }
        if (at != dataLength) throw Bad($"{dataLength - at} bytes after the last tensor belong to no tensor");
        if (spans.Count == 0) throw Bad("it holds no tensors");
    }
}
