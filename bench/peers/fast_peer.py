"""PyTorch peer for `mnistlab bench`: the speed run's recipe (`mnistlab run fast`) in plain PyTorch.

The small CNN of tuomaso/train_mnist_fast (8_Final): conv 5x5-24, max-pool, ReLU, conv 3x3-32, max-pool, ReLU,
fc 800-256-10; Adam lr 1e-2, betas (0.7, 0.9); OneCycleLR to 1e-2 over the run's steps, no momentum cycling;
batch 256, 2 epochs; inputs standardised with the training set's own mean and (unbiased) standard deviation; the whole
set in memory as one tensor, one seeded permutation per epoch. --warmup steps of a throw-away model first (so
both sides time a warm process), then --runs trainings, each timed from its first step to its last (no
evaluation inside), then tested.
"""
import argparse, json, time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 24, 5, 1)
        self.conv2 = nn.Conv2d(24, 32, 3, 1)
        self.fc1 = nn.Linear(800, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


def train(x, y, epochs, batch, seed, max_steps=None):
    torch.manual_seed(seed)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.7, 0.9))
    per_epoch = (x.size(0) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=per_epoch * epochs, cycle_momentum=False)
    g = torch.Generator().manual_seed(seed)
    model.train()
    steps, t0 = 0, time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(x.size(0), generator=g)
        for s in range(0, x.size(0), batch):
            idx = order[s:s + batch]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            sched.step()
            steps += 1
            if max_steps is not None and steps >= max_steps:
                return model, time.perf_counter() - t0
    return model, time.perf_counter() - t0


def test(model, x, y):
    model.eval()
    with torch.no_grad():
        return sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in zip(x.split(2000), y.split(2000))) / y.size(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    train_set = datasets.MNIST(args.root, train=True, download=False)
    test_set = datasets.MNIST(args.root, train=False, download=False)
    pixels = train_set.data.float() / 255
    mean, std = pixels.mean().item(), pixels.std().item()
    norm = lambda d: ((d.float() / 255 - mean) / std).unsqueeze(1)
    x, y, tx, ty = norm(train_set.data), train_set.targets, norm(test_set.data), test_set.targets
    if args.warmup > 0:
        train(x, y, 1, args.batch, args.seed + 1000, max_steps=args.warmup)
    runs = []
    for r in range(args.runs):
        model, secs = train(x, y, args.epochs, args.batch, args.seed + r)
        runs.append({"train_seconds": secs, "test_acc": test(model, tx, ty)})
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "images": x.size(0) * args.epochs,
                      "runs": runs, "train_seconds": [r["train_seconds"] for r in runs]}))


if __name__ == "__main__":
    main()
