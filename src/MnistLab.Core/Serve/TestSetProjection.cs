using MnistLab.Common;
using MnistLab.Import;
using MnistLab.Models;
using static TorchSharp.torch;

namespace MnistLab.Serve;

/// <summary>
/// The test images' activations at one point on their first two principal components: each image's coordinates and
/// the share of the total variance each component holds. The components are found by subspace iteration on the centred
/// activations (a block of <see cref="Block"/> directions, re-orthonormalised each step, then the Rayleigh-Ritz step in
/// float64) until the top two stop turning: the covariance of a convolution's output (13,824 features for the speed
/// run's first layer) is too large to decompose whole, and the images' activations are read once and kept only for the
/// call. The sign of each component is fixed so that its largest loading is positive.
/// </summary>
public sealed record TestSetProjection(double[] Explained, float[] X, float[] Y, int Iterations)
{
    /// <summary>Directions iterated together: more than two, so the third and later do not slow the top two's convergence.</summary>
    public const int Block = 12;

    const int MaxIterations = 300;

    /// <summary>1 - |cos| of the angle each of the top two directions may still turn in one step when iteration stops.</summary>
    const double Tolerance = 1e-11;

    public static TestSetProjection Compute(LoadedModel loaded, string point, Tensor images)
    {
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        var x = Activations.Collect(loaded.Model, loaded.Input, images, point, a => a.to_type(ScalarType.Float32).reshape(a.shape[0], -1)); // (N, D)
        x.sub_(x.mean([0], keepdim: true));
        long d = x.shape[1];
        double total = x.square().sum(ScalarType.Float64).item<double>();
        if (n < 2 || total <= 0) throw new BadRequestException($"point '{point}' does not vary over the test images: it has no principal components to show.");

        int k = (int)Math.Min(Block, Math.Min(d, n));
        using var g = Seeds.Generator(0, "serve/projection");
        var q = linalg.qr(randn([d, k], dtype: ScalarType.Float64, generator: g)).Q; // (D, k)
        Tensor? previous = null, top = null;
        double[] values = [];
        int iteration = 0;
        while (true)
        {
            using var step = NewDisposeScope();
            var z = x.matmul(q.to_type(ScalarType.Float32)).to_type(ScalarType.Float64); // (N, k)
            // Rayleigh-Ritz: the best two directions within the block, and the variance along each.
            var (w, v) = linalg.eigh(z.t().matmul(z));
            var order = arange(k - 1, k - 3, -1, dtype: ScalarType.Int64);
            top = q.matmul(v.index_select(1, order)).MoveToOuterDisposeScope(); // (D, 2)
            values = w.index_select(0, order).data<double>().ToArray();
            iteration++;
            bool settled = previous is not null && (1 - top.t().matmul(previous).diagonal().abs()).max().item<double>() < Tolerance;
            previous?.Dispose();
            previous = top;
            if (settled || iteration == MaxIterations || k == Math.Min(d, n)) break; // a block as wide as the data is exact at once
            q.Dispose();
            q = linalg.qr(x.t().matmul(z.to_type(ScalarType.Float32)).to_type(ScalarType.Float64)).Q.MoveToOuterDisposeScope();
        }
        // A direction's sign is arbitrary: the largest loading positive, so the picture does not flip between computations.
        var largest = top!.abs().argmax(0, keepdim: true);
        var axes = top * top.gather(0, largest).sign();
        var coordinates = x.matmul(axes.to_type(ScalarType.Float32)).t().contiguous(); // (2, N)
        return new TestSetProjection(values.Select(v => v / total).ToArray(),
            coordinates[0].data<float>().ToArray(), coordinates[1].data<float>().ToArray(), iteration);
    }
}
