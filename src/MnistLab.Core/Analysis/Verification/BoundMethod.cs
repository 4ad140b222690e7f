namespace MnistLab.Analysis.Verification;

/// <summary>How bounds are propagated.</summary>
public enum BoundMethod
{
    /// <summary>Interval bound propagation: each layer's box from the one before it.</summary>
    Ibp,

    /// <summary>
    /// CROWN (Zhang et al. 2018): each bound is a linear function of the input, carried back through the layers with a linear
    /// relaxation of every activation that may change sign, then minimised over the input set.
    /// </summary>
    Crown,

    /// <summary>
    /// α-CROWN (Xu et al. 2021): CROWN with the lower slope of every ReLU that may change sign optimised, per bound, by
    /// gradient ascent on the bound itself (any slope in [a, 1] is a valid lower line, so every step is a proof); the
    /// intermediate bounds are CROWN's.
    /// </summary>
    AlphaCrown,
}

public static class BoundMethods
{
    public static readonly IReadOnlyList<string> Names = ["ibp", "crown", "alpha-crown"];

    public static BoundMethod Parse(string name) => name switch
    {
        "ibp" => BoundMethod.Ibp,
        "crown" => BoundMethod.Crown,
        "alpha-crown" => BoundMethod.AlphaCrown,
        _ => throw new Common.InvalidOptionException("method", $"method must be ibp, crown or alpha-crown, got '{name}'."),
    };

    public static string Name(BoundMethod m) => m switch { BoundMethod.Ibp => "ibp", BoundMethod.Crown => "crown", _ => "alpha-crown" };
}
