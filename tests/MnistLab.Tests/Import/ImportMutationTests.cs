using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Import;

/// <summary>
/// Thousands of random mutations of each model format, as <see cref="Data.ReaderMutationTests"/> does for the data
/// readers. Each must end in an error that names the file, or in a read equal to what an independent reading of the
/// damaged bytes says the file holds: never a crash, a hang, or silently different weights.
/// </summary>
public class ImportMutationTests
{
    static void Fuzz(int cases, TimeSpan limit, Action<int, Random> body)
    {
        var rng = new Random(2025);
        var run = Task.Run(() => { for (int i = 0; i < cases; i++) body(i, rng); });
        Assert.True(run.Wait(limit), "a reader hung on a mutated file");
        run.GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="read"/>; null if it refused the file with an error naming it, else what it read.</summary>
    static T? ReadOrRefuse<T>(string path, Func<T> read) where T : class
    {
        try { return read(); }
        catch (MnistLabException e)
        {
            Assert.Contains(path, e.Message);
            Assert.DoesNotContain('\n', e.Message);
            return null;
        }
    }

    /// <summary>Every tensor as (dtype, shape, raw bytes), by name: what a state_dict holds, compared exactly.</summary>
    static Dictionary<string, (string DType, long[] Shape, byte[] Bytes)> Contents(StateDict sd) =>
        sd.Tensors.ToDictionary(t => t.Key, t => (t.Value.dtype.ToString(), t.Value.shape, t.Value.contiguous().bytes.ToArray()));

    static void AssertSame(Dictionary<string, (string DType, long[] Shape, byte[] Bytes)> expected, Dictionary<string, (string DType, long[] Shape, byte[] Bytes)> got, string what)
    {
        Assert.Equal(expected.Keys.Order(), got.Keys.Order());
        foreach (var (key, e) in expected)
        {
            Assert.True(e.DType == got[key].DType, $"{what}: {key} is {got[key].DType}, expected {e.DType}");
            Assert.Equal(e.Shape, got[key].Shape);
            Assert.True(e.Bytes.AsSpan().SequenceEqual(got[key].Bytes), $"{what}: {key} holds other values");
        }
    }

    // ---- torch.save zip -------------------------------------------------------------------------------
    // Every byte of an entry is guarded by its CRC-32, so a damaged archive that still reads must read as the original.

    [Fact]
    public void Torch_save_state_dicts()
    {
        using var dir = new TempDir();
        byte[] original = File.ReadAllBytes(ModelFixtures.File("zoo.pt"));
        using var reference = StateDictFile.ReadPyTorch(ModelFixtures.File("zoo.pt"));
        var expected = Contents(reference);
        string path = dir.File("mutant.pt");
        int accepted = 0;
        Fuzz(2000, TimeSpan.FromMinutes(2), (_, rng) =>
        {
            File.WriteAllBytes(path, Mutations.Apply(original, rng, headerBytes: 128));
            using var scope = NewDisposeScope();
            using var read = ReadOrRefuse(path, () => StateDictFile.ReadPyTorch(path));
            if (read is null) return;
            accepted++;
            AssertSame(expected, Contents(read), path);
        });
        Assert.InRange(accepted, 1, 1999); // some mutations (a flipped timestamp, appended bytes) leave the content intact
    }

    [Fact]
    public void TorchScript_archives()
    {
        using var dir = new TempDir();
        byte[] original = File.ReadAllBytes(ModelFixtures.File("zoo.torchscript.pt"));
        using var reference = StateDictFile.ReadTorchScript(ModelFixtures.File("zoo.torchscript.pt"));
        var expected = Contents(reference);
        string path = dir.File("mutant.torchscript.pt");
        Fuzz(1000, TimeSpan.FromMinutes(2), (_, rng) =>
        {
            File.WriteAllBytes(path, Mutations.Apply(original, rng, headerBytes: 128));
            using var scope = NewDisposeScope();
            using var read = ReadOrRefuse(path, () => StateDictFile.ReadTorchScript(path));
            if (read is not null) AssertSame(expected, Contents(read), path);
        });
    }

    // ---- safetensors ------------------------------------------------------------------------------------

    static readonly Dictionary<string, (int Size, string DType)> SafeTypes = new()
    {
        ["F64"] = (8, "Float64"), ["F32"] = (4, "Float32"), ["F16"] = (2, "Float16"), ["BF16"] = (2, "BFloat16"), ["I64"] = (8, "Int64"),
        ["I32"] = (4, "Int32"), ["I16"] = (2, "Int16"), ["I8"] = (1, "Int8"), ["U8"] = (1, "Byte"), ["BOOL"] = (1, "Bool"),
    };

    /// <summary>A plain reading of the safetensors layout: the tensors the bytes hold, or null if they break the format or hold a non-finite weight.</summary>
    static Dictionary<string, (string DType, long[] Shape, byte[] Bytes)>? OracleSafetensors(byte[] b)
    {
        if (b.Length < 8) return null;
        ulong n = BitConverter.ToUInt64(b, 0);
        if (n < 2 || n > (ulong)(b.Length - 8)) return null;
        JsonObject? header;
        try { header = JsonNode.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(b, 8, (int)n)) as JsonObject; }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or DecoderFallbackException) { return null; }
        if (header is null) return null;
        var data = b.AsSpan(8 + (int)n);
        var result = new Dictionary<string, (string, long[], byte[])>();
        var used = new List<(long, long)>();
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    if (node is not JsonObject meta || meta.Any(m => m.Value?.GetValueKind() != JsonValueKind.String)) return null;
                    continue;
                }
                if (node is not JsonObject t || t.Count != 3 || t["dtype"]?.GetValueKind() != JsonValueKind.String || t["shape"] is not JsonArray shape || t["data_offsets"] is not JsonArray offsets || offsets.Count != 2) return null;
                if (!SafeTypes.TryGetValue(t["dtype"]!.GetValue<string>(), out var type)) return null;
                var dims = shape.Select(d => d is JsonValue v && v.TryGetValue(out long x) && x >= 0 ? x : -1).ToArray();
                var off = offsets.Select(d => d is JsonValue v && v.TryGetValue(out long x) ? x : -1).ToArray();
                if (dims.Any(d => d < 0) || off.Any(o => o < 0) || off[0] > off[1] || off[1] > data.Length) return null;
                long count = dims.Aggregate(1L, (a, x) => a * x);
                if (off[1] - off[0] != count * type.Size) return null;
                used.Add((off[0], off[1]));
                result[name] = (type.DType, dims, data[(int)off[0]..(int)off[1]].ToArray());
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException) { return null; } // duplicate names
        long at = 0;
        foreach (var (from, to) in used.OrderBy(u => u.Item1).ThenBy(u => u.Item2))
        {
            if (from != at) return null;
            at = to;
        }
        return at == data.Length && result.Count > 0 && result.Values.All(t => Finite(t.Item1, t.Item3)) ? result : null;
    }

    /// <summary>False if the raw little-endian values of a floating-point tensor hold NaN or ±inf (all exponent bits set).</summary>
    static bool Finite(string dtype, byte[] b) => dtype switch
    {
        "Float64" => Enumerable.Range(0, b.Length / 8).All(i => (BitConverter.ToUInt64(b, 8 * i) & 0x7FF0_0000_0000_0000) != 0x7FF0_0000_0000_0000),
        "Float32" => Enumerable.Range(0, b.Length / 4).All(i => (BitConverter.ToUInt32(b, 4 * i) & 0x7F80_0000) != 0x7F80_0000),
        "Float16" => Enumerable.Range(0, b.Length / 2).All(i => (BitConverter.ToUInt16(b, 2 * i) & 0x7C00) != 0x7C00),
        "BFloat16" => Enumerable.Range(0, b.Length / 2).All(i => (BitConverter.ToUInt16(b, 2 * i) & 0x7F80) != 0x7F80),
        _ => true,
    };

    [Fact]
    public void Safetensors_files()
    {
        using var dir = new TempDir();
        byte[] original = File.ReadAllBytes(ModelFixtures.File("zoo.safetensors"));
        Assert.NotNull(OracleSafetensors(original));
        string path = dir.File("mutant.safetensors");
        Fuzz(2000, TimeSpan.FromMinutes(1), (_, rng) =>
        {
            byte[] bytes = Mutations.Apply(original, rng, headerBytes: 16);
            File.WriteAllBytes(path, bytes);
            var expected = OracleSafetensors(bytes);
            using var scope = NewDisposeScope();
            using var read = ReadOrRefuse(path, () => StateDictFile.ReadSafetensors(path));
            if (expected is null) Assert.True(read is null, $"{path}: damaged file read without an error");
            else
            {
                Assert.True(read is not null, $"{path}: a valid file was refused");
                AssertSame(expected, Contents(read!), path);
            }
        });
    }

    // ---- ONNX -------------------------------------------------------------------------------------------
    // ONNX Runtime reads the same damaged bytes: where both accept them, the outputs must agree. Where only MnistLab
    // accepts them, the damage must be in what the conversion does not read (its outputs stay the original's).
    // Where only ONNX Runtime accepts them, MnistLab refuses something outside its operator subset: allowed.
    // zoo.onnx holds every layer; custom_ops.onnx the shape arithmetic folded at import and the operators beyond layers.

    [Theory]
    [InlineData("zoo.onnx", 1000)]
    [InlineData("custom_ops.onnx", 1000)]
    public void Onnx_files(string file, int cases)
    {
        using var dir = new TempDir();
        byte[] original = File.ReadAllBytes(ModelFixtures.File(file));
        const int n = 4;
        var rngImages = new Random(9);
        var images = Enumerable.Range(0, n * 784).Select(_ => (float)rngImages.NextDouble()).ToArray();
        var originalOutputs = OnnxRuntimeOracleTests.RunOrt(original, images, n);
        string path = dir.File("mutant.onnx");
        Fuzz(cases, TimeSpan.FromMinutes(3), (_, rng) =>
        {
            byte[] bytes = Mutations.Apply(original, rng, headerBytes: 64);
            File.WriteAllBytes(path, bytes);
            var ort = Ort(bytes, images, n) ?? Ort(Repaired(bytes, original), images, n);
            var ours = ReadOrRefuse(path, () => OnnxRuntimeOracleTests.RunConverted(path, images, n));
            if (ours is null) return;
            var reference = ort ?? originalOutputs;
            Assert.Equal(reference.Length, ours.Length);
            for (int i = 0; i < ours.Length; i++)
                Assert.True(Same(reference[i], ours[i]), $"{path}: output {i} is {ours[i]}, {(ort is null ? "the original model's" : "ONNX Runtime's")} is {reference[i]}");
        });
    }

    static float[]? Ort(byte[]? bytes, float[] images, int n)
    {
        if (bytes is null) return null;
        try { return OnnxRuntimeOracleTests.RunOrt(bytes, images, n); }
        catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or InvalidOperationException or ArgumentException or InvalidCastException or IndexOutOfRangeException or NotSupportedException) { return null; }
    }

    /// <summary>
    /// The damaged model with the fields the conversion does not read (the IR version, the producer, the graph's output
    /// types) put back as they were, so ONNX Runtime judges what the conversion judges; null if it no longer parses.
    /// </summary>
    static byte[]? Repaired(byte[] bytes, byte[] original)
    {
        try
        {
            var model = Onnx.ModelProto.Parser.ParseFrom(bytes);
            var reference = Onnx.ModelProto.Parser.ParseFrom(original);
            model.IrVersion = reference.IrVersion;
            model.ProducerName = reference.ProducerName;
            model.ProducerVersion = reference.ProducerVersion;
            if (model.Graph is null) return null;
            model.Graph.Output.Clear();
            model.Graph.Output.Add(reference.Graph.Output);
            return Google.Protobuf.MessageExtensions.ToByteArray(model);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException) { return null; }
    }

    static bool Same(float a, float b) => (float.IsNaN(a) && float.IsNaN(b)) || a == b || Math.Abs(a - b) <= 1e-4 * Math.Max(1, Math.Abs(a));

    // ---- architecture files -------------------------------------------------------------------------------

    /// <summary>Every value the file gives (layer by layer) is the value read: nothing dropped, defaulted or misread.</summary>
    static void AssertFaithful(JsonNode file, Architecture read, string what)
    {
        var back = JsonNode.Parse(Json.Serialize(read))!;
        foreach (var key in new[] { "input", "normalize" })
            if (file[key] is { } given) Assert.True(JsonNode.DeepEquals(Numbers(given), Numbers(back[key])), $"{what}: {key} read as {back[key]?.ToJsonString()}");
        var layers = file["layers"]!.AsArray();
        for (int i = 0; i < layers.Count; i++)
            foreach (var (name, value) in layers[i]!.AsObject())
                Assert.True(JsonNode.DeepEquals(Numbers(value), Numbers(back["layers"]![i]![name])), $"{what}: layer {i} {name} {value?.ToJsonString()} read as {back["layers"]![i]![name]?.ToJsonString()}");
    }

    /// <summary>A JSON value with every number as a double, and a pair of equal sizes as one number (kernel_size 3 = [3, 3]).</summary>
    static JsonNode? Numbers(JsonNode? node) => node switch
    {
        JsonArray a when a.Count == 2 && a.All(x => x is JsonValue) && a[0]!.GetValueKind() == JsonValueKind.Number && a[0]!.ToJsonString() == a[1]!.ToJsonString() && a.Parent is JsonObject => JsonValue.Create(a[0]!.GetValue<double>()),
        JsonArray a => new JsonArray(a.Select(Numbers).ToArray()),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Numbers(p.Value)))),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => JsonValue.Create(v.GetValue<double>()),
        _ => node?.DeepClone(),
    };

    [Fact]
    public void Architecture_files()
    {
        string original = File.ReadAllText(ModelFixtures.File("zoo.json"));
        var originalNode = JsonNode.Parse(original)!;
        var originalArch = Architecture.Parse(original, "zoo.json");
        const string source = "mutant.json";
        Fuzz(2000, TimeSpan.FromMinutes(1), (_, rng) =>
        {
            string text = Mutations.ApplyText(original, rng);
            JsonNode? node;
            // Duplicated names are ambiguous (which one holds?); JsonNode finds them when it builds its objects.
            try { node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }); }
            catch (Exception e) when (e is JsonException or ArgumentException) { node = null; }
            var read = ReadOrRefuse(source, () => Architecture.Parse(text, source));
            if (node is null) Assert.True(read is null, "text that is not JSON was read");
            else if (JsonNode.DeepEquals(node, originalNode))
            {
                Assert.True(read is not null, "the same JSON, spaced differently, was refused");
                Assert.Equal(Json.Serialize(originalArch), Json.Serialize(read));
            }
            else if (read is not null) AssertFaithful(node, read, text);
        });
    }
}
