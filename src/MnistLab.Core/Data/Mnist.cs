using System.Security.Cryptography;
using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>The MNIST training (60,000) and test (10,000) sets in memory, with the hashes of the bytes they were read from.</summary>
public sealed class Mnist : IDisposable
{
    public LabeledImages Train { get; }
    public LabeledImages Test { get; }
    public MnistFiles Files { get; }

    /// <summary>What was read: the SHA-256 of each file's (uncompressed) bytes, measured as they were loaded.</summary>
    public DataProvenance Provenance { get; }

    Mnist(LabeledImages train, LabeledImages test, MnistFiles files, DataProvenance provenance)
    {
        Train = train;
        Test = test;
        Files = files;
        Provenance = provenance;
    }

    /// <summary>Reads the four IDX files, hashing each once as it is read; every malformed file is an error that names it.</summary>
    public static Mnist Load(MnistFiles files, string name = "mnist")
    {
        var hashes = new Dictionary<string, string>();
        var train = Read(files.TrainImages, files.TrainLabels, "train", hashes);
        try
        {
            var test = Read(files.TestImages, files.TestLabels, "test", hashes);
            return new Mnist(train, test, files, new DataProvenance(name, hashes));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Load"/>, then each file's measured SHA-256 checked against the original MNIST's: a file that differs
    /// (truncated, changed, another data set) is an error naming it and both hashes.
    /// </summary>
    public static Mnist LoadVerified(MnistFiles files)
    {
        var mnist = Load(files);
        foreach (var (path, original) in files.Paths.Zip(MnistFiles.All))
        {
            string actual = mnist.Provenance.Sha256[original.Name];
            if (actual != original.Sha256)
            {
                mnist.Dispose();
                throw new DataFormatException($"{path}: SHA-256 {actual}, expected {original.Sha256} (the original {original.Name}). Delete or replace the file.");
            }
        }
        return mnist;
    }

    static LabeledImages Read(string imagesPath, string labelsPath, string name, Dictionary<string, string> hashes)
    {
        var images = IdxFile.ReadImages(Hashed(imagesPath, hashes), imagesPath);
        if (images.Rows != LabeledImages.Side || images.Columns != LabeledImages.Side)
            throw new DataFormatException($"{imagesPath}: images of {images.Rows}x{images.Columns}, expected 28x28.");
        var labels = IdxFile.ReadLabels(Hashed(labelsPath, hashes), labelsPath);
        if (labels.Length != images.Count)
            throw new DataFormatException($"{labelsPath}: {labels.Length} labels, but {imagesPath} has {images.Count} images; they must agree.");
        int bad = Array.FindIndex(labels, l => l >= LabeledImages.Classes);
        if (bad >= 0) throw new DataFormatException($"{labelsPath}: label {labels[bad]} at index {bad}, expected a digit 0-9.");
        return LabeledImages.FromBytes(images.Pixels, labels, name);
    }

    /// <summary>The file's bytes as a stream, their SHA-256 recorded under the file's MNIST name (without .gz).</summary>
    static MemoryStream Hashed(string path, Dictionary<string, string> hashes)
    {
        byte[] bytes = IdxFile.ReadMaybeGzipped(path);
        string name = Path.GetFileName(path);
        hashes[name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return new MemoryStream(bytes, writable: false);
    }

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
