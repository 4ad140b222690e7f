using System.Globalization;
using MnistLab.Data;

namespace MnistLab.Serve;

/// <summary>
/// An image as a request sends it: 784 numbers in [0, 1] (28x28, row by row), or 78,400 (the page's 280x280 drawing,
/// made into a 28x28 image the way MNIST's were: <see cref="MnistStyle"/>). Anything else is a 400 saying what is wrong.
/// </summary>
public static class ImageInput
{
    public const int CanvasSide = 280;

    /// <summary>The 784 pixels of <paramref name="values"/>, checked; <paramref name="field"/> names it in the error.</summary>
    public static float[] Pixels(float[]? values, string field = "image")
    {
        if (values is null) throw new BadRequestException($"'{field}' is missing: send 784 numbers in [0, 1] (28x28, row by row).");
        if (values.Length != MnistStyle.Side * MnistStyle.Side && values.Length != CanvasSide * CanvasSide)
            throw new BadRequestException($"'{field}' must be 784 numbers (28x28, row by row) or 78,400 (a 280x280 drawing), got {values.Length:N0}.");
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!float.IsFinite(v)) throw new BadRequestException($"'{field}' holds {Word(v)} at index {i}: every value must be a finite number in [0, 1].");
            if (v is < 0 or > 1) throw new BadRequestException($"'{field}' holds {v.ToString(CultureInfo.InvariantCulture)} at index {i}: every value must be in [0, 1].");
        }
        return values.Length == CanvasSide * CanvasSide ? MnistStyle.FromDrawing(values, CanvasSide) : values;
    }

    static string Word(float v) => float.IsNaN(v) ? "NaN" : v > 0 ? "infinity" : "-infinity";
}
