using MnistLab.Natives;
using TorchSharp;

namespace MnistLab.Tests.Natives;

public class LibTorchNativesTests
{
    [Fact]
    public void In_a_build_output_TorchSharp_finds_the_patched_copy_itself_and_nothing_is_copied()
    {
        // The build patched runtimes/linux-x64/native/libLibTorchSharp.so where needed, so the regular lookup works;
        // a copy in the cache would mean the build's patch did not take.
        LibTorchNatives.EnsureLoaded();
        Assert.Null(LibTorchNatives.Status.Error);
        Assert.Equal(LibTorchNatives.WhereTorchSharpFindsIt, LibTorchNatives.Status.Description);
        using var t = torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }
}
