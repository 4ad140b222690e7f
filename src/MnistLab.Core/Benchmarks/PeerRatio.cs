using System.Text.Json;

namespace MnistLab.Benchmarks;

/// <summary>Runs a peer script if peers are on, and returns its JSON or a record of why it was skipped.</summary>
static class Peer
{
    public static (JsonElement? Result, object Report) Run(PythonPeer? peer, string script, int threads, BenchOptions options, params string[] args)
    {
        if (peer is null) return (null, new { skipped = "--no-peer" });
        var (result, skipped) = peer.Run(script, threads, args, options.PeerTimeout);
        return result is null ? (null, new { skipped }) : (result, result.Value);
    }

    public static double Get(this JsonElement e, string name) => e.GetProperty(name).GetDouble();
}
