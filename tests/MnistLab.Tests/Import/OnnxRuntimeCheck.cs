using Microsoft.ML.OnnxRuntime;

namespace MnistLab.Tests.Import;

/// <summary>
/// Whether ONNX Runtime's natives load here: the tests that use it as an oracle skip, saying why, where they do not,
/// rather than pass without having compared anything.
/// </summary>
public static class OnnxRuntimeCheck
{
    static readonly Lazy<string?> Why = new(() =>
    {
        var g = new OnnxGraphs().Input("x", 784);
        try
        {
            using var session = new InferenceSession(g.Build(g.Node("Identity", ["x"], "y")));
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException or OnnxRuntimeException)
        {
            return $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
    });

    /// <summary>Null where ONNX Runtime runs a model here, else why it does not.</summary>
    public static string? Problem => Why.Value;

    /// <summary>Skips the test, visibly, where ONNX Runtime does not run; <paramref name="instead"/> says what is still checked.</summary>
    public static void Require(string? instead = null) =>
        Skip.If(Problem is not null, $"ONNX Runtime does not run here ({Problem}){(instead is null ? "" : $"; {instead}")}");
}
