"""PyTorch peer for `mnistlab bench`: which BLAS the peers' torch runs on, and how fast its matmul is.

Debian's python3-torch calls the generic libblas.so.3, which is netlib's reference code unless an optimised
BLAS (libopenblas0-pthread) provides it. Prints the library the process mapped, torch's build's BLAS_INFO, and
the float32 matmul of two n x n matrices in GFLOP/s (best of several), as MnistLab measures its ceiling.
"""
import argparse, json, time

import torch


def mapped_blas():
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    return sorted(p for p in paths if "blas" in p.rsplit("/", 1)[-1].lower() or "openblas" in p.lower())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=False)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=8)
    ap.add_argument("--budget", type=float, default=20.0, help="stop repeating after this many seconds (a reference BLAS is slow)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(1)
    a = torch.randn(args.n, args.n, generator=g)
    b = torch.randn(args.n, args.n, generator=g)
    start = time.perf_counter()
    a @ b  # warm-up: thread pool and allocator
    best, done = float("inf"), 0
    while done < args.repeats and (done == 0 or time.perf_counter() - start < args.budget):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
        done += 1
    config = torch.__config__.show()
    info = next((part.split("=", 1)[1] for part in config.replace(",", " ").split() if part.startswith("BLAS_INFO=")), "unknown")
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "blas_info": info, "blas_libraries": mapped_blas(),
                      "matmul_gflops": 2 * args.n ** 3 / best / 1e9, "repeats": done}))


if __name__ == "__main__":
    main()
