using System.Diagnostics;
using System.Text.Json;
using MnistLab.Common;
using MnistLab.Tests.Support;
using static TorchSharp.torch;

namespace MnistLab.Tests.Common;

/// <summary>Counts collections and must not have other tests allocating beside it, so it runs alone.</summary>
[Collection(SerialCollection.Name)]
public class GcModeTests
{
    [Theory]
    [InlineData("mnistlab")]
    [InlineData("MnistLab.Tests")]
    public void The_cli_and_the_test_host_start_without_background_collections(string assembly)
    {
        string config = Path.Combine(AppContext.BaseDirectory, $"{assembly}.runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.False(properties.GetProperty("System.GC.Concurrent").GetBoolean(), $"{config} leaves background collections on");
    }

    [Fact]
    public void Scalar_temporaries_outlive_the_native_calls_that_read_them()
    {
        GcMode.Apply();
        // Adds whose alpha is a temporary Scalar, between tensors made from managed arrays. Under background
        // collections this freed an alpha mid-call within about a second ("Expected false to be true" from
        // Scalar::toDouble); with blocking collections it runs clean.
        using var a = randn(200, 200);
        using var b = randn(200, 200);
        using var expected = a.clone().add_(b);
        int collections = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        // Until enough collections have run to mean something (about two seconds on an idle machine; longer on a busy one).
        for (long i = 1; GC.CollectionCount(0) - collections <= 150 && clock.Elapsed < TimeSpan.FromMinutes(2); i++)
        {
            using var sum = a + b;
            if (i % 50 == 0) tensor(new double[200_000]).Dispose();
            if (i % 1000 == 0) Assert.True(sum.allclose(expected, rtol: 0, atol: 0), $"add {i} gave a wrong sum");
        }
        Assert.True(GC.CollectionCount(0) - collections > 100, "too few collections ran for the check to mean anything");
    }
}
