using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution.Checks;

/// <summary>How alike the maps of the trained model and of a changed one are, mean over the images.</summary>
public sealed record MapAgreement(string Step, double Spearman, double SpearmanAbs, double Ssim);

/// <param name="Cascade">Layer by layer from the output: after step k the top k + 1 layers hold random weights.</param>
/// <param name="RandomLogit">The map for a random other class against the map for the target (Sixt et al. 2020).</param>
public sealed record RandomisationResult(IReadOnlyList<MapAgreement> Cascade, MapAgreement RandomLogit, int Images);

/// <summary>
/// The model-parameter randomisation test of Adebayo et al. (2018), cascading from the top layer: the parameters of
/// the layers are replaced by Gaussian draws with each tensor's own mean and standard deviation (seeded), one more
/// layer at each step, and the maps recomputed; a method whose maps stay alike does not depend on what the model
/// learned. The trained parameters are restored afterwards, whatever happens. Then the random-logit test: the map for
/// a randomly chosen other class, which should differ from the target's.
/// </summary>
public static class Randomisation
{
    public static RandomisationResult Compute(AttributionInput input, AttributionResult maps, Func<AttributionInput, AttributionResult> method, long seed = 0)
    {
        var layers = LayersFromTop(input.Model);
        var saved = layers.SelectMany(l => l.Module.parameters(recurse: false)).Select(p => (p, p.detach().clone())).ToList();
        var cascade = new List<MapAgreement>();
        using var g = Seeds.Generator(seed, "randomisation");
        try
        {
            foreach (var (name, module) in layers)
            {
                using (no_grad())
                    foreach (var p in module.parameters(recurse: false))
                    {
                        double mean = p.mean().item<float>(), std = p.numel() > 1 ? p.std().item<float>() : 0;
                        using var draw = randn(p.shape, dtype: p.dtype, generator: g) * (std > 0 ? std : 0.05) + mean;
                        p.copy_(draw);
                    }
                cascade.Add(Agreement(name, maps, method(input)));
            }
        }
        finally
        {
            using (no_grad())
                foreach (var (p, copy) in saved) { p.copy_(copy); copy.Dispose(); }
        }
        using var pick = Seeds.Generator(seed, "random-logit");
        int classes = ModelCalls.Classes(input.Model, input.Inputs.narrow(0, 0, 1));
        var others = input.Targets.Select(t => (t + 1 + randint(0, Math.Max(1, classes - 1), [1], generator: pick).item<long>()) % classes).ToArray();
        var randomLogit = Agreement("random logit", maps, method(input.WithTargets(others)));
        return new RandomisationResult(cascade, randomLogit, input.Count);
    }

    static MapAgreement Agreement(string step, AttributionResult a, AttributionResult b)
    {
        var layout = InputLayout.Of(a.Shape[1..]);
        double sp = 0, spAbs = 0, ssim = 0;
        for (int i = 0; i < a.Count; i++)
        {
            float[] x = a.Map(i), y = b.Map(i);
            sp += MapSimilarity.Spearman(x, y);
            spAbs += MapSimilarity.Spearman(x.Select(Math.Abs).ToArray(), y.Select(Math.Abs).ToArray());
            ssim += layout.HasImage ? MapSimilarity.Ssim(x[..InputLayout.Pixels], y[..InputLayout.Pixels]) : double.NaN;
        }
        return new MapAgreement(step, sp / a.Count, spAbs / a.Count, ssim / a.Count);
    }

    /// <summary>
    /// The layers with parameters of their own, from the output down: in the order of the model's named points where it
    /// has them (its forward order), else in the order the modules were registered.
    /// </summary>
    public static IReadOnlyList<(string Name, Module Module)> LayersFromTop(Module<Tensor, Tensor> model)
    {
        IEnumerable<(string, Module)> ordered = model is IHookedModel hooked
            ? hooked.Points.Select(p => (p.Name, (Module)p.Module))
            : model.named_modules().Select(m => (m.name, m.module));
        var seen = new HashSet<Module>();
        var layers = ordered.Where(m => m.Item2.parameters(recurse: false).Any() && seen.Add(m.Item2)).ToList();
        if (layers.Count == 0) throw new MnistLabException($"{model.GetType().Name} has no layers with parameters to randomise.");
        layers.Reverse();
        return layers;
    }
}
