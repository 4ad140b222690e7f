"""PyTorch peer for `mnistlab bench` (section explain): Captum's Integrated Gradients written in plain PyTorch.

Captum cannot be installed here, so its algorithm (captum/attr/_core/integrated_gradients.py with
approximation_methods.py) is restated with its defaults: 50 steps, Gauss-Legendre nodes
0.5*(leggauss(n)[0]+1) and weights 0.5*leggauss(n)[1], zero baseline; all steps of a batch of inputs in one
forward and backward pass, the step-major order Captum uses, the step sizes as a float32 tensor.
The model is the 784-256-10 MLP whose weights MnistLab wrote (fc1.weight.npy, ...); the images are the
10,000 MNIST test images read with torchvision, the targets their labels. Writes the maps to --out (.npy)
and prints one JSON line with the timings.
"""
import argparse, json, os, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets, transforms


class MLP(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.view(x.size(0), -1))))


def integrated_gradients(model, inputs, target, n_steps=50):
    nodes, weights = np.polynomial.legendre.leggauss(n_steps)
    alphas = list(0.5 * (nodes + 1))
    step_sizes = list(0.5 * weights)
    baselines = torch.zeros_like(inputs)
    scaled = torch.cat([baselines + a * (inputs - baselines) for a in alphas], dim=0).requires_grad_()
    expanded_target = target.repeat(n_steps)
    outputs = model(scaled).gather(1, expanded_target.view(-1, 1))
    grads = torch.autograd.grad(torch.unbind(outputs), scaled)[0]
    scaled_grads = grads.contiguous().view(n_steps, -1) * torch.tensor(step_sizes).to(grads.dtype).view(n_steps, 1)
    total_grads = scaled_grads.view(n_steps, *inputs.shape).sum(dim=0)
    return total_grads * (inputs - baselines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--float64", action="store_true", help="run in float64 (the value check, free of float32 ties at ReLU kinks)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    model = MLP()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(np.load(os.path.join(args.weights, name + ".npy"))).view_as(p))
    model.eval()

    test = datasets.MNIST(args.root, train=False, download=False, transform=transforms.ToTensor())
    count = min(args.count, len(test))
    images = torch.stack([test[i][0] for i in range(count)])
    labels = test.targets[:count].clone()
    if args.float64:
        model = model.double()
        images = images.double()

    times, maps = [], None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        parts = [integrated_gradients(model, images[s:s + args.batch], labels[s:s + args.batch], args.steps)
                 for s in range(0, len(images), args.batch)]
        times.append(time.perf_counter() - t0)
        maps = torch.cat(parts).detach()
    np.save(args.out, maps.numpy().astype(np.float32))
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "steps": args.steps, "batch": args.batch,
                      "images": len(images), "dtype": str(images.dtype), "seconds": sorted(times)[len(times) // 2], "all_seconds": times}))


if __name__ == "__main__":
    main()
