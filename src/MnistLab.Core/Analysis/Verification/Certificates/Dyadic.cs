using System.Numerics;

namespace MnistLab.Analysis.Verification.Certificates;

/// <summary>
/// An exact rational of the form M·2^E (M an integer of any size): every float32 and float64 is one, and sums and products
/// of them stay one, so a certificate's arithmetic on weights, inputs and multipliers is exact with no division at all.
/// </summary>
public readonly struct Dyadic : IComparable<Dyadic>
{
    public BigInteger Mantissa { get; }
    public int Exponent { get; }

    public Dyadic(BigInteger mantissa, int exponent)
    {
        // Normalised (odd mantissa, or zero with exponent 0) so that equal values have one representation.
        if (mantissa.IsZero) { Mantissa = BigInteger.Zero; Exponent = 0; return; }
        int zeros = (int)BigInteger.TrailingZeroCount(BigInteger.Abs(mantissa));
        Mantissa = mantissa >> zeros;
        Exponent = exponent + zeros;
    }

    public static readonly Dyadic Zero = new(BigInteger.Zero, 0);

    public int Sign => Mantissa.Sign;

    /// <summary>The exact value of a finite double.</summary>
    public static Dyadic From(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{value} is not a finite number.");
        long bits = BitConverter.DoubleToInt64Bits(value);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (exponent == 0) exponent = 1; else mantissa |= 1L << 52;
        return new Dyadic(bits < 0 ? -mantissa : mantissa, exponent - 1075);
    }

    public static Dyadic operator +(Dyadic a, Dyadic b)
    {
        if (a.Mantissa.IsZero) return b;
        if (b.Mantissa.IsZero) return a;
        int e = Math.Min(a.Exponent, b.Exponent);
        return new Dyadic((a.Mantissa << (a.Exponent - e)) + (b.Mantissa << (b.Exponent - e)), e);
    }

    public static Dyadic operator -(Dyadic a) => new(-a.Mantissa, a.Exponent);
    public static Dyadic operator -(Dyadic a, Dyadic b) => a + -b;
    public static Dyadic operator *(Dyadic a, Dyadic b) => new(a.Mantissa * b.Mantissa, a.Exponent + b.Exponent);

    public int CompareTo(Dyadic other) => (this - other).Sign;
    public static bool operator <(Dyadic a, Dyadic b) => a.CompareTo(b) < 0;
    public static bool operator >(Dyadic a, Dyadic b) => a.CompareTo(b) > 0;
    public static bool operator <=(Dyadic a, Dyadic b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Dyadic a, Dyadic b) => a.CompareTo(b) >= 0;
    public static Dyadic Min(Dyadic a, Dyadic b) => a <= b ? a : b;
    public static Dyadic Max(Dyadic a, Dyadic b) => a >= b ? a : b;

    /// <summary>The largest double ≤ this value (a lower bound that a double can hold).</summary>
    public double Down()
    {
        double d = Nearest();
        while (From(d) > this) d = Math.BitDecrement(d);
        return d;
    }

    /// <summary>The smallest double ≥ this value.</summary>
    public double Up()
    {
        double d = Nearest();
        while (From(d) < this) d = Math.BitIncrement(d);
        return d;
    }

    /// <summary>A double near the value (within a few ulps; <see cref="Down"/> and <see cref="Up"/> step from it).</summary>
    double Nearest()
    {
        if (Mantissa.IsZero) return 0;
        // Keep 64 significant bits of the mantissa, then scale: the error is far below one double ulp before the final rounding.
        long bits = (long)BigInteger.Abs(Mantissa).GetBitLength();
        int drop = (int)Math.Max(0, bits - 64);
        double m = (double)(Mantissa >> drop);
        double value = Math.ScaleB(m, Exponent + drop);
        if (double.IsInfinity(value)) return value > 0 ? double.MaxValue : double.MinValue;
        return value;
    }

    public override string ToString() => Nearest().ToString("G17", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// An exact bound N / D with D &gt; 0, both dyadic: what a certificate's arithmetic gives once an input normalisation
/// (x − mean) / std divides by a std that is not a power of two. Compared by cross-multiplying, never divided.
/// </summary>
public readonly record struct ExactBound(Dyadic N, Dyadic D)
{
    public static ExactBound Of(Dyadic value) => new(value, Dyadic.From(1));

    public static ExactBound operator -(ExactBound a) => new(-a.N, a.D);

    /// <summary>Whether this bound is at least <paramref name="c"/>.</summary>
    public bool AtLeast(Dyadic c) => N >= c * D;

    public int CompareTo(ExactBound b) => (N * b.D - b.N * D).Sign;

    public static ExactBound Max(ExactBound a, ExactBound b) => a.CompareTo(b) >= 0 ? a : b;

    /// <summary>The largest double at or below the bound.</summary>
    public double Down()
    {
        double d = Approximate();
        while (!AtLeast(Dyadic.From(d))) d = Math.BitDecrement(d);
        while (AtLeast(Dyadic.From(Math.BitIncrement(d))) && double.IsFinite(Math.BitIncrement(d))) d = Math.BitIncrement(d);
        return d;
    }

    /// <summary>The smallest double at or above the bound.</summary>
    public double Up() => -(-this).Down();

    double Approximate()
    {
        // N / D to about 60 bits, far closer than one ulp of the result.
        var n = N.Mantissa;
        var d = D.Mantissa;
        int shift = (int)(d.GetBitLength() - n.GetBitLength()) + 64;
        var q = shift >= 0 ? (n << shift) / d : n / (d << -shift);
        return Math.ScaleB((double)q, N.Exponent - D.Exponent - shift);
    }

    public override string ToString() => Approximate().ToString("G17", System.Globalization.CultureInfo.InvariantCulture);
}
