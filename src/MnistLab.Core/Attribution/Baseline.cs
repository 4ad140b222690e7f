using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

/// <summary>
/// The reference input a path method starts from: zeros (Captum's default, a black image), one fixed input, or each
/// input blurred by a Gaussian (Sturmfels et al. 2020, "Visualizing the impact of feature attribution baselines").
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(BaselineJson))]
public abstract record Baseline
{
    public static readonly Baseline Zero = new ZeroBaseline();

    /// <summary>The same input for every example, broadcast to the inputs' shape ((1, ...) or one example's shape).</summary>
    public static Baseline Image(Tensor value) => new ImageBaseline(value);

    /// <summary>Each input blurred with a Gaussian of <paramref name="sigma"/> pixels (the image part; other features set to 0).</summary>
    public static Baseline Blurred(double sigma = 3) => new BlurredBaseline(sigma);

    /// <summary>The baselines of <paramref name="inputs"/> (N, ...), a new tensor.</summary>
    public abstract Tensor For(Tensor inputs);

    public abstract string Describe();

    /// <summary>The form <see cref="Parse"/> reads (<c>zero</c>, <c>blurred:3</c>); an image baseline is <c>image</c>, which is not read back.</summary>
    internal abstract string Text { get; }

    /// <summary>The baseline named on the command line: <c>zero</c>, <c>blurred</c> or <c>blurred:SIGMA</c>.</summary>
    public static Baseline Parse(string text, string option = $"{nameof(IntegratedGradientsOptions)}.{nameof(IntegratedGradientsOptions.Baseline)}")
    {
        if (text == "zero") return Zero;
        if (text == "blurred") return Blurred();
        if (text.StartsWith("blurred:") && double.TryParse(text[8..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0)
            return Blurred(s);
        throw new InvalidOptionException(option, $"baseline must be zero, blurred or blurred:SIGMA (pixels, > 0), got '{text}'.");
    }

    sealed record ZeroBaseline : Baseline
    {
        public override Tensor For(Tensor inputs) => zeros_like(inputs);
        public override string Describe() => "zero";
        internal override string Text => "zero";
    }

    sealed record ImageBaseline(Tensor Value) : Baseline
    {
        public override Tensor For(Tensor inputs)
        {
            var v = Value.to_type(inputs.dtype);
            if (v.dim() == inputs.dim() - 1) v = v.unsqueeze(0);
            if (!v.shape[1..].SequenceEqual(inputs.shape[1..]) || v.shape[0] is not 1 && v.shape[0] != inputs.shape[0])
                throw new InvalidOptionException("Baseline", $"a baseline of shape ({string.Join(", ", Value.shape)}) does not fit inputs of shape ({string.Join(", ", inputs.shape)}).");
            return v.expand_as(inputs).clone();
        }
        public override string Describe() => "image";
        internal override string Text => "image";
    }

    sealed record BlurredBaseline(double Sigma) : Baseline
    {
        public override Tensor For(Tensor inputs)
        {
            var layout = InputLayout.Of(inputs.shape[1..]);
            if (!layout.HasImage) throw new InvalidOptionException("Baseline", $"a blurred baseline needs image inputs (1, 28, 28) or 784 pixels first, got ({string.Join(", ", inputs.shape[1..])}).");
            var images = layout.Images(inputs);
            int radius = Math.Max(1, (int)Math.Ceiling(3 * Sigma));
            var k = arange(-radius, radius + 1, dtype: ScalarType.Float64).square().div(-2 * Sigma * Sigma).exp();
            k = (k / k.sum()).to_type(inputs.dtype);
            var padded = functional.pad(images, [radius, radius, radius, radius], TorchSharp.PaddingModes.Replicate);
            var blurred = functional.conv2d(functional.conv2d(padded, k.view(1, 1, 1, -1)), k.view(1, 1, -1, 1));
            return layout.WithImages(zeros_like(inputs), blurred);
        }
        public override string Describe() => $"blurred (sigma {Sigma} px)";
        internal override string Text => FormattableString.Invariant($"blurred:{Sigma}");
    }
}

/// <summary>
/// Where the 28x28 image is inside one model input: the whole input (1, 28, 28), or the first 784 features of a flat
/// input (the ring experiment's pixels followed by the ring bit). Extra features are the rest.
/// </summary>
public sealed record InputLayout(long[] Shape, bool HasImage, bool Flat)
{
    public const int Side = 28, Pixels = Side * Side;

    public long Size => Shape.Aggregate(1L, (a, b) => a * b);
    public long Extra => HasImage ? Size - Pixels : 0;

    public static InputLayout Of(long[] exampleShape)
    {
        long size = exampleShape.Aggregate(1L, (a, b) => a * b);
        bool image = exampleShape.Length == 3 && exampleShape[0] == 1 && exampleShape[1] == Side && exampleShape[2] == Side
                     || exampleShape.Length == 2 && exampleShape[0] == Side && exampleShape[1] == Side;
        bool flat = exampleShape.Length == 1 && size >= Pixels;
        return new InputLayout(exampleShape, image || flat, flat);
    }

    /// <summary>The image part of inputs (N, ...) as (N, 1, 28, 28), sharing memory where it can.</summary>
    public Tensor Images(Tensor inputs) => inputs.reshape(inputs.shape[0], -1).narrow(1, 0, Pixels).reshape(inputs.shape[0], 1, Side, Side);

    /// <summary><paramref name="inputs"/> with the image part replaced by <paramref name="images"/>, a new tensor.</summary>
    public Tensor WithImages(Tensor inputs, Tensor images)
    {
        long n = inputs.shape[0];
        var flat = inputs.reshape(n, -1);
        var rest = flat.narrow(1, Pixels, flat.shape[1] - Pixels);
        return cat([images.reshape(n, Pixels).to_type(inputs.dtype), rest], 1).reshape(inputs.shape);
    }
}

/// <summary>A baseline in JSON is its command-line text (<c>zero</c>, <c>blurred:3</c>); an image baseline is written as <c>image</c> and not read back.</summary>
sealed class BaselineJson : System.Text.Json.Serialization.JsonConverter<Baseline>
{
    public override Baseline Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        Baseline.Parse(reader.GetString() ?? "");

    public override void Write(System.Text.Json.Utf8JsonWriter writer, Baseline value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Text);
}
