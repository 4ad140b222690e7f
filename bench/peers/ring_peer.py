"""PyTorch peer for `mnistlab bench`: seed 000's ring feature, computed the seed's way.

compute_ring_feature below is the seed's function (a Python BFS per image). It runs on the first
--count test images and reports seconds per image, plus the values so MnistLab can compare them.
"""
import argparse, collections, json, time

import numpy as np
import torch
from torchvision import datasets, transforms


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
    ap.add_argument("--count", type=int, default=10000)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    test = datasets.MNIST(args.root, train=False, download=False, transform=transforms.ToTensor())
    n = min(args.count, len(test))
    t0 = time.perf_counter()
    values = [compute_ring_feature(test[i][0]) for i in range(n)]
    secs = time.perf_counter() - t0
    print(json.dumps({"torch": torch.__version__, "images": n, "seconds": secs, "seconds_per_image": secs / n, "ring": values}))


if __name__ == "__main__":
    main()
