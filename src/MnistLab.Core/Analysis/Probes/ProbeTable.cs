using System.Diagnostics;
using MnistLab.Analysis.Concepts;
using MnistLab.Common;
using MnistLab.Models;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace MnistLab.Analysis.Probes;

/// <summary>What <see cref="ProbeTable.Compute"/> probes: the model's points, the concepts, how many images, the probe itself.</summary>
public sealed record ProbeTableOptions
{
    public IReadOnlyList<string> Layers { get; init; } = [];

    /// <summary>Names of <see cref="ConceptRegistry"/> or columns of <see cref="ConceptCsv"/>.</summary>
    public IReadOnlyList<string> Concepts { get; init; } = ["class", "ring", "size", "thick", "slant"];
    public string? ConceptCsv { get; init; }

    /// <summary>At most this many images are probed, the first ones given (split into training and test images by the probe).</summary>
    public int Images { get; init; } = 5000;

    /// <summary>Also probe the raw pixels and a randomly initialised copy of the model (every table's baselines).</summary>
    public bool Baselines { get; init; } = true;

    public ProbeOptions Probe { get; init; } = new();

    public ProbeTableOptions Validated()
    {
        Require.That(Layers.Count > 0 && Layers.All(l => !string.IsNullOrWhiteSpace(l)), $"{nameof(ProbeTableOptions)}.{nameof(ProbeTableOptions.Layers)}", "must name at least one point of the model.");
        Require.That(Concepts.Count > 0, $"{nameof(ProbeTableOptions)}.{nameof(ProbeTableOptions.Concepts)}", "must name at least one concept.");
        Require.InRange(Images, 10, 1_000_000, $"{nameof(ProbeTableOptions)}.{nameof(ProbeTableOptions.Images)}");
        Probe.Validated();
        return this;
    }
}

/// <summary>One row of a probe table: a layer, what it is (the pixels, a trained point, a random copy's point) and its features.</summary>
public sealed record ProbedLayer(string Name, string Role, string Point, int Features, string Reduction);

/// <param name="Seed">The seed the table drew from: its split, random copy, projections, control tasks and resamples.</param>
public sealed record ProbeTableResult(string Model, int Images, IReadOnlyList<ProbedLayer> Layers, IReadOnlyList<string> Concepts,
    IReadOnlyList<string> ConceptDescriptions, IReadOnlyList<ProbeResult> Probes, ProbeTableOptions Options, long Seed, double Seconds)
{
    public ProbeResult Get(string layer, string concept) => Probes.Single(p => p.Layer == layer && p.Concept == concept);
}

/// <summary>
/// What each layer knows: every named point of a model against every concept, each with the same linear probe, beside
/// the same probe on the raw pixels and on a randomly initialised copy of the model. The model may be any module with
/// named points; the random copy needs its spec (a lab model or an imported one).
/// </summary>
public static class ProbeTable
{
    public const string Pixels = "pixels", RandomPrefix = "random:";

    /// <summary>
    /// Probes the first images of <paramref name="images"/>; the split, the random copy, the projections of wide layers,
    /// the control tasks and the resamples are streams of <paramref name="seed"/> (a run's own seed).
    /// </summary>
    public static ProbeTableResult Compute(Module model, Func<Tensor, Tensor> input, ConceptImages images, ProbeTableOptions options,
        IProgressSink? progress = null, long seed = 0)
    {
        options = options.Validated();
        progress ??= ProgressSink.None;
        if (images.Count > options.Images)
        {
            using var first = images.Images.narrow(0, 0, options.Images);
            return Compute(model, input, new ConceptImages(first, images.Labels[..options.Images], images.Index[..options.Images]), options, progress, seed);
        }
        var clock = Stopwatch.StartNew();
        var concepts = ConceptRegistry.Resolve(options.Concepts, options.ConceptCsv);
        foreach (var l in options.Layers) Activations.Find(model, l);
        var o = options.Probe;
        progress.Info($"concepts {string.Join(", ", concepts.Select(c => c.Name))} for {images.Count:N0} images ...");
        var values = concepts.Select(c => c.Compute(images)).ToList();
        var split = ProbeSplit.Random(images.Count, o.TestFraction, seed);

        var layers = new List<(LayerActivations Data, string Role, string Point)>();
        try
        {
            if (options.Baselines) layers.Add((LayerFeatures.Pixels(images.Images), "pixels", "-"));
            foreach (var a in LayerFeatures.Read(model, input, images.Images, options.Layers, o.MaxFeatures, seed, "", progress))
                layers.Add((a, "trained", a.Name));
            if (options.Baselines)
            {
                using var init = Seeds.Generator(seed, "probe/random-init");
                using var random = RandomCopy(model, init);
                // The input point reads no weight: its random copy would repeat it exactly.
                var weighted = options.Layers.Where(l => l != "input").ToList();
                if (random is null) progress.Info($"{model.GetType().Name} has no spec to rebuild it from, or no Linear or Conv2d layer to draw afresh: no random-copy baseline.");
                else if (weighted.Count > 0)
                    foreach (var a in LayerFeatures.Read(random, input, images.Images, weighted, o.MaxFeatures, seed, RandomPrefix, progress))
                        layers.Add((a, "random", a.Name[RandomPrefix.Length..]));
            }

            var results = new List<ProbeResult>();
            using var task = progress.Start("probes", layers.Sum(l => values.Sum(c => Cost(l.Data.Width, split.Train.Length, c))));
            // The probes' decompositions are many and small, and their fits run MnistLab's own loops side by side (the
            // folds): libtorch's threads would mostly wait on each other, for seconds per call on a busy machine.
            using var single = TorchSetup.OneLibtorchThread();
            foreach (var (data, _, _) in layers)
            {
                using var layer = ProbeLayer.Prepare(data.Name, data.Features, split, data.Reduction);
                foreach (var concept in values)
                {
                    results.Add(LinearProbe.Compute(layer, concept, o, seed));
                    task.Advance(Cost(data.Width, split.Train.Length, concept), $"{data.Name} / {concept.Name}");
                }
            }
            return new ProbeTableResult(model.GetType().Name, images.Count,
                layers.Select(l => new ProbedLayer(l.Data.Name, l.Role, l.Point, l.Data.Width, l.Data.Reduction)).ToList(),
                concepts.Select(c => c.Name).ToList(), concepts.Select(c => $"{c.Name}: {c.Description}").ToList(), results, options, seed, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var (data, _, _) in layers) data.Dispose();
        }
    }

    /// <summary>
    /// A probe's share of the table's work, so the time left can be read off the progress: a logistic probe's fits cost
    /// about its classes times the square root of the layer's width (measured on MNIST layers of 10 to 784 units), a ridge
    /// probe (decompositions shared by the layer's concepts) about two classes' worth.
    /// </summary>
    static double Cost(int width, int rows, ConceptValues concept) => Math.Sqrt(Math.Min(width, rows)) * (concept.IsDiscrete ? concept.Classes : 2);

    /// <summary>
    /// The model rebuilt from its spec with everything it holds copied (an imported model's constants: normalisation,
    /// reshapes), then every Linear and Conv2d drawn afresh from <paramref name="init"/> as PyTorch initialises them and every
    /// batch norm reset to its untrained state. Null when the model has no spec, or nothing to draw (a TorchScript
    /// module keeps its weights inside libtorch): a "random" copy that equals the model would be no baseline.
    /// </summary>
    public static Module? RandomCopy(Module model, Generator init)
    {
        if (model is not ILabModel lab) return null;
        var copy = lab.Spec.Create();
        if (!copy.modules().Any(m => m is TorchSharp.Modules.Linear or TorchSharp.Modules.Conv2d))
        {
            copy.Dispose();
            return null;
        }
        copy.load_state_dict(model.state_dict());
        ModelInit.Reset(copy, init);
        foreach (var m in copy.modules())
            if (m is TorchSharp.Modules.BatchNorm bn) { bn.reset_running_stats(); bn.reset_parameters(); }
        copy.eval();
        return copy;
    }
}
