using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Models;

/// <summary>How <see cref="Activations.RunWith"/> replaces an activation.</summary>
public abstract record Replacement
{
    /// <summary>Every value set to 0 (zero ablation).</summary>
    public static readonly Replacement Zero = new ZeroReplacement();

    /// <summary>Each value set to its mean over the batch (mean ablation): the activation no longer depends on the image.</summary>
    public static readonly Replacement Mean = new MeanReplacement();

    /// <summary>The activation set to <paramref name="value"/>, broadcast to its shape (a patch from another run).</summary>
    public static Replacement With(Tensor value) => new ValueReplacement(value);

    /// <summary>The activation replaced by <paramref name="map"/> of itself, same shape (a concept eraser, a steering edit).</summary>
    public static Replacement Using(Func<Tensor, Tensor> map) => new MapReplacement(map);

    /// <summary>
    /// Only the units (dense points) or channels (convolutional points) <paramref name="units"/>, the indices along the
    /// activation's second dimension, replaced by <paramref name="how"/>; every other value passes unchanged.
    /// </summary>
    public static Replacement Units(long[] units, Replacement how) => new UnitsReplacement(units, how);

    internal abstract Tensor Apply(Tensor activation);

    sealed record ZeroReplacement : Replacement
    {
        internal override Tensor Apply(Tensor a) => zeros_like(a);
    }

    sealed record MeanReplacement : Replacement
    {
        internal override Tensor Apply(Tensor a) => a.mean([0], keepdim: true).expand_as(a);
    }

    sealed record ValueReplacement(Tensor Value) : Replacement
    {
        internal override Tensor Apply(Tensor a) => Value.to(a.dtype).expand_as(a);
    }

    sealed record MapReplacement(Func<Tensor, Tensor> Map) : Replacement
    {
        internal override Tensor Apply(Tensor a)
        {
            var b = Map(a);
            if (!b.shape.SequenceEqual(a.shape))
                throw new InvalidOperationException($"a replacement must keep the activation's shape ({string.Join(", ", a.shape)}), not ({string.Join(", ", b.shape)}).");
            return b;
        }
    }

    sealed record UnitsReplacement(long[] Indices, Replacement How) : Replacement
    {
        internal override Tensor Apply(Tensor a)
        {
            if (a.dim() < 2) throw new ArgumentException($"units are indices along an activation's second dimension; this one has shape ({string.Join(", ", a.shape)}).");
            foreach (long u in Indices)
                if (u < 0 || u >= a.shape[1]) throw new ArgumentException($"unit {u} is outside the activation's {a.shape[1]} units or channels.");
            var index = tensor(Indices);
            return a.clone().index_copy_(1, index, How.Apply(a).index_select(1, index));
        }
    }
}

/// <summary>Activations of one forward pass, by point name; owns its tensors.</summary>
public sealed class ActivationCache : IDisposable
{
    readonly Dictionary<string, Tensor> _values;

    internal ActivationCache(Dictionary<string, Tensor> values, Tensor output) => (_values, Output) = (values, output);

    public Tensor this[string name] =>
        _values.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"the cache holds {string.Join(", ", _values.Keys)}, not '{name}'.");

    public IReadOnlyCollection<string> Names => _values.Keys;

    /// <summary>The model's output for the batch.</summary>
    public Tensor Output { get; }

    public void Dispose()
    {
        foreach (var t in _values.Values) t.Dispose();
        Output.Dispose();
    }
}

/// <summary>An activation, the gradient of an objective with respect to it, and the model's output.</summary>
public sealed record PointGradient(Tensor Activation, Tensor Gradient, Tensor Output) : IDisposable
{
    public void Dispose()
    {
        Activation.Dispose();
        Gradient.Dispose();
        Output.Dispose();
    }
}

/// <summary>
/// Reading and replacing a model's activations by point name, in the spirit of TransformerLens: a forward hook
/// is attached to each named point for one call and removed in <c>finally</c>, whatever happens in between.
/// Every call runs the model in eval mode (dropout off, batch-norm running statistics) and restores its mode.
/// </summary>
public static class Activations
{
    /// <summary>The points of <paramref name="model"/>, from input to output.</summary>
    public static IReadOnlyList<NamedPoint> PointsOf(Module model) =>
        model is IHookedModel hooked ? hooked.Points : throw new ArgumentException($"{model.GetType().Name} has no named points.");

    /// <summary>The point called <paramref name="name"/>, or an error listing the model's points.</summary>
    public static NamedPoint Find(Module model, string name) =>
        PointsOf(model).FirstOrDefault(p => p.Name == name)
        ?? throw new InvalidOptionException("point", $"{model.GetType().Name} has no point '{name}'; its points are {string.Join(", ", PointsOf(model).Select(p => p.Name))}.");

    /// <summary>Runs <paramref name="model"/> on <paramref name="x"/> without gradients and returns the activations named.</summary>
    public static ActivationCache Run(Module<Tensor, Tensor> model, Tensor x, IEnumerable<string> names)
    {
        var points = names.Distinct().Select(n => Find(model, n)).ToList();
        var values = new Dictionary<string, Tensor>();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = WithHooks(model, points.Select(p => (p, (Func<Tensor, Tensor?>)(a =>
        {
            values[p.Name] = a.detach().clone().DetachFromDisposeScope();
            return null;
        }))), () => model.call(x));
        return new ActivationCache(values, output.detach().DetachFromDisposeScope());
    }

    /// <summary>
    /// The activation at <paramref name="name"/> for every image of <paramref name="images"/>, read <paramref name="batch"/>
    /// images at a time (the model reads <c>input(images)</c>), each batch's activation passed through <paramref name="keep"/>
    /// (what is kept of it: flattened, pooled, cast) before the batches are joined, so the whole set's raw activations are
    /// never held at once.
    /// </summary>
    public static Tensor Collect(Module<Tensor, Tensor> model, Func<Tensor, Tensor> input, Tensor images, string name, Func<Tensor, Tensor> keep, int batch = 1000)
    {
        var parts = new List<Tensor>();
        try
        {
            for (long start = 0; start < images.shape[0]; start += batch)
            {
                using var cache = Run(model, input(images.narrow(0, start, Math.Min(batch, images.shape[0] - start))), [name]);
                parts.Add(keep(cache[name]));
            }
            return cat(parts, 0);
        }
        finally { foreach (var p in parts) p.Dispose(); }
    }

    /// <summary>Runs <paramref name="model"/> with the activation at <paramref name="name"/> replaced; returns the output.</summary>
    public static Tensor RunWith(Module<Tensor, Tensor> model, Tensor x, string name, Replacement replacement)
    {
        var point = Find(model, name);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = WithHooks(model, [(point, a => replacement.Apply(a))], () => model.call(x));
        return output.detach().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs <paramref name="model"/> with every activation named in <paramref name="replacements"/> replaced, all in one
    /// pass (several replacements at one point apply in the order given); returns the output. The hooks live for this
    /// call only: no later call sees them, whatever happens in this one.
    /// </summary>
    public static Tensor RunWith(Module<Tensor, Tensor> model, Tensor x, IEnumerable<(string Point, Replacement With)> replacements)
    {
        var byPoint = replacements.GroupBy(r => r.Point).Select(g => (Point: Find(model, g.Key), With: g.Select(r => r.With).ToList())).ToList();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = WithHooks(model, byPoint.Select(p => (p.Point, (Func<Tensor, Tensor?>)(a => p.With.Aggregate(a, (value, r) => r.Apply(value))))), () => model.call(x));
        return output.detach().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The gradient of <paramref name="objective"/>(output), summed to a scalar, with respect to the activation at
    /// <paramref name="name"/>. The activation is replaced by a detached copy that requires grad, so the gradient is
    /// exactly d objective / d activation, for any point including <c>input</c>; no parameter gradient is touched.
    /// </summary>
    public static PointGradient Gradient(Module<Tensor, Tensor> model, Tensor x, string name, Func<Tensor, Tensor> objective)
    {
        var point = Find(model, name);
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        Tensor? leaf = null;
        var output = WithHooks(model, [(point, a => leaf = a.detach().requires_grad_(true))], () => model.call(x));
        if (leaf is null) throw new InvalidOperationException($"the forward pass of {model.GetType().Name} never reached point '{name}'.");
        var target = objective(output).sum();
        var grad = autograd.grad([target], [leaf], allow_unused: true)[0] ?? zeros_like(leaf);
        return new PointGradient(leaf.detach().MoveToOuterDisposeScope(), grad.detach().MoveToOuterDisposeScope(), output.detach().MoveToOuterDisposeScope());
    }

    /// <summary>Attaches one hook per point (null keeps the activation), runs, and removes every hook however the run ends.</summary>
    static Tensor WithHooks(Module<Tensor, Tensor> model, IEnumerable<(NamedPoint Point, Func<Tensor, Tensor?> Hook)> hooks, Func<Tensor> run)
    {
        bool wasTraining = model.training;
        var removers = new List<Action>();
        try
        {
            foreach (var (point, hook) in hooks)
                removers.Add(point.Module.register_forward_hook((_, _, output) => hook(output)!).remove);
            model.eval();
            return run();
        }
        finally
        {
            foreach (var remove in removers) remove();
            model.train(wasTraining);
        }
    }
}
