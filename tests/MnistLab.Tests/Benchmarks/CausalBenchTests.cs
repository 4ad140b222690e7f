using System.Text.Json;
using MnistLab.Benchmarks;
using MnistLab.Common;
using MnistLab.Data;
using MnistLab.Tests.Support;
using Xunit.Abstractions;

namespace MnistLab.Tests.Benchmarks;

/// <summary>
/// The bench's causal section on the real MNIST: both measurements ran against their peers, and the answers agree (the
/// speed is the bench's to report, not a test's).
/// </summary>
[Collection(RealMnistCollection.Name)]
public class CausalBenchTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Leace_and_tcav_agree_with_their_peers()
    {
        Skip.IfNot(File.Exists("/usr/bin/python3"), "no /usr/bin/python3 here");
        var files = MnistLocator.Locate(new MnistSource());
        var result = Bench.Run(files, 2, new BenchOptions { Sections = ["causal"] }, ProgressSink.None);
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(result.Report["causal"]));
        var (leace, tcav) = (doc.RootElement.GetProperty("leace"), doc.RootElement.GetProperty("tcav"));
        foreach (var part in new[] { leace, tcav })
            if (part.GetProperty("peer").TryGetProperty("skipped", out var why)) throw new SkipException($"a peer did not run: {why}");
        output.WriteLine($"LEACE: {leace.GetProperty("agreement")}");
        output.WriteLine($"TCAV: {tcav.GetProperty("agreement")}");

        var m = leace.GetProperty("agreement");
        Assert.True(m.GetProperty("max_abs_difference").GetDouble() <= 1e-5 * m.GetProperty("max_abs").GetDouble(), $"the erasers differ: {m}");
        var t = tcav.GetProperty("agreement");
        Assert.Equal(10, t.GetProperty("of").GetInt32());
        // Each side draws its own examples, so a class may differ by more than three standard errors by chance; nine of ten must not.
        Assert.True(t.GetProperty("agreeing").GetInt32() >= 9, $"TCAV scores differ beyond the runs' spread: {t}");
        Assert.Equal(t.GetProperty("cav_accuracy").GetDouble(), t.GetProperty("peer_cav_accuracy").GetDouble(), 0.05);
        Assert.Contains(result.Ratios, r => r.Section == "causal" && r.Key == "tcav_speedup" && r.Value > 0);
    }
}
