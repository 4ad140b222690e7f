using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistLab.Training;

/// <summary>One part of a checkpoint's payload, in file order.</summary>
public sealed record CheckpointSection(string Name, long Length);

/// <summary>
/// Where one training stands at the end of an epoch: its name, the epoch, its options, and the trainer's own
/// progress (history, running sums), which a resumed training continues from.
/// </summary>
public sealed record TrainingState(string Training, int Epoch, int Epochs, object Options, object Progress);

/// <summary>
/// What a checkpoint says about itself: the run it belongs to, which training, how far it got, the training's
/// options and the trainer's progress, as JSON.
/// </summary>
public sealed record CheckpointHeader(
    int Format, RunDescription? Run, string Training, int Epoch, int Epochs, string ModelType, JsonElement? Model,
    JsonElement TrainingOptions, JsonElement State, IReadOnlyList<CheckpointSection> Sections)
{
    public bool Complete => Epoch >= Epochs;
}

/// <summary>
/// A training's state at the end of an epoch in one self-checking file: weights in TorchSharp's format,
/// the optimiser's state, the generators' states, the epoch and the trainer's progress.
/// The header also holds the model's <see cref="ModelSpec"/>, so the file alone rebuilds the model (<see cref="LoadModel"/>).
/// Layout: a 16-byte magic, the header length (int32, little-endian), the header as UTF-8 JSON, the
/// sections' bytes, and the SHA-256 of everything before it. Any changed, missing or added byte is
/// refused on reading, so a checkpoint is either exactly what was written or an error naming the file.
/// </summary>
public sealed class Checkpoint
{
    public const int FormatVersion = 2;
    static readonly byte[] Magic = "MNISTLAB-CKPT-1\n"u8.ToArray();
    const int HashLength = 32, MaxHeader = 16 << 20;

    public CheckpointHeader Header { get; }
    public string Path { get; }
    readonly Dictionary<string, ArraySegment<byte>> _sections; // slices of the file's bytes, read once

    Checkpoint(string path, CheckpointHeader header, Dictionary<string, ArraySegment<byte>> sections)
    {
        Path = path;
        Header = header;
        _sections = sections;
    }

    /// <summary>Writes the state atomically: a kill at any moment leaves the previous file intact.</summary>
    public static void Write(string path, RunDescription? run, TrainingState state, nn.Module model,
        OptimizerHelper? optimizer, IReadOnlyDictionary<string, Generator> generators)
    {
        var sections = new List<(string Name, byte[] Bytes)> { ("model", Serialize(w => model.save(w))) };
        if (optimizer is not null) sections.Add(("optimizer", Serialize(optimizer.save_state_dict)));
        foreach (var (name, generator) in generators.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            using var s = generator.get_state();
            sections.Add(($"generator.{name}", s.bytes.ToArray()));
        }
        JsonElement? spec = model is ILabModel lab ? JsonSerializer.SerializeToElement(lab.Spec, Json.Options) : null;
        var header = new CheckpointHeader(FormatVersion, run, state.Training, state.Epoch, state.Epochs, model.GetType().Name, spec,
            JsonSerializer.SerializeToElement(state.Options, Json.Options), JsonSerializer.SerializeToElement(state.Progress, Json.Options),
            sections.Select(s => new CheckpointSection(s.Name, s.Bytes.LongLength)).ToList());
        byte[] headerBytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header, Json.Options));

        AtomicFile.Write(path, temp =>
        {
            using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Put(ReadOnlySpan<byte> bytes) { file.Write(bytes); hash.AppendData(bytes); }
            Put(Magic);
            Span<byte> length = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, headerBytes.Length);
            Put(length);
            Put(headerBytes);
            foreach (var (_, bytes) in sections) Put(bytes);
            file.Write(hash.GetHashAndReset());
            file.Flush(flushToDisk: true);
        });
    }

    /// <summary>Reads and verifies a checkpoint; every defect is a <see cref="DataFormatException"/> naming the file.</summary>
    public static Checkpoint Read(string path)
    {
        byte[] all;
        try { all = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MnistLabException($"{path}: cannot read the checkpoint ({e.Message}).", e);
        }
        DataFormatException Bad(string what) => new($"{path}: not a valid MnistLab checkpoint ({what}).");

        if (all.Length < Magic.Length + 4 + HashLength || !all.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Bad($"it does not start with the checkpoint signature, or is shorter than {Magic.Length + 4 + HashLength} bytes");
        int body = all.Length - HashLength;
        if (!SHA256.HashData(all.AsSpan(0, body)).AsSpan().SequenceEqual(all.AsSpan(body)))
            throw Bad("its SHA-256 does not match: the file is truncated or changed");
        int headerLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(all.AsSpan(Magic.Length, 4));
        int headerStart = Magic.Length + 4;
        if (headerLength <= 0 || headerLength > MaxHeader || headerLength > body - headerStart)
            throw Bad($"header length {headerLength} does not fit the file");

        CheckpointHeader? header;
        try { header = JsonSerializer.Deserialize<CheckpointHeader>(all.AsSpan(headerStart, headerLength), Json.Options); }
        catch (JsonException e) { throw Bad($"unreadable header: {e.Message}"); }
        if (header is null || header.Sections is null || header.Training is null || header.ModelType is null)
            throw Bad("the header lacks its fields");
        if (header.Format != FormatVersion) throw Bad($"format {header.Format}, this MnistLab reads format {FormatVersion}; run the experiment again to write it anew");
        if (header.Epoch < 1 || header.Epoch > header.Epochs) throw Bad($"epoch {header.Epoch} of {header.Epochs}");

        var sections = new Dictionary<string, ArraySegment<byte>>();
        long offset = headerStart + headerLength;
        foreach (var s in header.Sections)
        {
            if (s.Name is null || s.Length < 0 || s.Length > body - offset || !sections.TryAdd(s.Name, new ArraySegment<byte>(all, (int)offset, (int)s.Length)))
                throw Bad($"section '{s.Name}' does not fit the file or is repeated");
            offset += s.Length;
        }
        if (offset != body) throw Bad($"{body - offset} bytes after the last section");
        if (!sections.ContainsKey("model")) throw Bad("no model section");
        return new Checkpoint(path, header, sections);
    }

    /// <summary>Puts the saved weights, optimiser state and generator states back into live objects.</summary>
    public void Restore(nn.Module model, OptimizerHelper? optimizer, IReadOnlyDictionary<string, Generator> generators)
    {
        if (model.GetType().Name != Header.ModelType)
            throw new DataFormatException($"{Path}: holds a {Header.ModelType}, expected a {model.GetType().Name} for '{Header.Training}'.");
        try
        {
            using (var reader = Reader("model")) model.load(reader);
            if (optimizer is not null)
                using (var reader = Reader("optimizer")) optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            throw new DataFormatException($"{Path}: does not fit the model of '{Header.Training}' ({e.Message}).");
        }
        foreach (var (name, generator) in generators)
        {
            using var state = tensor(Section($"generator.{name}").ToArray());
            generator.set_state(state);
        }
    }

    /// <summary>The spec of the model this checkpoint holds.</summary>
    public ModelSpec Spec
    {
        get
        {
            try
            {
                return Header.Model?.Deserialize<ModelSpec>(Json.Options)
                       ?? throw new DataFormatException($"{Path}: records no model spec ({Header.ModelType}), so it cannot be loaded on its own.");
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                throw new DataFormatException($"{Path}: its model spec cannot be read ({e.Message}).");
            }
        }
    }

    /// <summary>The model built from its spec with the saved weights, in eval mode.</summary>
    public nn.Module<Tensor, Tensor> LoadModel()
    {
        var model = Spec.Create();
        Restore(model, null, new Dictionary<string, Generator>());
        model.eval();
        return model;
    }

    /// <summary>What a trainer says when it continues from this checkpoint.</summary>
    public string ResumeMessage => Header.Complete
        ? $"{Header.Training}: finished training loaded from its checkpoint ({Header.Epochs} epoch(s))"
        : $"{Header.Training}: resumed after epoch {Header.Epoch} of {Header.Epochs}";

    /// <summary>The trainer's progress object, as it was saved.</summary>
    public T State<T>() =>
        Header.State.Deserialize<T>(Json.Options) ?? throw new DataFormatException($"{Path}: the training state is empty.");

    ArraySegment<byte> Section(string name) =>
        _sections.TryGetValue(name, out var bytes) ? bytes : throw new DataFormatException($"{Path}: has no '{name}' section.");

    BinaryReader Reader(string name)
    {
        var s = Section(name);
        return new BinaryReader(new MemoryStream(s.Array!, s.Offset, s.Count, writable: false));
    }

    static byte[] Serialize(Action<BinaryWriter> save)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) save(writer);
        return stream.ToArray();
    }
}
