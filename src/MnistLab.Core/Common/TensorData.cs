using static TorchSharp.torch;

namespace MnistLab.Common;

/// <summary>Copies of tensor contents as managed arrays, for reports and float64 analyses.</summary>
public static class TensorData
{
    /// <summary>Each row of <paramref name="t"/> (first dimension), flattened, as float32.</summary>
    public static float[][] Rows(Tensor t)
    {
        using var scope = NewDisposeScope();
        var c = t.detach().cpu().to_type(ScalarType.Float32).contiguous();
        int n = (int)c.shape[0];
        return Enumerable.Range(0, n).Select(i => c[i].reshape(-1).data<float>().ToArray()).ToArray();
    }

    /// <summary>A 2-D tensor as a float64 matrix.</summary>
    public static double[,] Matrix(Tensor t)
    {
        if (t.dim() != 2) throw new ArgumentException($"expected a 2-D tensor, got ({string.Join(", ", t.shape)}).");
        using var d = t.detach().to_type(ScalarType.Float64).contiguous();
        var flat = d.data<double>().ToArray();
        var m = new double[d.shape[0], d.shape[1]];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(double));
        return m;
    }
}
