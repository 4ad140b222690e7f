using Fractions;
using MnistLab.Export;

namespace MnistLab.Tests.Export;

public class LeanExportTests
{
    static ProbeExport Tiny() => new(
        ["size", "slant"],
        new double[,] { { 0.5, -0.1 }, { 2, 1e-300 }, { -3.25, 0.75 } }, // d = 2, last row the bias
        new double[,] { { 1, 2 }, { 0.3, -0.7 } },
        new double[,] { { 1.0, 0.9 }, { -4.8, 0.6 } },
        new Dictionary<string, string> { ["train-images-idx3-ubyte"] = "ab", ["t10k-images-idx3-ubyte"] = "cd" },
        "ee", "two hand-made samples", "0.1.0");

    [Theory]
    [InlineData(0.1, "3602879701896397", "36028797018963968")]           // 0x3FB999999999999A = 3602879701896397 / 2^55
    [InlineData(3.0, "3", "1")]
    [InlineData(-0.0, "0", "1")]                                          // negative zero is zero
    [InlineData(double.Epsilon, "1", "202402253307310618352495346718917307049556649764142118356901358027430339567995346891960383701437124495187077864316811911389808737385793476867013399940738509921517424276566361364466907742093216341239767678472745068562007483424692698618103355649159556340810056512358769552333414615230502532186327508646006263307707741093494784")]
    public void Every_float64_becomes_its_exact_rational(double value, string numerator, string denominator)
    {
        var f = ExactRational.FromDouble(value);
        Assert.Equal(System.Numerics.BigInteger.Parse(numerator), f.Numerator);
        Assert.Equal(System.Numerics.BigInteger.Parse(denominator), f.Denominator);
    }

    [Fact]
    public void Random_float64_values_round_trip_exactly_through_their_lean_literals()
    {
        var rng = new Random(11);
        for (int i = 0; i < 2000; i++)
        {
            double value = BitConverter.Int64BitsToDouble(rng.NextInt64());
            if (!double.IsFinite(value)) continue;
            var exact = ExactRational.FromDouble(value);
            string lit = LeanExport.Literal(exact);
            var m = System.Text.RegularExpressions.Regex.Match(lit, @"^\(\((-?\d+) : ℚ\) / (\d+)\)$|^\((-?\d+) : ℚ\)$");
            Assert.True(m.Success, lit);
            var back = m.Groups[3].Success
                ? new Fraction(System.Numerics.BigInteger.Parse(m.Groups[3].Value))
                : new Fraction(System.Numerics.BigInteger.Parse(m.Groups[1].Value), System.Numerics.BigInteger.Parse(m.Groups[2].Value));
            Assert.Equal(0, back.CompareTo(exact));
            // And the rational is the double: denominator a power of two, numerator * 2^k = the mantissa.
            Assert.True(back.Denominator.IsPowerOfTwo, lit);
            // Within 1e+-250 the numerator and denominator both fit in a double.
            if (Math.Abs(value) > 1e-250 && Math.Abs(value) < 1e250) Assert.Equal(value, (double)back.Numerator / (double)back.Denominator);
        }
    }

    [Fact]
    public void Delta_is_the_exact_max_residual_rounded_up()
    {
        var e = Tiny();
        string lean = LeanExport.Render(e);
        var checks = LeanExport.Check(lean, e.Concepts, e.Z, e.C);
        Assert.All(checks, c => Assert.True(c.Holds));
        // size: w(z) = 0.5 z0 + 2 z1 - 3.25 -> 1.25 and -4.5; residuals |1 - 1.25| = 0.25, |-4.8 + 4.5| = 0.3 (in float64 terms).
        Assert.Equal(0.3, checks[0].MaxResidual.ToDouble(), 12);
        // slant: 0.65 and 0.72 against 0.9 and 0.6: 0.25 plus float64 dust, so rounding up gives 0.250000001.
        Assert.Equal(new Fraction(250000001, 1000000000), checks[1].Delta);
        Assert.True(checks[0].Delta.CompareTo(checks[0].MaxResidual) >= 0);
        Assert.True((checks[0].Delta - checks[0].MaxResidual).ToDouble() < 1e-9);
    }

    [Fact]
    public void A_delta_too_small_is_caught_by_the_check()
    {
        var e = Tiny();
        string lean = LeanExport.Render(e).Replace("δ := ((3 : ℚ) / 10)", "δ := ((29 : ℚ) / 100)");
        Assert.Contains("((29 : ℚ) / 100)", lean);
        Assert.False(LeanExport.Check(lean, e.Concepts, e.Z, e.C)[0].Holds);
    }

    [Fact]
    public void The_lean_text_for_a_tiny_probe_matches_the_golden_file_and_is_deterministic()
    {
        string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Export", "Golden", "tiny_probe.lean"));
        Assert.Equal(golden, LeanExport.Render(Tiny()));
        Assert.Equal(LeanExport.Render(Tiny()), LeanExport.Render(Tiny()));
    }
}
