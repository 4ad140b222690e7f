namespace MnistLab.Data;

/// <summary>One of the four original MNIST files, with the SHA-256 of its uncompressed bytes.</summary>
public sealed record MnistFile(string Name, string Sha256);

/// <summary>The four IDX files of MNIST and where a set of them lies on disk.</summary>
public sealed record MnistFiles(string TrainImages, string TrainLabels, string TestImages, string TestLabels)
{
    public static readonly MnistFile TrainImagesFile = new("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
    public static readonly MnistFile TrainLabelsFile = new("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");
    public static readonly MnistFile TestImagesFile = new("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7");
    public static readonly MnistFile TestLabelsFile = new("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

    public static readonly IReadOnlyList<MnistFile> All = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    public IEnumerable<string> Paths => [TrainImages, TrainLabels, TestImages, TestLabels];
}
