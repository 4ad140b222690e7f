using MnistLab.Common;
using MnistLab.Data;

namespace MnistLab.Runs;

/// <summary>
/// What makes a report folder self-describing: version, machine, threads, the data and its hashes, the seed,
/// the command line and the wall time of each stage. Each experiment writes its options beside it.
/// </summary>
public sealed record RunInfo(string MnistlabVersion, string Machine, int Cores, int Threads, IReadOnlyDictionary<string, string> DataSha256, DateTimeOffset Started)
{
    public string Data { get; init; } = "";
    public object? DataGenerator { get; init; }
    public long? Seed { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyDictionary<string, double> StageSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>This machine and process (libtorch's thread count as set now), reading <paramref name="data"/>.</summary>
    public static RunInfo Capture(DataProvenance data) => new(
        LabVersion.Current,
        $"{Environment.OSVersion.VersionString}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}",
        Environment.ProcessorCount,
        TorchSharp.torch.get_num_threads(),
        data.Sha256,
        DateTimeOffset.UtcNow) { Data = data.Name, DataGenerator = data.Generator };
}
