using System.Reflection;
using MnistLab.Data;

namespace MnistLab.Experiments;

/// <summary>What makes a report folder self-describing: version, machine, threads, data hashes.</summary>
public sealed record RunInfo(string MnistlabVersion, string Machine, int Cores, int Threads, IReadOnlyDictionary<string, string> DataSha256, DateTimeOffset Started)
{
    /// <summary>This machine and run; the data hashes are those every MNIST file was verified against.</summary>
    public static RunInfo Capture(int threads) => new(
        Version,
        $"{Environment.OSVersion.VersionString}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}",
        Environment.ProcessorCount,
        threads,
        MnistFiles.All.ToDictionary(f => f.Name, f => f.Sha256),
        DateTimeOffset.UtcNow);

    public static string Version =>
        typeof(RunInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
