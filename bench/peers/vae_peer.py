"""PyTorch peer for `mnistlab bench`: seed 004's concept scores and VAE training, done the seed's way.

concept_scores is the seed's function applied to all 70,000 images (in chunks of 10,000), three times, the
fastest reported (the first call included, as on MnistLab's side); the VAE is the seed's MLPVAE trained with Adam 1e-3
on shuffled batches of 128 gathered from the training images in memory for one whole epoch, after 10 untimed steps of
a throwaway model (warm, as MnistLab's).
"""
import argparse, json, time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets, transforms


class MLPVAE(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU())
        self.fc_mu = nn.Linear(256, d)
        self.fc_logvar = nn.Linear(256, d)
        self.dec = nn.Sequential(nn.Linear(d, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid())

    def forward(self, x, beta=4.0):
        h = self.enc(x)
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = self.dec(z).view(-1, 1, 28, 28)
        recon_loss = F.binary_cross_entropy(recon.view_as(x), x, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return recon, mu, recon_loss + beta * kl


def concept_scores(x):
    with torch.no_grad():
        b = (x > 0.5).float()
        size = b.sum(dim=(1, 2, 3))
        k = torch.ones(1, 1, 3, 3)
        dil = (F.conv2d(b, k, padding=1) > 0).float()
        thick = (dil - b).sum(dim=(1, 2, 3))
        xs = torch.arange(28).view(1, 1, 28, 1)
        ys = torch.arange(28).view(1, 1, 1, 28)
        m00 = b.sum(dim=(1, 2, 3)) + 1e-6
        mx = (b * xs).sum(dim=(1, 2, 3)) / m00
        my = (b * ys).sum(dim=(1, 2, 3)) / m00
        xc = xs - mx.view(-1, 1, 1, 1)
        yc = ys - my.view(-1, 1, 1, 1)
        uxx = (b * xc ** 2).sum(dim=(1, 2, 3)) / m00
        uyy = (b * yc ** 2).sum(dim=(1, 2, 3)) / m00
        uxy = (b * xc * yc).sum(dim=(1, 2, 3)) / m00
        slant = 0.5 * torch.atan2(2 * uxy, (uxx - uyy) + 1e-6)
        return torch.stack([size, thick, slant], dim=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", type=int, default=None, help="stop the epoch after this many batches (a quick check)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tf = transforms.ToTensor()
    train = datasets.MNIST(args.root, train=True, download=False, transform=tf)
    test = datasets.MNIST(args.root, train=False, download=False, transform=tf)
    images = torch.cat([train.data, test.data]).float().div(255).unsqueeze(1)
    concepts = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for chunk in images.split(10000):
            concept_scores(chunk)
        concepts = min(concepts, time.perf_counter() - t0)

    # Batches gathered from tensors in memory, as MnistLab gathers them, after 10 untimed steps of a throwaway model
    # (MnistLab's process is warm too: it has trained the earlier sections).
    x_train = train.data.float().div(255).unsqueeze(1)

    def steps(vae, opt, perm, count):
        seen = 0
        for i, s in enumerate(range(0, len(perm), 128)):
            if count is not None and i >= count:
                break
            x = x_train[perm[s:s + 128]]
            opt.zero_grad()
            _, _, loss = vae(x)
            loss.backward()
            opt.step()
            seen += x.size(0)
        return seen

    warm = MLPVAE()
    steps(warm, torch.optim.Adam(warm.parameters(), lr=1e-3), torch.randperm(len(x_train)), 10)
    vae = MLPVAE()
    opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    seen = steps(vae, opt, torch.randperm(len(x_train)), args.batches)
    secs = time.perf_counter() - t0
    print(json.dumps({"torch": torch.__version__, "concepts_seconds_70000": concepts, "vae_images_per_second": seen / secs,
                      "vae_images": seen, "vae_epoch_seconds": secs}))


if __name__ == "__main__":
    main()
