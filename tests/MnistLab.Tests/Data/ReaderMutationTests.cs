using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;

namespace MnistLab.Tests.Data;

/// <summary>
/// Thousands of random mutations of valid files, for every reader. Each must end in a clear error that
/// names the file, or in a read equal to what an independent, plain reading of the damaged bytes says the
/// file holds: never a crash, a hang, or a silently wrong data set.
/// </summary>
public class ReaderMutationTests
{
    const int Cases = 2000;

    /// <summary>Runs <paramref name="body"/> for every case, failing if the whole run does not end within a minute (a hang).</summary>
    static void Fuzz(Action<int, Random> body)
    {
        var rng = new Random(2024);
        var run = Task.Run(() => { for (int i = 0; i < Cases; i++) body(i, rng); });
        Assert.True(run.Wait(TimeSpan.FromMinutes(1)), "a reader hung on a mutated file");
        run.GetAwaiter().GetResult(); // rethrows the first failed assertion
    }

    /// <summary>The reader's outcome checked against the oracle: an error naming the file exactly when the oracle finds the bytes invalid.</summary>
    static void Check<T>(string path, Func<T> read, T? expected, Action<T, T> same) where T : class
    {
        T? got = null;
        MnistLabException? error = null;
        try { got = read(); }
        catch (MnistLabException e) { error = e; }
        if (expected is null)
        {
            Assert.True(error is not null, $"{path}: damaged file read without an error");
            Assert.Contains(path, error!.Message);
        }
        else
        {
            Assert.True(error is null, $"{path}: a valid file was refused: {error?.Message}");
            same(expected, got!);
        }
    }

    // ---- IDX ---------------------------------------------------------------------------------------

    static byte[]? OracleImages(byte[] b)
    {
        if (b.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(b) != IdxFile.ImagesMagic) return null;
        long count = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4)), rows = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(8)), cols = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(12));
        return count >= 0 && rows > 0 && cols > 0 && 16 + count * rows * cols == b.Length ? b[16..] : null;
    }

    static byte[]? OracleLabels(byte[] b)
    {
        if (b.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(b) != IdxFile.LabelsMagic) return null;
        long count = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4));
        return count >= 0 && 8 + count == b.Length ? b[8..] : null;
    }

    [Fact]
    public void Idx_image_and_label_files()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 20, test: 10);
        byte[] images = File.ReadAllBytes(Path.Combine(dir.Path, MnistFiles.TestImagesFile.Name));
        byte[] labels = File.ReadAllBytes(Path.Combine(dir.Path, MnistFiles.TestLabelsFile.Name));
        string path = dir.File("mutant-idx");
        Fuzz((i, rng) =>
        {
            bool isImages = i % 2 == 0;
            byte[] bytes = Mutations.Apply(isImages ? images : labels, rng, headerBytes: 16);
            File.WriteAllBytes(path, bytes);
            if (isImages)
                Check(path, () => IdxFile.ReadImages(path).Pixels, OracleImages(bytes), (e, g) => Assert.Equal(e, g));
            else
                Check(path, () => IdxFile.ReadLabels(path), OracleLabels(bytes), (e, g) => Assert.Equal(e, g));
        });
    }

    [Fact]
    public void Gzipped_idx_files()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 20, test: 10);
        byte[] images = File.ReadAllBytes(Path.Combine(dir.Path, MnistFiles.TestImagesFile.Name));
        using var packed = new MemoryStream();
        using (var gz = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(images);
        byte[] gzipped = packed.ToArray();
        string path = dir.File("mutant.gz");
        Fuzz((_, rng) =>
        {
            byte[] bytes = Mutations.Apply(gzipped, rng, headerBytes: 10);
            File.WriteAllBytes(path, bytes);
            // The oracle: what the damaged archive decompresses to, if it decompresses at all.
            byte[]? plain;
            try
            {
                using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var output = new MemoryStream();
                input.CopyTo(output);
                plain = bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b ? output.ToArray() : bytes;
            }
            catch (InvalidDataException) { plain = bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b ? null : bytes; }
            Check(path, () => IdxFile.ReadImages(path).Pixels, plain is null ? null : OracleImages(plain), (e, g) => Assert.Equal(e, g));
        });
    }

    [Fact]
    public void A_label_outside_0_to_9_in_a_well_formed_file_is_refused_by_the_mnist_loader()
    {
        using var dir = new TempDir();
        Digits.WriteIdxSet(dir.Path, train: 20, test: 10);
        string labels = Path.Combine(dir.Path, MnistFiles.TestLabelsFile.Name);
        byte[] bytes = File.ReadAllBytes(labels);
        bytes[8 + 3] = 10;
        File.WriteAllBytes(labels, bytes);
        var files = MnistLocator.TryFolder(dir.Path)!;
        var e = Assert.Throws<DataFormatException>(() => Mnist.Load(files));
        Assert.Contains("label 10 at index 3", e.Message);
    }

    // ---- .amat ---------------------------------------------------------------------------------------

    static (float[] Pixels, byte[] Labels)? OracleAmat(string text)
    {
        var pixels = new List<float>();
        var labels = new List<byte>();
        foreach (string line in text.Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var tokens = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length != 785) return null;
            var values = new float[785];
            for (int k = 0; k < 785; k++)
                if (!float.TryParse(tokens[k], NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]) || !float.IsFinite(values[k])) return null;
            if (values.Take(784).Any(v => v is < 0 or > 1)) return null;
            float label = values[784];
            if (label != MathF.Round(label) || label is < 0 or > 9) return null;
            pixels.AddRange(values.Take(784));
            labels.Add((byte)label);
        }
        return labels.Count == 0 ? null : (pixels.ToArray(), labels.ToArray());
    }

    sealed record AmatRead(float[] Pixels, byte[] Labels);

    [Fact]
    public void Amat_text_files()
    {
        using var set = Digits.SeparableSet(1, seed: 4);
        using var dir = new TempDir();
        Amat.Write(dir.File("ok.amat"), set);
        // Short rows keep the mutations landing in a few lines: pixels rounded as LISA's files give them.
        string original = File.ReadAllText(dir.File("ok.amat"));
        const string source = "mutant.amat";
        Fuzz((_, rng) =>
        {
            string text = Mutations.ApplyText(original, rng);
            var expected = OracleAmat(text);
            Check(source, () => { var (p, l) = Amat.Read(new StringReader(text), source); return new AmatRead(p, l); },
                expected is { } x ? new AmatRead(x.Pixels, x.Labels) : null,
                (e, g) => { Assert.Equal(e.Labels, g.Labels); Assert.Equal(e.Pixels, g.Pixels); });
        });
    }

    // ---- CSV ---------------------------------------------------------------------------------------

    sealed record CsvRead(float[] Values, string[] Labels);

    static CsvRead? OracleCsv(string text)
    {
        var lines = text.Split('\n');
        var names = lines[0].TrimEnd('\r').Split(',').Select(h => h.Trim()).ToArray();
        int label = Array.IndexOf(names, "label");
        if (label < 0 || names.Length < 2) return null;
        var values = new List<float>();
        var labels = new List<string>();
        foreach (string raw in lines.Skip(1))
        {
            string line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',');
            if (cells.Length != names.Length) return null;
            for (int k = 0; k < cells.Length; k++)
            {
                if (k == label) { labels.Add(cells[k].Trim()); continue; }
                if (!float.TryParse(cells[k], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v)) return null;
                values.Add(v);
            }
        }
        return labels.Count == 0 ? null : new CsvRead(values.ToArray(), labels.ToArray());
    }

    [Fact]
    public void Csv_feature_files()
    {
        using var dir = new TempDir();
        var rng0 = new Random(3);
        string original = "x,y,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i =>
            $"{(rng0.NextDouble() * 4 - 2).ToString("F3", CultureInfo.InvariantCulture)},{rng0.Next(0, 9)},{"abc"[i % 3]}\n"));
        string path = dir.File("mutant.csv");
        Fuzz((_, rng) =>
        {
            string text = Mutations.ApplyText(original, rng);
            File.WriteAllText(path, text);
            var expected = OracleCsv(text);
            Check(path, () =>
            {
                var t = CsvTable.Read(path, "label");
                // Labels come back as class indices in sorted order of the label strings; map back to compare.
                var names = t.Labels.Length == 0 ? [] : expected?.Labels.Distinct().Order(StringComparer.Ordinal).ToArray() ?? [];
                return new CsvRead(t.Values, t.Labels.Select(l => l < names.Length ? names[l] : "?").ToArray());
            }, expected, (e, g) => { Assert.Equal(e.Values, g.Values); Assert.Equal(e.Labels, g.Labels); });
        });
    }
}
