using static TorchSharp.torch;

namespace MnistLab.Tests.Support;

/// <summary>
/// Rows that are sparse sums of known features: <see cref="Directions"/> are random unit vectors in
/// <see cref="Dims"/> dimensions, more of them than dimensions (superposed, so no basis holds them), and each row adds
/// feature i with probability <see cref="Frequencies"/>[i] at a magnitude uniform in [0.5, 1.5]. A dictionary that
/// finds the features must find these directions.
/// </summary>
public sealed class PlantedFeatures : IDisposable
{
    public int Dims { get; }
    public float[][] Directions { get; }
    public double[] Frequencies { get; }

    /// <summary>The rows (N, <see cref="Dims"/>) float32.</summary>
    public Tensor Rows { get; }

    public PlantedFeatures(int dims, double[] frequencies, int rows, int seed)
    {
        var rng = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        Dims = dims;
        Frequencies = frequencies;
        Directions = frequencies.Select(_ =>
        {
            var v = Enumerable.Range(0, dims).Select(_ => Gaussian()).ToArray();
            double norm = Math.Sqrt(v.Sum(x => x * x));
            return v.Select(x => (float)(x / norm)).ToArray();
        }).ToArray();
        var values = new float[rows * dims];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < frequencies.Length; i++)
            {
                if (rng.NextDouble() >= frequencies[i]) continue;
                float magnitude = (float)(0.5 + rng.NextDouble());
                for (int j = 0; j < dims; j++) values[r * dims + j] += magnitude * Directions[i][j];
            }
        Rows = tensor(values, new long[] { rows, dims });
    }

    /// <summary>For each planted direction, the largest cosine similarity to any of <paramref name="learned"/>; their mean.</summary>
    public double MeanMaxCosine(IReadOnlyList<float[]> learned) => Directions.Average(u => learned.Max(d => Cosine(u, d)));

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb + 1e-30);
    }

    public void Dispose() => Rows.Dispose();
}
