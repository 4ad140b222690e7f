using System.Numerics;
using Fractions;

namespace MnistLab.Export;

/// <summary>
/// The exact rational value of a float64, read from its bits: every finite double is m * 2^e with an integer m.
/// (Fractions 8.3.2's own FromDouble maps -0.0 to a tiny negative number, so the export does not use it.)
/// </summary>
public static class ExactRational
{
    public static Fraction FromDouble(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{value} has no rational value.");
        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (exponent == 0) exponent = 1;          // subnormal: no implicit leading 1
        else mantissa |= 1L << 52;                // normal: implicit leading 1
        if (mantissa == 0) return Fraction.Zero;  // +0.0 and -0.0
        int e = exponent - 1075;                  // value = mantissa * 2^e
        var m = new BigInteger(negative ? -mantissa : mantissa);
        return e >= 0 ? new Fraction(m << e) : new Fraction(m, BigInteger.One << -e).Reduce();
    }
}
