using MnistLab.Common;
using MnistLab.Models;

namespace MnistLab.Import;

/// <summary>
/// One of the lab's own models under a seed's parameter names: how its spec follows from the weights' shapes
/// (the VAE's latent size, the MLP's hidden width), and how the seed's names map to the lab's fields where they differ
/// (seed 000's LinearSoftmax keeps its layer in <c>W</c>, the lab's LinearClassifier in <c>fc</c>).
/// </summary>
public sealed record LabKind(string Name, string Description, Func<IReadOnlyDictionary<string, long[]>, ModelSpec> SpecFrom,
    string SeedPrefix = "", string LabPrefix = "")
{
    public string ToLab(string seedKey) => SeedPrefix.Length > 0 && seedKey.StartsWith(SeedPrefix, StringComparison.Ordinal) ? LabPrefix + seedKey[SeedPrefix.Length..] : seedKey;

    public string ToSeed(string labKey) => LabPrefix.Length > 0 && labKey.StartsWith(LabPrefix, StringComparison.Ordinal) ? SeedPrefix + labKey[LabPrefix.Length..] : labKey;
}

/// <summary>The kinds <c>model import --kind</c> accepts.</summary>
public static class LabKinds
{
    static int Dim(IReadOnlyDictionary<string, long[]> shapes, string key, int index, int fallback) =>
        shapes.TryGetValue(key, out var s) && s.Length > index && s[index] is > 0 and <= int.MaxValue ? (int)s[index] : fallback;

    public static readonly IReadOnlyList<LabKind> All =
    [
        new("vae-probe", "seed 004's MLPVAE (enc.1, fc_mu, fc_logvar, dec.0, dec.2); latent size from fc_mu.weight",
            s => new VaeSpec(Dim(s, "fc_mu.weight", 0, 8))),
        new("rotated", "seed 001's ResNet (res1 … res6, bn2d, fc1, bn1d, fc2)", _ => new RotResNetSpec()),
        new("ring-linear", "seed 000's LinearSoftmax (W) on the 784 pixels and the ring bit",
            s => new LinearSpec(785, Dim(s, "W.weight", 0, 10)) { Input = ModelInput.PixelsAndRing }, SeedPrefix: "W.", LabPrefix: "fc."),
        new("ring-mlp", "seed 000's OneHiddenMLP (fc1, fc2) on the 784 pixels and the ring bit",
            s => new MlpSpec(785, Dim(s, "fc1.weight", 0, 64), Dim(s, "fc2.weight", 0, 10)) { Input = ModelInput.PixelsAndRing }),
    ];

    /// <summary>The kind whose seed names a lab model with <paramref name="spec"/> has, or null (the lab's own names then).</summary>
    public static LabKind? Of(ModelSpec spec) => spec switch
    {
        VaeSpec => Find("vae-probe"),
        RotResNetSpec => Find("rotated"),
        LinearSpec { Inputs: 785 } l when l.Input == ModelInput.PixelsAndRing => Find("ring-linear"),
        MlpSpec { Inputs: 785 } m when m.Input == ModelInput.PixelsAndRing => Find("ring-mlp"),
        _ => null,
    };

    public static LabKind Find(string name) =>
        All.FirstOrDefault(k => k.Name == name)
        ?? throw new InvalidOptionException("kind", $"--kind must be one of {string.Join(", ", All.Select(k => k.Name))}, got '{name}'.");
}
