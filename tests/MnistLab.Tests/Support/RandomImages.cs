using static TorchSharp.torch;

namespace MnistLab.Tests.Support;

/// <summary>Images (N, 1, 28, 28) of uniform noise in [0, 1], the same for the same seed: inputs for tests that need no digits.</summary>
public static class RandomImages
{
    public static Tensor Of(int n, int seed)
    {
        using var g = new Generator((ulong)seed);
        return rand([n, 1, 28, 28], generator: g);
    }
}
