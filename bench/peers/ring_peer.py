"""PyTorch peer for `mnistlab bench`: seed 000's ring feature, computed the seed's way.

compute_ring_feature below is the seed's function (a Python BFS per image). It runs on all 70,000 images (train
then test; --count limits each set), held in memory as (1, 28, 28) tensors in [0, 1] as ToTensor gives them, so
that only the feature is timed, as on MnistLab's side; it reports the seconds, and the test set's values so
MnistLab can compare them.
"""
import argparse, collections, json, time

import numpy as np
import torch
from torchvision import datasets


def compute_ring_feature(img, threshold=0.5):
    h, w = img.shape[1], img.shape[2]
    x = (img[0] > threshold).cpu().numpy().astype(np.uint8)
    bg = (x == 0).astype(np.uint8)
    visited = np.zeros_like(bg, dtype=np.uint8)
    dq = collections.deque()
    for i in range(h):
        if bg[i, 0] and not visited[i, 0]:
            visited[i, 0] = 1
            dq.append((i, 0))
        if bg[i, w - 1] and not visited[i, w - 1]:
            visited[i, w - 1] = 1
            dq.append((i, w - 1))
    for j in range(w):
        if bg[0, j] and not visited[0, j]:
            visited[0, j] = 1
            dq.append((0, j))
        if bg[h - 1, j] and not visited[h - 1, j]:
            visited[h - 1, j] = 1
            dq.append((h - 1, j))
    offsets = [(1, 0), (-1, 0), (0, 1), (0, -1)]
    while dq:
        i, j = dq.popleft()
        for di, dj in offsets:
            ni, nj = i + di, j + dj
            if 0 <= ni < h and 0 <= nj < w and bg[ni, nj] and not visited[ni, nj]:
                visited[ni, nj] = 1
                dq.append((ni, nj))
    holes = (bg == 1) & (visited == 0)
    return int(holes.any())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--count", type=int, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    train = datasets.MNIST(args.root, train=True, download=False).data
    test = datasets.MNIST(args.root, train=False, download=False).data
    n_train, n_test = (len(train), len(test)) if args.count is None else (min(args.count, len(train)), min(args.count, len(test)))
    train = (train[:n_train].float() / 255).unsqueeze(1)
    test = (test[:n_test].float() / 255).unsqueeze(1)
    t0 = time.perf_counter()
    for i in range(n_train):
        compute_ring_feature(train[i])
    values = [compute_ring_feature(test[i]) for i in range(n_test)]
    secs = time.perf_counter() - t0
    n = n_train + n_test
    print(json.dumps({"torch": torch.__version__, "images": n, "seconds": secs, "seconds_per_image": secs / n, "ring": values}))


if __name__ == "__main__":
    main()
