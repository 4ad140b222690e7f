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
}

public static class BoundMethods
{
    public static readonly IReadOnlyList<string> Names = ["ibp", "crown"];

    public static BoundMethod Parse(string name) => name switch
    {
        "ibp" => BoundMethod.Ibp,
        "crown" => BoundMethod.Crown,
        _ => throw new Common.InvalidOptionException("method", $"method must be ibp or crown, got '{name}'."),
    };

    public static string Name(BoundMethod m) => m == BoundMethod.Ibp ? "ibp" : "crown";
}
