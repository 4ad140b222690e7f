using MnistLab.Analysis.Information;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// What a probe of one concept in one layer found, all on the held-out images: <see cref="Score"/> is test accuracy
/// (logistic) or test R² (ridge); <see cref="ControlScore"/> the same probe's score on the concept shuffled across
/// images (Hewitt and Liang 2019; a ridge control chooses its own lambda by the same cross-validation, a logistic one
/// keeps the concept's), so <see cref="Selectivity"/> is what the layer itself adds; the online code length
/// of the concept given the layer (<see cref="Mdl"/>); and a mutual-information estimate with its interval and null:
/// the probe bound H(Y) - held-out cross-entropy for a discrete concept, and the KSG estimate between the probe's
/// held-out prediction and the concept for a continuous one (both lower bounds on I(layer; concept)).
/// </summary>
public sealed record ProbeResult(
    string Layer, string Concept, string Kind, int Features, int TrainImages, int TestImages,
    double Score, double ControlScore, double Lambda, double[] CvLoss,
    double? Accuracy, double? CrossEntropy, double? R2, double? SupError, double? P99,
    MdlResult? Mdl, MiResult Mi, double ConceptEntropy)
{
    public double Selectivity => Score - ControlScore;

    /// <summary>The probe's weights per output on the standardised features (one row for ridge, one per class for logistic).</summary>
    public double[][] Directions { get; init; } = [];

    /// <summary>Class names of a logistic probe's outputs.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];
}
