using MnistLab.Common;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MnistLab.Import;

/// <summary>
/// Copies a state_dict into a module, strictly: every key the module has must be given with its exact shape, and no
/// other key. All missing and unexpected keys and all shape mismatches are reported together, in one line, so a user
/// fixes the file or the architecture once rather than one key per try.
/// </summary>
public static class StateDictLoader
{
    public static void Load(Module model, StateDict weights, string what)
    {
        var target = model.state_dict();
        var given = weights.Tensors;
        var missing = target.Keys.Where(k => !given.ContainsKey(k)).ToList();
        var unexpected = given.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var wrongShape = target.Keys.Where(given.ContainsKey).Where(k => !target[k].shape.SequenceEqual(given[k].shape))
            .Select(k => $"{k} has shape {Dims(given[k].shape)}, the model needs {Dims(target[k].shape)}").ToList();
        var wrongType = target.Keys.Where(given.ContainsKey).Where(k => !Compatible(given[k].dtype, target[k].dtype))
            .Select(k => $"{k} is {given[k].dtype}, the model needs {target[k].dtype}").ToList();
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"missing {string.Join(", ", missing)}");
        if (unexpected.Count > 0) problems.Add($"unexpected {string.Join(", ", unexpected)}");
        problems.AddRange(wrongShape);
        problems.AddRange(wrongType);
        if (problems.Count > 0) throw new DataFormatException($"{weights.Source}: does not fit {what}: {ErrorText.Printable(string.Join("; ", problems))}.");

        using var _ = no_grad();
        foreach (var (key, t) in target) t.copy_(given[key]);
    }

    static bool Compatible(ScalarType from, ScalarType to) => is_floating_point(empty(0, dtype: from)) == is_floating_point(empty(0, dtype: to));

    static string Dims(long[] shape) => $"({string.Join(", ", shape)})";
}
