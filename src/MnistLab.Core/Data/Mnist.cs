using MnistLab.Common;

namespace MnistLab.Data;

/// <summary>The MNIST training (60,000) and test (10,000) sets in memory.</summary>
public sealed class Mnist : IDisposable
{
    public LabeledImages Train { get; }
    public LabeledImages Test { get; }
    public MnistFiles Files { get; }

    Mnist(LabeledImages train, LabeledImages test, MnistFiles files)
    {
        Train = train;
        Test = test;
        Files = files;
    }

    /// <summary>Reads the four IDX files; every malformed file is an error that names it.</summary>
    public static Mnist Load(MnistFiles files)
    {
        var train = Read(files.TrainImages, files.TrainLabels, "train");
        try
        {
            return new Mnist(train, Read(files.TestImages, files.TestLabels, "test"), files);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    static LabeledImages Read(string imagesPath, string labelsPath, string name)
    {
        var images = IdxFile.ReadImages(imagesPath);
        if (images.Rows != LabeledImages.Side || images.Columns != LabeledImages.Side)
            throw new DataFormatException($"{imagesPath}: images of {images.Rows}x{images.Columns}, expected 28x28.");
        var labels = IdxFile.ReadLabels(labelsPath);
        if (labels.Length != images.Count)
            throw new DataFormatException($"{labelsPath}: {labels.Length} labels, but {imagesPath} has {images.Count} images; they must agree.");
        int bad = Array.FindIndex(labels, l => l >= LabeledImages.Classes);
        if (bad >= 0) throw new DataFormatException($"{labelsPath}: label {labels[bad]} at index {bad}, expected a digit 0-9.");
        return LabeledImages.FromBytes(images.Pixels, labels, name);
    }

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
