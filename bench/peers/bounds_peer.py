"""PyTorch peer for MnistLab's certified bounds: interval bound propagation and CROWN, written from the papers
(Gowal et al. 2018; Zhang et al. 2018) in plain PyTorch, float64.

Builds the nn.Sequential of an architecture file (--arch, the JSON `mnistlab model import` reads: input shape, optional
normalize, layers) with the weights of --weights (torch.save of its state_dict), and for each image of --images (.npy,
float32 (N, 1, 28, 28) in [0, 1]) with its label (--labels, .npy int64) bounds the margins logit(label) - logit(j), j != label,
(.npy, any whole-number dtype) from below over the L-inf ball of radius --eps clipped to [0, 1]:
  ibp    boxes layer by layer up to the last nonlinear layer; the affine layers after it with the margins folded in
  crown  the margins carried back to the input through every layer: affine layers exactly (vector-Jacobian products),
         ReLU by the chord above and slope 1 or 0 below (1 where u > -l), max-pooling by the element with the largest lower
         bound below and, above, that element where its lower bound beats every other upper bound, else the largest upper
         bound; each ReLU's input first bounded the same way from the input and intersected with its box.
Writes --out (JSON: "ibp" and "crown", N lists of 9 bounds each, in class order without the label; JSON keeps every
float64 digit) and prints one JSON line with the seconds of each method. Run by the tests, which compare these bounds with MnistLab's.
"""
import argparse, json, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def build(arch):
    layers = []
    for spec in arch["layers"]:
        kind = spec["type"]
        if kind == "Linear":
            layers.append(nn.Linear(spec["in_features"], spec["out_features"], bias=spec.get("bias", True)))
        elif kind == "Conv2d":
            layers.append(nn.Conv2d(spec["in_channels"], spec["out_channels"], spec["kernel_size"], stride=spec.get("stride", 1),
                                    padding=spec.get("padding", 0), bias=spec.get("bias", True)))
        elif kind == "BatchNorm2d":
            layers.append(nn.BatchNorm2d(spec["num_features"]))
        elif kind == "ReLU":
            layers.append(nn.ReLU())
        elif kind == "MaxPool2d":
            layers.append(nn.MaxPool2d(spec["kernel_size"], stride=spec.get("stride")))
        elif kind == "Flatten":
            layers.append(nn.Flatten())
        elif kind == "Dropout":
            layers.append(nn.Dropout(spec.get("p", 0.5)))
        else:
            raise SystemExit(f"bounds_peer: no bounds for layer type {kind}")
    return nn.Sequential(*layers)


class Normalize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean, self.std = torch.tensor(mean), torch.tensor(std)

    def forward(self, x):
        shape = (1, -1, 1, 1) if x.dim() == 4 else (1, -1)
        return (x - self.mean.view(shape)) / self.std.view(shape)


class View(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(-1, *self.shape)


def stages(arch, weights):
    model = build(arch)
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    model = model.double().eval()
    chain = [View(arch["input"])]
    if arch.get("normalize"):
        chain.append(Normalize(arch["normalize"]["mean"], arch["normalize"]["std"]))
    chain += [m for m in model if not isinstance(m, nn.Dropout)]
    return chain


def nonlinear(m):
    return isinstance(m, (nn.ReLU, nn.MaxPool2d))


def box_step(m, l, u):
    if isinstance(m, (nn.Linear, nn.Conv2d)):
        c, r = (l + u) / 2, (u - l) / 2
        mid = m(c)
        rad = F.linear(r, m.weight.abs()) if isinstance(m, nn.Linear) else F.conv2d(r, m.weight.abs(), None, m.stride, m.padding)
        return mid - rad, mid + rad
    if isinstance(m, (nn.BatchNorm2d, Normalize)):
        a, b = m(l), m(u)
        return torch.minimum(a, b), torch.maximum(a, b)
    return m(l), m(u)  # monotone: ReLU, max-pooling, reshapes


def relu_lines(l, u):
    """(lower slope, upper slope, upper intercept) of a ReLU on [l, u]; the lower line passes through 0."""
    unstable = (l < 0) & (u > 0)
    active = l >= 0
    chord = torch.where(unstable, u / torch.where(unstable, u - l, torch.ones_like(l)), active.double())
    upper_slope = chord
    upper_intercept = torch.where(unstable, -chord * l, torch.zeros_like(l))
    lower_slope = torch.where(unstable, (u > -l).double(), active.double())
    return lower_slope, upper_slope, upper_intercept


class PoolLines:
    def __init__(self, m, l, u):
        k = m.kernel_size
        s = m.stride
        self.m, self.shape = m, l.shape
        c = l.shape[1]
        lw = F.unfold(l.transpose(0, 1), k, stride=s)  # (C, K, L)
        uw = F.unfold(u.transpose(0, 1), k, stride=s)
        # the first element (in window order) with the largest lower bound
        first = torch.arange(lw.shape[1], 0, -1, dtype=torch.float64).view(1, -1, 1)
        self.best = ((lw == lw.max(1, keepdim=True).values).double() * first).argmax(1, keepdim=True)
        best_lower = lw.gather(1, self.best).squeeze(1)
        others = uw.scatter(1, self.best, float("-inf")).max(1).values
        self.dominant = best_lower >= others
        self.upper_max = uw.max(1).values
        self.k, self.s, self.c = k, s, c

    def back(self, lam, offset):
        n = lam.shape[0]
        flat = lam.reshape(n, self.c, -1)
        pos, neg = flat.clamp(min=0), flat.clamp(max=0)
        coef = pos + torch.where(self.dominant, neg, torch.zeros_like(neg))
        offset = offset + torch.where(self.dominant, torch.zeros_like(neg), neg * self.upper_max).sum((1, 2))
        kk = self.k * self.k if isinstance(self.k, int) else self.k[0] * self.k[1]
        windows = torch.zeros(n, self.c, kk, flat.shape[2]).scatter(2, self.best.unsqueeze(0).expand(n, -1, -1, -1), coef.unsqueeze(2))
        back = F.fold(windows.reshape(n * self.c, kk, -1), self.shape[2:], self.k, stride=self.s)
        return back.reshape(n, *self.shape[1:]), offset


def affine_back(m, shape, lam, offset):
    x = torch.zeros(lam.shape[0], *shape[1:], requires_grad=True)
    with torch.enable_grad():
        y = m(x)
        (grad,) = torch.autograd.grad(y, x, lam)
    return grad, offset + (lam * y.detach()).flatten(1).sum(1)


def back(chain, records, lam, offset, start, stop):
    """Lambda (S, output of chain[start - 1]) back to the input of chain[stop]."""
    for i in range(start - 1, stop - 1, -1):
        m, (l, u, lines) = chain[i], records[i]
        if isinstance(m, nn.ReLU):
            lower_slope, upper_slope, upper_intercept = lines
            pos, neg = lam.clamp(min=0), lam.clamp(max=0)
            offset = offset + (neg * upper_intercept).flatten(1).sum(1)
            lam = pos * lower_slope + neg * upper_slope
        elif isinstance(m, nn.MaxPool2d):
            lam, offset = lines.back(lam, offset)
        else:
            lam, offset = affine_back(m, l.shape, lam, offset)
    return lam, offset


def concretize(lam, offset, l, u):
    return offset + (lam.clamp(min=0) * l + lam.clamp(max=0) * u).flatten(1).sum(1)


def forward(chain, l, u, crown):
    records = []
    for i, m in enumerate(chain):
        lines = None
        if crown and isinstance(m, nn.ReLU):
            # only the inputs that may change sign: the others are relaxed exactly whatever their bounds
            rows = torch.nonzero(((l < 0) & (u > 0)).flatten()).flatten()
            n = len(rows)
            if n > 0 and records:
                pick = torch.zeros(n, l[0].numel())
                pick[torch.arange(n), rows] = 1
                pick = pick.reshape(n, *l.shape[1:])
                lam, offset = back(chain, records, torch.cat([pick, -pick]), torch.zeros(2 * n), i, 0)
                found = concretize(lam, offset, records[0][0], records[0][1])
                shape = l.shape
                l, u = l.flatten().clone(), u.flatten().clone()
                l[rows] = torch.maximum(l[rows], found[:n])
                u[rows] = torch.minimum(u[rows], -found[n:])
                l, u = l.reshape(shape), u.reshape(shape)
            lines = relu_lines(l, u)
        elif crown and isinstance(m, nn.MaxPool2d):
            lines = PoolLines(m, l, u)
        records.append((l, u, lines))
        l, u = box_step(m, l, u)
    return records, (l, u)


def margins(chain, image, label, eps, crown):
    x = torch.from_numpy(image).double().unsqueeze(0)
    l, u = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
    with torch.no_grad():
        records, (ol, ou) = forward(chain, l, u, crown)
    spec = torch.zeros(9, ol.shape[1])
    others = [j for j in range(ol.shape[1]) if j != label]
    for row, j in enumerate(others):
        spec[row, label], spec[row, j] = 1, -1
    stop = 0
    if not crown:
        stop = len(chain)
        while stop > 0 and not nonlinear(chain[stop - 1]):
            stop -= 1
    lam, offset = back(chain, records, spec, torch.zeros(9), len(chain), stop)
    lo, hi = (records[stop][0], records[stop][1]) if stop < len(chain) else (ol, ou)
    return concretize(lam, offset, lo, hi).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--eps", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.arch) as f:
        arch = json.load(f)
    chain = stages(arch, args.weights)
    images, labels = np.load(args.images), np.load(args.labels).astype(np.int64)
    result, seconds = {}, {}
    for name, crown in (("ibp", False), ("crown", True)):
        t = time.perf_counter()
        result[name] = np.stack([margins(chain, images[i], int(labels[i]), args.eps, crown) for i in range(len(labels))])
        seconds[name] = time.perf_counter() - t
    with open(args.out, "w") as f:
        json.dump({name: bounds.tolist() for name, bounds in result.items()}, f)
    print(json.dumps({"images": len(labels), "seconds": seconds}))


if __name__ == "__main__":
    main()
