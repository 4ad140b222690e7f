using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Attribution;

/// <summary>
/// The model calls every method is built on: the target's output and its gradient with respect to the inputs, in eval
/// mode (dropout off, batch-norm running statistics: the model a user evaluates), for any <c>Module&lt;Tensor, Tensor&gt;</c>.
/// </summary>
public static class ModelCalls
{
    /// <summary>Runs <paramref name="body"/> with the model in eval mode and restores its mode, however the body ends.</summary>
    public static T InEval<T>(Module model, Func<T> body)
    {
        bool wasTraining = model.training;
        model.eval();
        try { return body(); }
        finally { model.train(wasTraining); }
    }

    /// <summary>The number of outputs (classes) of a model whose output is (N, classes); anything else is refused.</summary>
    public static int Classes(Module<Tensor, Tensor> model, Tensor oneInput)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = InEval(model, () => model.call(oneInput));
        if (output.dim() != 2)
            throw new MnistLabException($"attribution needs a model whose output is (N, classes); {model.GetType().Name} returns ({string.Join(", ", output.shape)}).");
        return (int)output.shape[1];
    }

    /// <summary>output[i, targets[i]] for every row, without gradients. The model must be in eval mode.</summary>
    public static Tensor TargetOutput(Module<Tensor, Tensor> model, Tensor x, Tensor targets)
    {
        using var _ = no_grad();
        return model.call(x).gather(1, targets.view(-1, 1)).squeeze(1);
    }

    /// <summary>
    /// d output[i, targets[i]] / d x[i] for every row, and the target outputs. In eval mode the rows are independent, so
    /// the gradient of the summed objective is each row's own gradient. The model must be in eval mode.
    /// </summary>
    public static (Tensor Gradient, Tensor Output) TargetGradient(Module<Tensor, Tensor> model, Tensor x, Tensor targets)
    {
        using var _ = enable_grad();
        var leaf = x.detach().requires_grad_(true);
        var selected = model.call(leaf).gather(1, targets.view(-1, 1)).squeeze(1);
        var grad = autograd.grad([selected.sum()], [leaf])[0];
        return (grad.detach(), selected.detach());
    }

    /// <summary>The target outputs of <paramref name="x"/> in batches of <paramref name="rows"/>, as float64 values.</summary>
    public static double[] TargetOutputs(Module<Tensor, Tensor> model, Tensor x, long[] targets, int rows = 1024) => InEval(model, () =>
    {
        var result = new double[targets.Length];
        for (int start = 0; start < targets.Length; start += rows)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(rows, targets.Length - start);
            var t = tensor(targets[start..(start + n)]);
            var o = TargetOutput(model, x.narrow(0, start, n), t).to_type(ScalarType.Float64).data<double>().ToArray();
            o.CopyTo(result, start);
        }
        return result;
    });

    /// <summary>
    /// How many rows (inputs of one example) fit in <paramref name="megabytes"/> of working memory for a gradient pass:
    /// estimated from one row's forward pass as the bytes of the input (kept, scaled, and its gradient) and of every
    /// layer's output (kept for the backward pass, and its gradient). At least 1, at most <paramref name="cap"/>.
    /// </summary>
    public static int RowBudget(Module<Tensor, Tensor> model, Tensor oneInput, double megabytes, int cap = 4096)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long values = 3 * oneInput.numel();
        var removers = new List<Action>();
        try
        {
            foreach (var (_, m) in model.named_modules())
                if (m is Module<Tensor, Tensor> leaf && !m.children().Any())
                    removers.Add(leaf.register_forward_hook((_, _, output) => { values += 2 * output.numel(); return null!; }).remove);
            InEval(model, () => model.call(oneInput));
        }
        finally { foreach (var r in removers) r(); }
        double bytesPerRow = Math.Max(1, values) * oneInput.element_size();
        return (int)Math.Clamp(megabytes * 1024 * 1024 / bytesPerRow, 1, cap);
    }
}
