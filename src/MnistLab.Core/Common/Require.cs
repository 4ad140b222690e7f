namespace MnistLab.Common;

/// <summary>
/// Checks for option records. Each throws <see cref="InvalidOptionException"/> naming the option as the library
/// knows it (<c>TrainOptions.Epochs</c>) and the value; the command line adds its flag.
/// </summary>
public static class Require
{
    public static void Positive(int value, string option)
    {
        if (value < 1) throw new InvalidOptionException(option, $"{option} must be ≥ 1, got {value}.");
    }

    public static void Positive(double value, string option)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new InvalidOptionException(option, $"{option} must be a finite number > 0, got {value}.");
    }

    public static void NonNegative(double value, string option)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new InvalidOptionException(option, $"{option} must be a finite number ≥ 0, got {value}.");
    }

    public static void InRange(int value, int min, int max, string option)
    {
        if (value < min || value > max) throw new InvalidOptionException(option, $"{option} must be between {min} and {max}, got {value}.");
    }

    /// <summary>A number strictly between <paramref name="low"/> and <paramref name="high"/>.</summary>
    public static void Between(double value, double low, double high, string option)
    {
        if (!(value > low && value < high)) throw new InvalidOptionException(option, $"{option} must be in ({low}, {high}), got {value}.");
    }

    public static void That([System.Diagnostics.CodeAnalysis.DoesNotReturnIf(false)] bool condition, string option, string message)
    {
        if (!condition) throw new InvalidOptionException(option, $"{option} {message}");
    }
}
