namespace MnistLab.Analysis.Information;

/// <summary>
/// An estimate of I(X; Y) in nats with its 95% bootstrap interval [Low, High] and the p-value of the shuffle null
/// (the chance that an estimate with Y shuffled against X is at least as large). Low and High are NaN without a
/// bootstrap, PNull is NaN without a null.
/// </summary>
public sealed record MiResult(string Estimator, double Estimate, double Low, double High, double PNull, int Samples, int Bootstrap, int Null)
{
    /// <summary>The estimate in bits.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double Bits => Estimate / Math.Log(2);

    /// <summary>True when the null was run and its p-value is below <paramref name="alpha"/>.</summary>
    public bool Significant(double alpha = 0.05) => PNull < alpha;
}
