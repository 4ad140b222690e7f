namespace MnistLab.Common;

/// <summary>Checks for option records: each throws <see cref="InvalidOptionException"/> naming the option and the value.</summary>
public static class Require
{
    public static void Positive(int value, string name)
    {
        if (value <= 0) throw new InvalidOptionException($"{name} must be a positive integer, got {value}.");
    }

    public static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new InvalidOptionException($"{name} must be a positive finite number, got {value}.");
    }

    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new InvalidOptionException($"{name} must be a finite number >= 0, got {value}.");
    }

    public static void InRange(int value, int min, int max, string name)
    {
        if (value < min || value > max) throw new InvalidOptionException($"{name} must be between {min} and {max}, got {value}.");
    }
}
