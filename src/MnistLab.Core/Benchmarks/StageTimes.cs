using System.Diagnostics;
using MnistLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Benchmarks;

/// <summary>
/// Where a training step's time goes, layer by layer: the model's layers (<see cref="ILayerSequence"/>, each residual
/// block as its branch's layers and the add) run one at a time, each on a detached copy of its input, so that each
/// layer's forward and its backward can be timed on their own. The data flow and the arithmetic are the training
/// step's; the sum comes out a little above the whole step's time (each layer's input gradient is computed, as in the
/// step, except the image's).
/// </summary>
public static class StageTimes
{
    /// <summary>One layer's milliseconds per step, forward and backward.</summary>
    public sealed record StageTime(string Name, double Forward, double Backward);

    sealed record Stage(string Name, Func<Tensor[], Tensor> Run, int[] Inputs);

    /// <summary>
    /// Milliseconds per step of each layer of <paramref name="model"/> on the batch <paramref name="x"/> (given in the
    /// layout the model runs in) with labels <paramref name="y"/>, averaged over <paramref name="steps"/> steps after
    /// <paramref name="warmup"/> untimed ones, in forward order. The last entry is the loss.
    /// </summary>
    public static IReadOnlyList<StageTime> Measure(Module<Tensor, Tensor> model, Tensor x, Tensor y, int warmup, int steps)
    {
        var stages = Stages(model);
        var forward = new double[stages.Count + 1];
        var backward = new double[stages.Count + 1];
        for (int step = 0; step < warmup + steps; step++)
        {
            using var scope = NewDisposeScope();
            bool timed = step >= warmup;
            // values[0] is the image; values[k + 1] the output of stage k; leaves[k] the detached inputs stage k read.
            var values = new List<Tensor> { x };
            var leaves = new List<Tensor[]>();
            foreach (var (stage, k) in stages.Select((s, k) => (s, k)))
            {
                var inputs = stage.Inputs.Select(i => i == 0 ? values[0] : values[i].detach().requires_grad_(true)).ToArray();
                long t0 = Stopwatch.GetTimestamp();
                var output = stage.Run(inputs);
                if (timed) forward[k] += Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                values.Add(output);
                leaves.Add(inputs);
            }
            var logits = values[^1].detach().requires_grad_(true);
            long l0 = Stopwatch.GetTimestamp();
            var loss = functional.cross_entropy(logits, y);
            if (timed) forward[^1] += Stopwatch.GetElapsedTime(l0).TotalMilliseconds;
            l0 = Stopwatch.GetTimestamp();
            loss.backward();
            if (timed) backward[^1] += Stopwatch.GetElapsedTime(l0).TotalMilliseconds;

            // Backward in reverse order: each value's gradient is the sum of what its readers' leaves received.
            var grads = new Tensor?[values.Count];
            grads[^1] = logits.grad;
            for (int k = stages.Count - 1; k >= 0; k--)
            {
                if (grads[k + 1] is not { } g || !values[k + 1].requires_grad) continue;
                long t0 = Stopwatch.GetTimestamp();
                values[k + 1].backward([g]);
                if (timed) backward[k] += Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                foreach (var (leaf, i) in leaves[k].Zip(stages[k].Inputs))
                    if (i > 0 && leaf.grad is { } lg) grads[i] = grads[i] is { } sum ? sum + lg : lg;
            }
            foreach (var p in model.parameters()) p.grad?.zero_();
        }
        return [.. stages.Select((s, k) => new StageTime(s.Name, forward[k] / steps, backward[k] / steps)), new StageTime("loss", forward[^1] / steps, backward[^1] / steps)];
    }

    /// <summary>The layers in forward order, each naming the values it reads; a residual block's add reads the block's input and its branch's output.</summary>
    static List<Stage> Stages(Module<Tensor, Tensor> model)
    {
        if (model is not ILayerSequence sequence) throw new ArgumentException($"{model.GetName()} does not list its layers.", nameof(model));
        var names = new Dictionary<Module, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, module) in model.named_modules()) names.TryAdd(module, name);
        var seen = new Dictionary<string, int>();
        string Name(Module m, string? within = null)
        {
            string name = names.TryGetValue(m, out var n) ? n : (within is null ? "" : within + ".") + m.GetName();
            int count = seen[name] = seen.GetValueOrDefault(name) + 1;
            return count == 1 ? name : $"{name} ({count})";
        }
        static Func<Tensor[], Tensor> Call(Module m) => m is Module<Tensor, Tensor> layer ? a => layer.call(a[0])
            : throw new ArgumentException($"{m.GetName()} is not a layer of one tensor.");

        var stages = new List<Stage>();
        int last = 0; // the index of the value the next layer reads
        foreach (var layer in sequence.Layers())
        {
            if (layer is IResidualBlock block)
            {
                int input = last;
                string blockName = Name(layer);
                foreach (var inner in block.Branch())
                {
                    stages.Add(new(Name(inner, blockName), Call(inner), [last]));
                    last = stages.Count;
                }
                stages.Add(new(blockName + ".add", a => a[0] + a[1], [input, last]));
            }
            else stages.Add(new(Name(layer), Call(layer), [last]));
            last = stages.Count;
        }
        return stages;
    }
}
