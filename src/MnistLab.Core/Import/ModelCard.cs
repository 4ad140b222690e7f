using MnistLab.Models;

namespace MnistLab.Import;

/// <summary>How an imported model did on the MNIST test set: accuracy for a classifier, reconstruction error for a VAE.</summary>
public sealed record TestEvaluation(int Images, double? Accuracy, double? ReconstructionBce);

/// <summary>How the imported model's outputs compared with the ones saved in PyTorch for the first images of the test set.</summary>
public sealed record LogitsCheck(string File, int Images, double MaxAbsDifference, double Tolerance);

/// <summary>
/// What a model folder says about its model (<c>model.json</c>): where it came from (file and SHA-256, format), what it
/// is (architecture, normalisation, the spec that rebuilds it), what can be read in it (points, parameters), how it did
/// on MNIST, and the weights file with its SHA-256, checked on every load. <paramref name="Notes"/> say what the import
/// did that the user should know (the entry of a training checkpoint it read, a prefix it removed, a doubt about the input).
/// </summary>
public sealed record ModelCard(
    int Format,
    string MnistlabVersion,
    string Source,
    string SourceSha256,
    string SourceFormat,
    string Architecture,
    string? Kind,
    Normalization? Normalize,
    IReadOnlyList<string> Points,
    long Parameters,
    TestEvaluation Test,
    LogitsCheck? ExpectedLogits,
    string WeightsFile,
    string WeightsSha256,
    double ImportSeconds,
    ModelSpec Spec,
    IReadOnlyList<string>? Notes = null)
{
    public const int CurrentFormat = 1;
    public const string FileName = "model.json";
}
