using System.Diagnostics;
using MnistLab.Common;

namespace MnistLab.Attribution.Checks;

public sealed record ChecksOptions
{
    public long Seed { get; init; }

    /// <summary>The checks that recompute the maps many times (randomisation, max-sensitivity) use the first this many images.</summary>
    public int Images { get; init; } = 16;

    public int CurveSteps { get; init; } = 20;
    public int InfidelitySamples { get; init; } = 10;
    public double InfidelityStdev { get; init; } = 0.1;
    public int SensitivitySamples { get; init; } = 10;
    public double SensitivityRadius { get; init; } = 0.02;

    public ChecksOptions Validated()
    {
        Require.Positive(Images, $"{nameof(ChecksOptions)}.{nameof(ChecksOptions.Images)}");
        Require.InRange(CurveSteps, 2, 784, $"{nameof(ChecksOptions)}.{nameof(ChecksOptions.CurveSteps)}");
        Require.Positive(InfidelitySamples, $"{nameof(ChecksOptions)}.{nameof(ChecksOptions.InfidelitySamples)}");
        Require.Positive(InfidelityStdev, $"{nameof(ChecksOptions)}.{nameof(ChecksOptions.InfidelityStdev)}");
        Require.Positive(SensitivitySamples, $"{nameof(ChecksOptions)}.{nameof(ChecksOptions.SensitivitySamples)}");
        Require.Positive(SensitivityRadius, $"{nameof(ChecksOptions)}.{nameof(ChecksOptions.SensitivityRadius)}");
        return this;
    }
}

/// <summary>Completeness of the maps of a method that promises it: |error| mean and max, and the mean relative to |f(x) − f(b)|.</summary>
public sealed record CompletenessSummary(double MeanAbs, double MaxAbs);

public sealed record AttributionChecksResult(
    DeletionInsertionResult? Curves, RandomisationResult Randomisation, double MeanInfidelity, double MeanMaxSensitivity,
    CompletenessSummary? Completeness, double Seconds);

/// <summary>Every check of one method's maps, seeded: curves, randomisation and random logit, infidelity, max-sensitivity, completeness.</summary>
public static class AttributionChecks
{
    public static AttributionChecksResult Compute(AttributionInput input, AttributionResult maps, Func<AttributionInput, AttributionResult> method, ChecksOptions options)
    {
        options.Validated();
        var sw = Stopwatch.StartNew();
        var curves = InputLayout.Of(input.ExampleShape).HasImage ? DeletionInsertion.Compute(input, maps, options.CurveSteps, options.Seed) : null;
        var infidelity = Infidelity.Compute(input, maps, options.InfidelitySamples, options.InfidelityStdev, options.Seed);
        int k = Math.Min(options.Images, input.Count);
        var few = input.Slice(0, k);
        var fewMaps = method(few);
        var randomisation = Randomisation.Compute(few, fewMaps, method, options.Seed);
        var sensitivity = MaxSensitivity.Compute(few, fewMaps, method, options.SensitivitySamples, options.SensitivityRadius, options.Seed);
        var completeness = maps.CompletenessError is { } e ? new CompletenessSummary(e.Average(Math.Abs), e.Max(Math.Abs)) : null;
        return new AttributionChecksResult(curves, randomisation, infidelity.Average(), sensitivity.Average(), completeness, sw.Elapsed.TotalSeconds);
    }
}
