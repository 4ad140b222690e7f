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

    /// <summary>
    /// α-CROWN's bounds, then where they leave a margin below 0, branch and bound on ReLU splits (<see cref="BranchAndBound"/>)
    /// until every domain is proved, an input the model gets wrong is found, or the time limit.
    /// </summary>
    Complete,
}

public static class BoundMethods
{
    public static readonly IReadOnlyList<string> Names = ["ibp", "crown", "alpha-crown", "complete"];

    public static BoundMethod Parse(string name) => name switch
    {
        "ibp" => BoundMethod.Ibp,
        "crown" => BoundMethod.Crown,
        "alpha-crown" => BoundMethod.AlphaCrown,
        "complete" => BoundMethod.Complete,
        _ => throw new Common.InvalidOptionException("method", $"method must be ibp, crown, alpha-crown or complete, got '{name}'."),
    };

    public static string Name(BoundMethod m) => m switch
    {
        BoundMethod.Ibp => "ibp", BoundMethod.Crown => "crown", BoundMethod.AlphaCrown => "alpha-crown", _ => "complete",
    };
}
