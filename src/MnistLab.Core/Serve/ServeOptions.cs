using System.Net;
using MnistLab.Common;

namespace MnistLab.Serve;

/// <summary>
/// What <c>mnistlab serve</c> serves and where: the run folders and model folders it reads models from, and the address
/// it listens on. Only the loopback address by default: the server runs models for anyone who can reach it.
/// </summary>
public sealed record ServeOptions
{
    /// <summary>Run folders whose checkpoints are served (<c>checkpoints/*.ckpt</c> at any depth below each).</summary>
    public IReadOnlyList<string> Runs { get; init; } = [];

    /// <summary>Folders written by <c>mnistlab model import</c>, or folders holding such folders.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    public int Port { get; init; } = 5117;
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>
    /// The largest request body accepted, in bytes. A 280x280 canvas as JSON numbers is under 1 MB; anything far past
    /// that is not a request of this API.
    /// </summary>
    public long MaxRequestBytes { get; init; } = 2 << 20;

    /// <summary>True when <see cref="Host"/> is a loopback address (or <c>localhost</c>): no other machine can reach the server.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool LoopbackOnly => Host == "localhost" || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    public ServeOptions Validated()
    {
        Require.InRange(Port, 0, 65535, $"{nameof(ServeOptions)}.{nameof(Port)}");
        if (Host != "localhost" && !IPAddress.TryParse(Host, out _))
            throw new InvalidOptionException($"{nameof(ServeOptions)}.{nameof(Host)}", $"{nameof(ServeOptions)}.{nameof(Host)} must be an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost, got '{Host}'.");
        Require.Positive((int)Math.Min(MaxRequestBytes, int.MaxValue), $"{nameof(ServeOptions)}.{nameof(MaxRequestBytes)}");
        foreach (var dir in Runs)
            if (!Directory.Exists(dir)) throw new InvalidOptionException($"{nameof(ServeOptions)}.{nameof(Runs)}", $"{dir}: no such folder (a run folder, written by 'mnistlab run').");
        foreach (var dir in Models)
            if (!Directory.Exists(dir)) throw new InvalidOptionException($"{nameof(ServeOptions)}.{nameof(Models)}", $"{dir}: no such folder (a model folder, written by 'mnistlab model import', or a folder of them).");
        return this;
    }
}
