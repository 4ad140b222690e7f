using System.Runtime;

namespace MnistLab.Common;

/// <summary>
/// Keeps garbage collections from starting while the thread that calls libtorch is inside a native call.
/// </summary>
/// <remarks>
/// TorchSharp hands libtorch its temporaries by handle: the Scalar made from a number (the <c>alpha</c> of every
/// tensor add, the factor of <c>mul(0.9)</c>, the betas inside Adam's step) is unreachable once its handle has
/// been read. A collection that runs during the native call can finalize such a Scalar and free it while libtorch
/// still reads it; the run then dies with "Expected false to be true" from <c>Scalar::toDouble</c>, or reads a
/// wrong value. Background collections run beside the program and do exactly that; blocking collections start
/// only where a managed thread allocates, and MnistLab allocates, calls libtorch and draws its progress bars on
/// one thread. <c>ConcurrentGarbageCollection</c> is off in every project; <see cref="Apply"/> enforces the same
/// when the environment asks for background collections (DOTNET_gcConcurrent=1) or a library host left them on.
/// </remarks>
public static class GcMode
{
    /// <summary>True when collections block (no background collections).</summary>
    public static bool IsBlocking => GCSettings.LatencyMode == GCLatencyMode.Batch;

    /// <summary>Turns background collections off for the rest of the process.</summary>
    public static void Apply()
    {
        if (!IsBlocking) GCSettings.LatencyMode = GCLatencyMode.Batch;
    }
}
