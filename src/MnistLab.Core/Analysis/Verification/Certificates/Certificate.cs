using System.Text.Json;
using System.Text.Json.Serialization;
using MnistLab.Common;

namespace MnistLab.Analysis.Verification.Certificates;

/// <summary>
/// A proof that a property holds over a box, in a form an independent checker re-derives exactly
/// (<see cref="CertificateCheck"/>): the bounds of every hidden layer's units (each with the multipliers that prove it, or
/// none where interval arithmetic on the layer below does), and the split tree of branch and bound, each node with the
/// rows it proves (their multipliers, one vector per hidden layer, and the bound they give) and each leaf closing every
/// disjunct of the unsafe set. Every number is a float64, read as the exact rational it is.
/// </summary>
/// <param name="Network">The network's layers as MnistLab reads them, and <paramref name="Sha256"/> of its weights (<see cref="ExactNetwork.Sha256"/>).</param>
/// <param name="Rows">The property (<see cref="SplitProperty"/>): rows over the outputs, thresholds, disjunct of each row.</param>
/// <param name="Ball">For an image's ball: the image and the radius, so that the checker sees the box holds the whole ball.</param>
public sealed record Certificate(
    string Format, string Network, string Sha256,
    double[] BoxLower, double[] BoxUpper,
    double[][] Rows, double[] Thresholds, int[] Groups,
    CertifiedLayer[] Layers, CertificateNode Tree, CertifiedBall? Ball)
{
    public const string Version = "mnistlab-certificate/1";

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The leaves of the split tree.</summary>
    public int Leaves => Count(Tree);

    static int Count(CertificateNode n) => n.Split is null ? 1 : (n.Active is null ? 0 : Count(n.Active)) + (n.Inactive is null ? 0 : Count(n.Inactive));

    /// <summary>The first member a certificate read from JSON lacks, or null when it has them all.</summary>
    string? Missing()
    {
        if (Network is null || Sha256 is null) return "network";
        if (BoxLower is null || BoxUpper is null) return "box";
        if (Rows is null || Rows.Any(r => r is null) || Thresholds is null || Groups is null) return "property";
        if (Layers is null || Layers.Any(l => l?.Lower is null || l.Upper is null || l.Proofs is null || l.Proofs.Any(p => p?.Lambdas is null)))
            return "layers";
        if (Ball is { Image: null }) return "ball.image";
        return Tree is null ? "tree" : MissingIn(Tree);

        static string? MissingIn(CertificateNode n) =>
            n.Proofs is null || n.Proofs.Any(p => p?.Lambdas is null || p.Lambdas.Any(l => l is null)) ? "a node's proofs"
            : n.Active is { } a && MissingIn(a) is { } x ? x
            : n.Inactive is { } i ? MissingIn(i) : null;
    }

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static Certificate Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidOptionException("certificate", $"{path}: no such file.");
        try
        {
            var c = JsonSerializer.Deserialize<Certificate>(File.ReadAllText(path), Json)
                ?? throw new MnistLabException($"{path}: empty certificate.");
            if (c.Format != Version) throw new MnistLabException($"{path}: format '{c.Format}', expected '{Version}'.");
            if (c.Missing() is { } what) throw new MnistLabException($"{path}: not a complete certificate ({what} is missing).");
            return c;
        }
        catch (JsonException e)
        {
            throw new MnistLabException($"{path}: not a certificate ({e.Message}).");
        }
    }
}

/// <summary>One hidden layer's unit bounds (before the activation), and the multipliers of those interval arithmetic does not give.</summary>
public sealed record CertifiedLayer(double[] Lower, double[] Upper, UnitProof[] Proofs);

/// <summary>The multipliers (one vector per hidden layer below this one) proving one unit's lower or upper bound.</summary>
public sealed record UnitProof(int Unit, bool Upper, double[][] Lambdas);

/// <summary>
/// A node of the split tree: the rows it proves and, unless it is a leaf, the unit it splits (hidden layer, 1-based, and
/// unit) with the part where that unit's input is ≥ 0 (<paramref name="Active"/>) and ≤ 0 (<paramref name="Inactive"/>).
/// </summary>
public sealed record CertificateNode(RowProof[] Proofs, NodeSplit? Split, CertificateNode? Active, CertificateNode? Inactive);

public sealed record NodeSplit(int Layer, int Unit);

/// <summary>A row proved on a node: the lower bound <paramref name="Bound"/> of Rows[Row]·output the multipliers give there.</summary>
public sealed record RowProof(int Row, double Bound, double[][] Lambdas);

/// <summary>An image (as the model reads it) and the L∞ radius of its ball, clipped to [0, 1].</summary>
public sealed record CertifiedBall(double[] Image, double Eps)
{
    /// <summary>
    /// The ball of radius <paramref name="eps"/> around <paramref name="x"/> (one input, any shape) as a box of doubles
    /// rounded outwards, so that the box holds the exact ball the certificate names.
    /// </summary>
    public static (Interval Box, CertifiedBall Ball) Around(TorchSharp.torch.Tensor x, double eps)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        double[] pixels = [.. x.to_type(TorchSharp.torch.ScalarType.Float64).flatten().data<double>()];
        var radius = Dyadic.From(eps);
        var one = Dyadic.From(1);
        double[] lower = [.. pixels.Select(p => Dyadic.Max(Dyadic.Zero, Dyadic.From(p) - radius).Down())];
        double[] upper = [.. pixels.Select(p => Dyadic.Min(one, Dyadic.From(p) + radius).Up())];
        var box = Interval.Box(TorchSharp.torch.tensor(lower).reshape(x.shape), TorchSharp.torch.tensor(upper).reshape(x.shape)).Keep();
        return (box, new CertifiedBall(pixels, eps));
    }
}
