"""PyTorch peer for `mnistlab bench`: seed 002's local rule and backprop baseline, done the seed's way.

estimate_mi_binned and local_update_layer below are the seed's (a Python loop per sample and per neuron).
Running them to the end takes minutes, so this times --batches batches of layer 1 and one epoch of the
backprop baseline, and reports per-batch and per-epoch figures to scale from.
"""
import argparse, json, time

import torch
import torch.nn as nn
from torchvision import datasets, transforms


def estimate_mi_binned(y, c, n_bins=10, vmin=-3.0, vmax=3.0, n_classes=10):
    B = y.size(0)
    edges = torch.linspace(vmin, vmax, n_bins + 1)
    bin_idx = torch.clamp(torch.bucketize(y, edges) - 1, 0, n_bins - 1)
    joint_counts = torch.zeros(n_bins, n_classes)
    for i in range(B):
        joint_counts[bin_idx[i].item(), c[i].item()] += 1
    joint_prob = joint_counts / float(B)
    p_bin = joint_prob.sum(dim=1, keepdim=True)
    p_c = joint_prob.sum(dim=0, keepdim=True)
    mask = joint_prob > 0
    p_bc = joint_prob[mask]
    bin_idxs, class_idxs = mask.nonzero(as_tuple=True)
    return (p_bc * (torch.log(p_bc) - torch.log(p_bin[bin_idxs]) - torch.log(p_c[0, class_idxs]))).sum()


def local_batches(layer, loader, batches, lr=1e-3, lambda_reg=0.01):
    optimizer = torch.optim.SGD(layer.parameters(), lr=lr)
    done = 0
    t0 = time.perf_counter()
    for X, labels in loader:
        X = X.view(X.size(0), -1)
        K = layer.weight.shape[0]
        for i in range(K):
            optimizer.zero_grad()
            y_i = (X @ layer.weight[i, :].unsqueeze(0).t() + layer.bias[i].unsqueeze(0)).squeeze(1)
            mi_i = estimate_mi_binned(y_i, labels)
            w_i = layer.weight[i, :]
            red_sum = 0.0
            for j in range(K):
                if j != i:
                    red_sum += torch.dot(w_i, layer.weight[j, :])
            loss_i = -mi_i + lambda_reg * red_sum
            loss_i.backward(retain_graph=True)
            with torch.no_grad():
                for name, param in layer.named_parameters():
                    if param.grad is not None:
                        for row in range(K):
                            if row != i:
                                param.grad[row] = 0.0
            optimizer.step()
        done += 1
        if done >= batches:
            break
    return (time.perf_counter() - t0) / done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", type=int, default=20)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    train = datasets.MNIST(args.root, train=True, download=False, transform=transforms.ToTensor())
    loader = torch.utils.data.DataLoader(train, batch_size=128, shuffle=True)
    per_batch = local_batches(nn.Linear(784, 16), loader, args.batches)

    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for images, labels in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(images), labels).backward()
        opt.step()
    backprop_epoch = time.perf_counter() - t0
    batches_per_epoch = len(loader)
    print(json.dumps({"torch": torch.__version__, "local_seconds_per_batch_layer1": per_batch, "batches_timed": args.batches,
                      "local_two_layers_two_epochs_seconds_extrapolated": per_batch * batches_per_epoch * 2 * 2,
                      "backprop_epoch_seconds": backprop_epoch, "backprop_5_epochs_seconds_extrapolated": backprop_epoch * 5}))


if __name__ == "__main__":
    main()
