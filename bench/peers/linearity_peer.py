"""PyTorch peer for `mnistlab bench`: seed 003's workload done the seed's way.

torchvision's MNIST dataset with ToTensor (one PIL image per item), a shuffling DataLoader of batch
256, Adam lr 1e-3, 2 epochs for each of linear+MSE(softmax), linear+CE and MLP 784-256-10, validation
on a 5,000-image split each epoch, test at the end. Prints one JSON line with the timings: the whole run
(the first in the process: cold), each model's training throughput in its second epoch (warm, without the
validation pass), and the dataset load (fastest of three: warm).
"""
import argparse, json, time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets, transforms


class LinearClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x.view(x.size(0), -1))


class MLP(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.view(x.size(0), -1))))


def loss_of(name, logits, y):
    if name == "mse":
        return F.mse_loss(torch.softmax(logits, dim=1), F.one_hot(y, 10).float())
    return F.cross_entropy(logits, y)


def run_epochs(model, loss_name, train_loader, val_loader, epochs):
    """Returns the seconds of the whole training (with validation) and of each epoch's training steps alone."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_seconds, t0 = [], time.perf_counter()
    for _ in range(epochs):
        model.train()
        t = time.perf_counter()
        for x, y in train_loader:
            opt.zero_grad()
            logits = model(x)
            loss = loss_of(loss_name, logits, y)
            loss.backward()
            opt.step()
        train_seconds.append(time.perf_counter() - t)
        if val_loader is not None:
            model.eval()
            with torch.no_grad():
                for x, y in val_loader:
                    loss_of(loss_name, model(x), y)
    return time.perf_counter() - t0, train_seconds


def in_memory_images_per_second(make, loss_name, x, y, epochs=2, batch=256):
    """Training images per second of the last of `epochs` epochs (warm), batches gathered from tensors in memory as
    MnistLab gathers them, without a validation pass: the same work as MnistLab's throughput figure."""
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    seconds = None
    for _ in range(epochs):
        t = time.perf_counter()
        perm = torch.randperm(len(x), generator=g)
        for s in range(0, len(x), batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            loss_of(loss_name, model(x[idx]), y[idx]).backward()
            opt.step()
        seconds = time.perf_counter() - t
    return len(x) / seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tf = transforms.ToTensor()
    load_seconds = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        full = datasets.MNIST(args.root, train=True, download=False, transform=tf)
        test = datasets.MNIST(args.root, train=False, download=False, transform=tf)
        load_seconds = min(load_seconds, time.perf_counter() - t0)
    train, val = torch.utils.data.random_split(full, [55000, 5000], generator=torch.Generator().manual_seed(0))
    train_loader = torch.utils.data.DataLoader(train, batch_size=256, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val, batch_size=256)
    test_loader = torch.utils.data.DataLoader(test, batch_size=256)

    models = [("linear_mse", "mse", LinearClassifier), ("linear_ce", "ce", LinearClassifier), ("mlp_ce", "ce", MLP)]
    training, accs, total0 = {}, {}, time.perf_counter()
    for key, loss_name, make in models:
        model = make()
        secs, epochs = run_epochs(model, loss_name, train_loader, val_loader, 2)
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in test_loader:
                correct += (model(x).argmax(1) == y).sum().item()
        accs[key] = correct / len(test)
        training[key] = {"seconds_2_epochs_with_validation": secs, "epoch_train_seconds": epochs,
                         "images_per_second": len(train) / epochs[-1]}
    total = time.perf_counter() - total0

    # The same models fed from tensors in memory, as MnistLab feeds them: the data pipeline is not part of this figure.
    index = torch.tensor(train.indices)
    x_train = full.data[index].float().div(255).unsqueeze(1)
    y_train = full.targets[index]
    for key, loss_name, make in models:
        training[key]["in_memory_images_per_second"] = in_memory_images_per_second(make, loss_name, x_train, y_train)
    print(json.dumps({"torch": torch.__version__, "threads": args.threads,
                      "load_seconds": load_seconds, "training": training, "test_acc": accs,
                      "linearity_default_seconds": total}))


if __name__ == "__main__":
    main()
