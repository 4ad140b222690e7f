namespace MnistLab.Serve;

// The JSON the API reads and writes (snake_case on the wire, as every file MnistLab writes). Every field of a request
// is nullable so that a missing one is answered with a sentence naming it, not a serializer's exception.

public sealed record PredictRequest(string? Model, float[]? Image);

public sealed record ExplainRequest(string? Model, float[]? Image, string? Method, int? Target);

public sealed record ActivationsRequest(string? Model, float[]? Image, string[]? Points);

/// <param name="Mode">zero (the default), mean (the unit's mean over the test images) or value (set to <paramref name="Value"/>).</param>
public sealed record Ablation(string? Point, long[]? Units, string? Mode, float? Value);

public sealed record AblateRequest(string? Model, float[]? Image, Ablation[]? Ablations);

public sealed record DigitizeRequest(float[]? Drawing);

/// <param name="Png">The PNG file's bytes as base64 (a data URL is taken too).</param>
public sealed record PngRequest(string? Png);

/// <param name="Inverted">True when the PNG's border was bright (dark ink on light) and its levels were inverted.</param>
/// <param name="Fitted">True when the PNG was not 28x28 and was made 28x28 the way MNIST's digits were.</param>
public sealed record PngAnswer(float[] Image, int Width, int Height, bool Inverted, bool Fitted);

public sealed record Prediction(float[] Logits, float[] Probabilities, int Predicted);

/// <param name="CompletenessError">Sum of the map minus what the method promises it sums to; null for a method that promises nothing.</param>
public sealed record ExplainAnswer(string Method, int Target, float[] Map, double? CompletenessError, double Seconds);

/// <param name="Shape">The activation's shape for the one image (no batch dimension); values in C order.</param>
public sealed record PointActivation(long[] Shape, float[] Values);

public sealed record ActivationsAnswer(Prediction Prediction, IReadOnlyDictionary<string, PointActivation> Points);

public sealed record AblationAnswer(Prediction Before, Prediction After);

public sealed record ModelsAnswer(IReadOnlyList<ModelDescription> Models, IReadOnlyList<SkippedModel> Skipped);

public sealed record ImageAnswer(float[] Image);

public sealed record DatasetImage(string Split, int Index, int Label, float[] Image);

public sealed record ErrorAnswer(string Error);

/// <param name="LiveTensors">libtorch tensors alive in the process: flat over many requests when nothing leaks.</param>
public sealed record StatusAnswer(int Models, long LiveTensors, double WorkingSetMb, double ManagedMb);

public sealed record ConceptsRequest(float[]? Image);

public sealed record ProbeReadingsRequest(string? Model, float[]? Image, string? Point);

/// <param name="Activation">The unit's activation on the image (a channel's mean over its positions).</param>
public sealed record UnitImage(int Index, float Activation);

/// <param name="Map">Gradient x input of the unit with respect to the pixels, averaged over its top images, row by row.</param>
public sealed record UnitAnswer(string Point, long Unit, IReadOnlyList<UnitImage> Images, float[] Map);

public sealed record Mistake(int Index, int Label, int Predicted);

/// <param name="Confusion">Mistakes counted by true class (row) and predicted class (column), over the whole test set.</param>
public sealed record MistakesAnswer(int Tested, int Wrong, int[][] Confusion, IReadOnlyList<Mistake> Mistakes);

public sealed record ConceptValue(string Name, double Value, string Description);

public sealed record ConceptsAnswer(IReadOnlyList<ConceptValue> Concepts);

/// <summary>One concept over the whole test set, in test-set order.</summary>
/// <param name="Classes">A discrete concept's class names (each value is an index into them); null for a continuous one.</param>
public sealed record TestSetConcept(string Name, string Description, string[]? Classes, float[] Values);

public sealed record TestSetConceptsAnswer(IReadOnlyList<TestSetConcept> Concepts, double Seconds);

/// <param name="Value">What a continuous concept's probe reads; null for a discrete one.</param>
/// <param name="Class">The class a discrete concept's probe reads, with its <paramref name="Probability"/>; null for a continuous one.</param>
/// <param name="Score">The probe's score on the held-out test images: accuracy (discrete) or R² (continuous); null where
/// it has none (a concept constant on the held-out images has no R²).</param>
public sealed record ProbeReadingAnswer(string Concept, double? Value, string? Class, double? Probability, double? Score);

/// <param name="Fitted">Test images the probes were fitted on; <paramref name="HeldOut"/> those they were scored on.</param>
public sealed record ProbeReadingsAnswer(string Point, int Features, int Fitted, int HeldOut, IReadOnlyList<ProbeReadingAnswer> Readings, double Seconds);

/// <param name="Explained">The share of the point's total variance over the test images on each of the two components.</param>
/// <param name="X">Each test image's coordinate on the first component, in test-set order; <paramref name="Y"/> on the second.</param>
/// <param name="Seconds">How long this request took on the server (the first for a point computes it; later ones read it back).</param>
public sealed record ProjectionAnswer(string Point, double[] Explained, float[] X, float[] Y, int[] Labels, int[] Predicted, double Seconds);
