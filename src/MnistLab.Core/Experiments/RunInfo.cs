using System.Reflection;
using MnistLab.Data;

namespace MnistLab.Experiments;

/// <summary>
/// What makes a report folder self-describing: version, machine, threads, the data and its hashes, the seed,
/// the command line and the wall time of each stage. Each experiment writes its options beside it.
/// </summary>
public sealed record RunInfo(string MnistlabVersion, string Machine, int Cores, int Threads, IReadOnlyDictionary<string, string> DataSha256, DateTimeOffset Started)
{
    public string Data { get; init; } = DataProvenance.VerifiedMnist.Name;
    public object? DataGenerator { get; init; }
    public long? Seed { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyDictionary<string, double> StageSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>This machine and run; by default the data is the verified MNIST.</summary>
    public static RunInfo Capture(int threads, DataProvenance? data = null)
    {
        data ??= DataProvenance.VerifiedMnist;
        return new RunInfo(
            Version,
            $"{Environment.OSVersion.VersionString}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}",
            Environment.ProcessorCount,
            threads,
            data.Sha256,
            DateTimeOffset.UtcNow) { Data = data.Name, DataGenerator = data.Generator };
    }

    public static string Version =>
        typeof(RunInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
