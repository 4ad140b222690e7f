"""numpy peer for MnistLab's concept erasure: LEACE (Belrose et al. 2023) in closed form, written from the paper.

Reads activations X (n, d) from --x (.npy) and a concept from --z (.npy, one value per row) that is one-hot encoded
when --kind discrete; fits the eraser in float64 as MnistLab does: W = Sxx^(-1/2) on the eigenvalues above a relative
--tolerance, P the orthogonal projection onto the column space of W Sxz (singular values above the same relative
tolerance), M = W^+ P W, with the rows and columns of features constant on the data zeroed. Writes M and mean to --out
(.npz) and prints one JSON line: the rank and the seconds of the fit, the fastest of --repeat calls.
Run by `mnistlab bench` (its causal section) and by the tests, which compare its eraser with MnistLab's.
"""
import argparse, json, time

import numpy as np


def leace(x, z, kind, tolerance):
    x = x.astype(np.float64)
    n = x.shape[0]
    if kind == "discrete":
        values = np.unique(z)
        z = (z[:, None] == values[None, :]).astype(np.float64)
    else:
        z = z.astype(np.float64).reshape(-1, 1)
    z = z - z.mean(0)
    mean = x.mean(0)
    centred = x - mean
    sxx = centred.T @ centred / n
    sxz = centred.T @ z / n
    values, vectors = np.linalg.eigh(sxx)
    support = values > tolerance * max(values.max(), np.finfo(float).tiny)
    inv = np.where(support, 1 / np.sqrt(np.clip(values, np.finfo(float).tiny, None)), 0)
    root = np.where(support, np.sqrt(np.clip(values, 0, None)), 0)
    w = (vectors * inv) @ vectors.T
    w_plus = (vectors * root) @ vectors.T
    u, s, _ = np.linalg.svd(w @ sxz, full_matrices=False)
    rank = 0 if s.size == 0 or s.max() <= 0 else int((s > tolerance * s.max()).sum())
    basis = u[:, :rank]
    m = w_plus @ basis @ basis.T @ w
    variance = np.diag(sxx)
    live = (variance > tolerance * max(variance.max(), np.finfo(float).tiny)).astype(np.float64)
    m = m * live[:, None] * live[None, :]
    return m, mean, rank


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--x", required=True)
    ap.add_argument("--z", required=True)
    ap.add_argument("--kind", choices=["discrete", "continuous"], required=True)
    ap.add_argument("--tolerance", type=float, default=1e-10)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--root", help="the bench's MNIST folder (unused: the data comes in --x and --z)")
    ap.add_argument("--threads", type=int, default=2, help="BLAS threads (the bench sets them in the environment too)")
    args = ap.parse_args()
    x, z = np.load(args.x), np.load(args.z)
    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        m, mean, rank = leace(x, z, args.kind, args.tolerance)
        best = min(best, time.perf_counter() - t)
    np.savez(args.out, M=m, mean=mean)
    print(json.dumps({"rank": rank, "seconds": best, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
