using MnistLab.Natives;
using TorchSharp;

namespace MnistLab.Tests.Natives;

public class LibTorchNativesTests
{
    [Fact]
    public void In_a_build_output_nothing_is_copied_and_TorchSharp_loads_its_own()
    {
        // The build patched runtimes/linux-x64/native/libLibTorchSharp.so where needed; a copy in the cache would mean
        // the build's patch did not take.
        LibTorchNatives.EnsureLoaded();
        Assert.Null(LibTorchNatives.Status.Error);
        Assert.Equal(LibTorchNatives.WhereTorchSharpFindsIt, LibTorchNatives.Status.Description);
        using var t = torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }
}
