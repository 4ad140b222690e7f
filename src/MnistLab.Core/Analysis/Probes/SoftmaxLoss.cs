using System.Numerics;
using System.Runtime.InteropServices;

namespace MnistLab.Analysis.Probes;

/// <summary>
/// Mean cross-entropy of a multinomial logistic model (logits = x W + b) on fixed rows, with its gradient, in one pass
/// over the rows in managed code: each row's logits, softmax and share of the gradient while the row is in cache; the
/// products in float32 or float64, the softmax and sums over classes in float64, in a fixed order (the same inputs give
/// the same bits). One thread on purpose: a fit is thousands of small products, and the fits of different folds run side
/// by side; libtorch's threads would meet at a barrier after every product, which on a busy machine costs more than the
/// product.
/// </summary>
static class SoftmaxLoss
{
    /// <summary>
    /// The loss at weights <paramref name="w"/> (classes x width, class-major) and biases <paramref name="b"/>; the
    /// gradient goes into <paramref name="gw"/> (same layout) and <paramref name="gb"/>.
    /// </summary>
    public static double Evaluate(SoftmaxRows rows, int[] labels, int k, ReadOnlySpan<double> w, ReadOnlySpan<double> b,
        Span<double> gw, Span<double> gb, bool float32)
    {
        int n = rows.Count, d = rows.Width;
        if (labels.Length != n) throw new ArgumentException($"{n} rows but {labels.Length} labels.");
        var logits = new double[k];
        gb.Clear();
        double ce = 0;
        if (float32)
        {
            var x = rows.X32;
            var wf = new float[k * d];
            for (int j = 0; j < wf.Length; j++) wf[j] = (float)w[j];
            var g = new float[k * d];
            // Four rows at a time: each load of a weight or gradient vector then serves four rows, not one.
            var four = new double[4 * k];
            int i = 0;
            for (; i + 4 <= n; i += 4)
            {
                ReadOnlySpan<float> r0 = x.Slice(i * d, d), r1 = x.Slice((i + 1) * d, d), r2 = x.Slice((i + 2) * d, d), r3 = x.Slice((i + 3) * d, d);
                for (int c = 0; c < k; c++)
                {
                    var (s0, s1, s2, s3) = Dot4(r0, r1, r2, r3, wf.AsSpan(c * d, d));
                    (four[c], four[k + c], four[2 * k + c], four[3 * k + c]) = (b[c] + s0, b[c] + s1, b[c] + s2, b[c] + s3);
                }
                for (int q = 0; q < 4; q++) ce += Softmax(four.AsSpan(q * k, k), labels[i + q], n);
                for (int c = 0; c < k; c++)
                {
                    gb[c] += four[c] + four[k + c] + four[2 * k + c] + four[3 * k + c];
                    Axpy4((float)four[c], r0, (float)four[k + c], r1, (float)four[2 * k + c], r2, (float)four[3 * k + c], r3, g.AsSpan(c * d, d));
                }
            }
            for (; i < n; i++)
            {
                var row = x.Slice(i * d, d);
                for (int c = 0; c < k; c++) logits[c] = b[c] + Dot(row, wf.AsSpan(c * d, d));
                ce += Softmax(logits, labels[i], n);
                for (int c = 0; c < k; c++)
                {
                    gb[c] += logits[c];
                    Axpy((float)logits[c], row, g.AsSpan(c * d, d));
                }
            }
            for (int j = 0; j < g.Length; j++) gw[j] = g[j];
        }
        else
        {
            var x = rows.X64;
            gw.Clear();
            for (int i = 0; i < n; i++)
            {
                var row = x.Slice(i * d, d);
                for (int c = 0; c < k; c++) logits[c] = b[c] + Dot(row, w.Slice(c * d, d));
                ce += Softmax(logits, labels[i], n);
                for (int c = 0; c < k; c++)
                {
                    gb[c] += logits[c];
                    Axpy(logits[c], row, gw.Slice(c * d, d));
                }
            }
        }
        return ce / n;
    }

    /// <summary>-log p(label) for the row's logits; the logits become the row's gradient factors (p_c - [c = label]) / n.</summary>
    static double Softmax(Span<double> logits, int label, int n)
    {
        double max = double.NegativeInfinity;
        foreach (double v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (double v in logits) sum += Math.Exp(v - max);
        double log = max + Math.Log(sum);
        double loss = log - logits[label];
        for (int c = 0; c < logits.Length; c++) logits[c] = Math.Exp(logits[c] - log) / n;
        logits[label] -= 1.0 / n;
        return loss;
    }

    static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        Vector<float> s0 = default, s1 = default;
        int v = 0;
        for (; v + 1 < va.Length; v += 2)
        {
            s0 += va[v] * vb[v];
            s1 += va[v + 1] * vb[v + 1];
        }
        if (v < va.Length) s0 += va[v] * vb[v];
        float sum = Vector.Sum(s0 + s1);
        for (int i = va.Length * Vector<float>.Count; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>Four rows' dot products with one vector, in one pass over it.</summary>
    static (float, float, float, float) Dot4(ReadOnlySpan<float> a0, ReadOnlySpan<float> a1, ReadOnlySpan<float> a2, ReadOnlySpan<float> a3, ReadOnlySpan<float> w)
    {
        var v0 = MemoryMarshal.Cast<float, Vector<float>>(a0);
        var v1 = MemoryMarshal.Cast<float, Vector<float>>(a1);
        var v2 = MemoryMarshal.Cast<float, Vector<float>>(a2);
        var v3 = MemoryMarshal.Cast<float, Vector<float>>(a3);
        var vw = MemoryMarshal.Cast<float, Vector<float>>(w);
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int v = 0; v < vw.Length; v++)
        {
            var x = vw[v];
            s0 = Vector.FusedMultiplyAdd(v0[v], x, s0);
            s1 = Vector.FusedMultiplyAdd(v1[v], x, s1);
            s2 = Vector.FusedMultiplyAdd(v2[v], x, s2);
            s3 = Vector.FusedMultiplyAdd(v3[v], x, s3);
        }
        float t0 = Vector.Sum(s0), t1 = Vector.Sum(s1), t2 = Vector.Sum(s2), t3 = Vector.Sum(s3);
        for (int j = vw.Length * Vector<float>.Count; j < w.Length; j++)
        {
            t0 += a0[j] * w[j];
            t1 += a1[j] * w[j];
            t2 += a2[j] * w[j];
            t3 += a3[j] * w[j];
        }
        return (t0, t1, t2, t3);
    }

    /// <summary>y += c0 x0 + c1 x1 + c2 x2 + c3 x3, in one pass over y.</summary>
    static void Axpy4(float c0, ReadOnlySpan<float> x0, float c1, ReadOnlySpan<float> x1, float c2, ReadOnlySpan<float> x2, float c3, ReadOnlySpan<float> x3, Span<float> y)
    {
        var v0 = MemoryMarshal.Cast<float, Vector<float>>(x0);
        var v1 = MemoryMarshal.Cast<float, Vector<float>>(x1);
        var v2 = MemoryMarshal.Cast<float, Vector<float>>(x2);
        var v3 = MemoryMarshal.Cast<float, Vector<float>>(x3);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        Vector<float> k0 = new(c0), k1 = new(c1), k2 = new(c2), k3 = new(c3);
        for (int v = 0; v < vy.Length; v++)
            vy[v] = Vector.FusedMultiplyAdd(k3, v3[v], Vector.FusedMultiplyAdd(k2, v2[v], Vector.FusedMultiplyAdd(k1, v1[v], Vector.FusedMultiplyAdd(k0, v0[v], vy[v]))));
        for (int j = vy.Length * Vector<float>.Count; j < y.Length; j++) y[j] += c0 * x0[j] + c1 * x1[j] + c2 * x2[j] + c3 * x3[j];
    }

    static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var va = MemoryMarshal.Cast<double, Vector<double>>(a);
        var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
        Vector<double> s0 = default, s1 = default;
        int v = 0;
        for (; v + 1 < va.Length; v += 2)
        {
            s0 += va[v] * vb[v];
            s1 += va[v + 1] * vb[v + 1];
        }
        if (v < va.Length) s0 += va[v] * vb[v];
        double sum = Vector.Sum(s0 + s1);
        for (int i = va.Length * Vector<double>.Count; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var va = new Vector<float>(alpha);
        for (int v = 0; v < vx.Length; v++) vy[v] += va * vx[v];
        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++) y[i] += alpha * x[i];
    }

    static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var va = new Vector<double>(alpha);
        for (int v = 0; v < vx.Length; v++) vy[v] += va * vx[v];
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++) y[i] += alpha * x[i];
    }
}
