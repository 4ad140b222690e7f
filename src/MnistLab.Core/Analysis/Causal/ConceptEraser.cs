using static TorchSharp.torch;

namespace MnistLab.Analysis.Causal;

/// <summary>
/// A linear eraser of a concept from a point's activations: x' = x − M(x − mean), with x one image's activation
/// flattened. <see cref="M"/> (d, d) and <see cref="Mean"/> (d) are float64 and are what the erasers/*.npz files hold, so
/// any tool can apply them. <see cref="Rank"/> is the dimension of the subspace it removes. Owns its tensors.
/// </summary>
public sealed class ConceptEraser(string method, int rank, Tensor m, Tensor mean) : IDisposable
{
    public string Method { get; } = method;
    public int Rank { get; } = rank;
    public Tensor M { get; } = m;
    public Tensor Mean { get; } = mean;
    public int Width => (int)Mean.shape[0];

    /// <summary>The erased activations: <paramref name="x"/> (N, ...) with d values per image, in its own shape and dtype.</summary>
    public Tensor Apply(Tensor x)
    {
        using var scope = NewDisposeScope();
        var flat = x.reshape(x.shape[0], -1).to_type(ScalarType.Float64);
        if (flat.shape[1] != Width)
            throw new ArgumentException($"the eraser was fitted on {Width} values per image; these activations have {flat.shape[1]}.");
        var erased = flat - (flat - Mean).matmul(M.t());
        return erased.reshape(x.shape).to_type(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The control: the orthogonal projection onto a random <paramref name="rank"/>-dimensional subspace (uniform over
    /// subspaces: the QR of a Gaussian matrix), removed around <paramref name="mean"/>: an eraser that knows nothing of
    /// the concept but removes as many dimensions.
    /// </summary>
    public static ConceptEraser RandomSubspace(Tensor mean, int rank, Generator generator)
    {
        using var scope = NewDisposeScope();
        long d = mean.shape[0];
        var m = rank == 0 ? zeros(d, d, ScalarType.Float64) : Basis(randn([d, rank], ScalarType.Float64, generator: generator));
        return new ConceptEraser("random", rank, m.MoveToOuterDisposeScope(), mean.to_type(ScalarType.Float64).clone().MoveToOuterDisposeScope());

        static Tensor Basis(Tensor g)
        {
            var (q, _) = linalg.qr(g);
            return q.matmul(q.t());
        }
    }

    public void Dispose()
    {
        M.Dispose();
        Mean.Dispose();
    }
}
