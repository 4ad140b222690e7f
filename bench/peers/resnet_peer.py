"""PyTorch peer for `mnistlab bench`: seed 001's ResNet trained the seed's way (Adam 1e-4, wd 1e-4, batch 32).

ResBlock and ResNet are the seed's. Random inputs of the data's shape (the speed does not depend on the
pixels); --warmup batches untimed, then --batches timed. Prints images per second, and the milliseconds per step
of each phase (forward with the loss, backward, optimiser step with zero_grad) over --batches more steps timed
phase by phase. With --stages, prints instead each layer's forward and backward milliseconds per step, measured as
MnistLab's bench measures its own (each layer on a detached copy of its input; a block's add reads the block's input
and its branch's output).
"""
import argparse, json, time

import torch
from torch import nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    def __init__(self, indim, outdim, ksize=3, s=1):
        super().__init__()
        self.conv1 = nn.Conv2d(indim, outdim, kernel_size=ksize, stride=s, padding=1)
        self.bn = nn.BatchNorm2d(outdim)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(outdim, outdim, kernel_size=ksize, stride=s, padding=1)

    def forward(self, x):
        return x + self.conv2(self.relu(self.bn(self.conv1(x))))


class ResNet(nn.Module):
    def __init__(self, conv_dim=64, fc_dim=256):
        super().__init__()
        self.res1 = ResBlock(1, conv_dim)
        self.res2 = ResBlock(conv_dim, conv_dim)
        self.max_pool = nn.MaxPool2d(2)
        self.res3 = ResBlock(conv_dim, conv_dim)
        self.res4 = ResBlock(conv_dim, conv_dim)
        self.res5 = ResBlock(conv_dim, conv_dim)
        self.res6 = ResBlock(conv_dim, conv_dim)
        self.bn2d = nn.BatchNorm2d(conv_dim)
        self.drop = nn.Dropout(0.5)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(7 * 7 * conv_dim, fc_dim)
        self.bn1d = nn.BatchNorm1d(fc_dim)
        self.fc2 = nn.Linear(fc_dim, 10)
        self.relu = nn.ReLU()
        with torch.no_grad():
            self.fc2.weight *= 0.001
            self.fc2.bias *= 0.001

    def forward(self, x):
        x = self.res2(self.res1(x))
        x = self.drop(self.max_pool(x))
        x = self.res4(self.res3(x))
        x = self.drop(self.max_pool(x))
        x = self.res6(self.res5(x))
        x = self.relu(self.bn2d(x))
        return self.fc2(self.relu(self.bn1d(self.fc1(self.flatten(x)))))


def stages(net):
    """The layers in forward order as (name, function, indices of the values read); value 0 is the image."""
    out, last = [], 0
    def add(name, fn, inputs):
        nonlocal last
        out.append((name, fn, inputs))
        last = len(out)
    seen = {}
    def named(name):
        seen[name] = seen.get(name, 0) + 1
        return name if seen[name] == 1 else f"{name} ({seen[name]})"
    add("View", lambda a: a[0].view(-1, 1, 28, 28), [last])
    for block in ["res1", "res2", "max_pool", "drop", "res3", "res4", "max_pool", "drop", "res5", "res6"]:
        m = getattr(net, block)
        if isinstance(m, ResBlock):
            start = last
            for inner in ["conv1", "bn", "relu", "conv2"]:
                add(f"{block}.{inner}", (lambda f: lambda a: f(a[0]))(getattr(m, inner)), [last])
            add(f"{block}.add", lambda a: a[0] + a[1], [start, last])
        else:
            add(named(block), (lambda f: lambda a: f(a[0]))(m), [last])
    for name in ["bn2d", "relu", "flatten", "fc1", "bn1d", "relu", "fc2"]:
        add(named(name), (lambda f: lambda a: f(a[0]))(getattr(net, name)), [last])
    return out


def stage_times(net, x, y, warmup, steps):
    layers = stages(net)
    fwd = [0.0] * (len(layers) + 1)
    bwd = [0.0] * (len(layers) + 1)
    for step in range(warmup + steps):
        timed = step >= warmup
        values, leaves = [x], []
        for k, (_, fn, inputs) in enumerate(layers):
            ins = [values[0] if i == 0 else values[i].detach().requires_grad_(True) for i in inputs]
            t = time.perf_counter()
            values.append(fn(ins))
            if timed: fwd[k] += time.perf_counter() - t
            leaves.append(ins)
        logits = values[-1].detach().requires_grad_(True)
        t = time.perf_counter()
        loss = F.cross_entropy(logits, y)
        if timed: fwd[-1] += time.perf_counter() - t
        t = time.perf_counter()
        loss.backward()
        if timed: bwd[-1] += time.perf_counter() - t
        grads = [None] * len(values)
        grads[-1] = logits.grad
        for k in range(len(layers) - 1, -1, -1):
            g = grads[k + 1]
            if g is None or not values[k + 1].requires_grad: continue
            t = time.perf_counter()
            values[k + 1].backward(g)
            if timed: bwd[k] += time.perf_counter() - t
            for leaf, i in zip(leaves[k], layers[k][2]):
                if i > 0 and leaf.grad is not None:
                    grads[i] = leaf.grad if grads[i] is None else grads[i] + leaf.grad
        net.zero_grad()
    names = [n for n, _, _ in layers] + ["loss"]
    return [{"name": n, "forward": 1000 * f / steps, "backward": 1000 * b / steps} for n, f, b in zip(names, fwd, bwd)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=False)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batches", type=int, default=40)
    ap.add_argument("--stages", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = ResNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, weight_decay=1e-4)
    x = torch.rand(32, 1, 28, 28)
    y = torch.randint(0, 10, (32,))
    net.train()
    if args.stages:
        print(json.dumps({"torch": torch.__version__, "stage_ms": stage_times(net, x, y, args.warmup, args.batches)}))
        return
    for i in range(args.warmup + args.batches):
        if i == args.warmup:
            t0 = time.perf_counter()
        loss = F.cross_entropy(net(x.view(-1, 1, 28, 28)), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
    secs = time.perf_counter() - t0
    phases = {"forward": 0.0, "backward": 0.0, "optimizer": 0.0}
    for i in range(args.batches):
        t = time.perf_counter()
        loss = F.cross_entropy(net(x.view(-1, 1, 28, 28)), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad()
        t3 = time.perf_counter()
        phases["forward"] += t1 - t
        phases["backward"] += t2 - t1
        phases["optimizer"] += t3 - t2
    print(json.dumps({"torch": torch.__version__, "images_per_second": args.batches * 32 / secs, "batches": args.batches,
                      "phase_ms": {k: 1000 * v / args.batches for k, v in phases.items()}}))


if __name__ == "__main__":
    main()
