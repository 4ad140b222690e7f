using System.Globalization;
using System.IO.Compression;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>
/// LISA's "variations on MNIST" files (.amat): one image per line, 784 whitespace-separated floats in [0, 1]
/// then the label. Read from a folder, a single file, or straight out of the .zip archive.
/// </summary>
public static class Amat
{
    public const string TrainValidName = "mnist_all_background_images_rotation_normalized_train_valid.amat";
    public const string TestName = "mnist_all_background_images_rotation_normalized_test.amat";

    /// <summary>Reads rows of one .amat stream; <paramref name="source"/> names it in errors.</summary>
    public static (float[] Pixels, byte[] Labels) Read(TextReader reader, string source, bool transpose = false)
    {
        var pixels = new List<float>();
        var labels = new List<byte>();
        Span<float> row = stackalloc float[LabeledImages.Pixels];
        int line = 0;
        for (string? text; (text = reader.ReadLine()) is not null;)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var span = text.AsSpan();
            int field = 0;
            float label = 0;
            foreach (var range in span.SplitAny(" \t\r"))
            {
                var token = span[range];
                if (token.IsEmpty) continue;
                if (!float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new DataFormatException($"{source}, line {line}, field {field + 1}: '{token.ToString()}' is not a number.");
                if (field < LabeledImages.Pixels)
                {
                    // LISA's pixels are intensities in [0, 1]; anything else is damage, not data.
                    if (v is < 0 or > 1)
                        throw new DataFormatException($"{source}, line {line}, field {field + 1}: pixel {token.ToString()}, expected a value in [0, 1].");
                    row[field] = v;
                }
                else if (field == LabeledImages.Pixels) label = v;
                field++;
            }
            if (field != LabeledImages.Pixels + 1)
                throw new DataFormatException($"{source}, line {line}: {field} fields, expected 785 (784 pixels then the label).");
            if (label != MathF.Round(label) || label < 0 || label > 9)
                throw new DataFormatException($"{source}, line {line}: label {label}, expected a digit 0-9 as the 785th field.");
            labels.Add((byte)label);
            for (int p = 0; p < LabeledImages.Pixels; p++)
                pixels.Add(transpose ? row[(p % 28) * 28 + p / 28] : row[p]);
        }
        if (labels.Count == 0) throw new DataFormatException($"{source}: no rows.");
        return (pixels.ToArray(), labels.ToArray());
    }

    /// <summary>Reads the train+valid and test files from a folder, or from a .zip holding them.</summary>
    public static (LabeledImages TrainValid, LabeledImages Test) Load(string path, bool transpose = false)
    {
        if (File.Exists(path) && path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            using var zip = ZipFile.OpenRead(path);
            ZipArchiveEntry Find(string name) => zip.Entries.FirstOrDefault(e => Path.GetFileName(e.FullName) == name)
                ?? throw new DataFormatException($"{path}: no entry named {name} in the archive.");
            return (FromEntry(Find(TrainValidName), path, transpose, "train_valid"), FromEntry(Find(TestName), path, transpose, "test"));
        }
        if (!Directory.Exists(path)) throw new MnistLabException($"{path}: no such folder or .zip file.");
        return (FromFile(Path.Combine(path, TrainValidName), transpose, "train_valid"), FromFile(Path.Combine(path, TestName), transpose, "test"));
    }

    /// <summary>
    /// Extracts <paramref name="zipPath"/> into <paramref name="target"/>, refusing any entry whose path would land
    /// outside it (absolute paths, "..").
    /// </summary>
    public static void ExtractSafely(string zipPath, string target)
    {
        string root = Path.GetFullPath(target) + Path.DirectorySeparatorChar;
        using var zip = ZipFile.OpenRead(zipPath);
        foreach (var entry in zip.Entries)
        {
            string dest = Path.GetFullPath(Path.Combine(root, entry.FullName));
            if (!dest.StartsWith(root, StringComparison.Ordinal))
                throw new DataFormatException($"{zipPath}: entry '{entry.FullName}' would be written outside {target}; refusing the archive.");
        }
        foreach (var entry in zip.Entries)
        {
            string dest = Path.GetFullPath(Path.Combine(root, entry.FullName));
            if (entry.FullName.EndsWith('/')) { Directory.CreateDirectory(dest); continue; }
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            AtomicFile.Write(dest, temp => entry.ExtractToFile(temp, overwrite: true));
        }
    }

    static LabeledImages FromFile(string file, bool transpose, string name)
    {
        if (!File.Exists(file)) throw new MnistLabException($"{file}: not found (expected LISA's {Path.GetFileName(file)}).");
        using var reader = new StreamReader(file);
        var (pixels, labels) = Read(reader, file, transpose);
        return ToSet(pixels, labels, name);
    }

    static LabeledImages FromEntry(ZipArchiveEntry entry, string zipPath, bool transpose, string name)
    {
        using var reader = new StreamReader(entry.Open());
        var (pixels, labels) = Read(reader, $"{zipPath}!{entry.FullName}", transpose);
        return ToSet(pixels, labels, name);
    }

    internal static LabeledImages ToSet(float[] pixels, byte[] labels, string name)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        return new LabeledImages(TorchSharp.torch.tensor(pixels, [labels.Length, 1, 28, 28]), TorchSharp.torch.tensor(labels.Select(l => (long)l).ToArray()), name);
    }

    /// <summary>Writes a set in LISA's format (for tests and for sharing generated data).</summary>
    public static void Write(string path, LabeledImages data)
    {
        var px = data.Images.reshape(data.Count, 784).data<float>().ToArray();
        var labels = data.LabelArray();
        AtomicFile.Write(path, temp =>
        {
            using var w = new StreamWriter(temp);
            for (int i = 0; i < labels.Length; i++)
            {
                for (int p = 0; p < 784; p++) { w.Write(px[i * 784 + p].ToString("R", CultureInfo.InvariantCulture)); w.Write(' '); }
                w.Write(labels[i].ToString(CultureInfo.InvariantCulture));
                w.Write('\n');
            }
        });
    }
}
