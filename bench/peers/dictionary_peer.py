"""PyTorch peer for `mnistlab dictionary --kind topk` (the bench's dictionary section): the same TopK recipe in plain PyTorch.

The recipe is MnistLab's (Gao et al. 2024 as SAELens runs it): the training rows scaled so that their mean norm is sqrt(d);
codes f = TopK(ReLU((x - b) W_enc + b_enc)), reconstruction f W_dec + b; the pre-encoder bias b started at the mean
(scaled) row; decoder rows of unit norm, the encoder their transpose at the start; Adam on the squared error summed over
the d inputs and averaged over the rows, plus Gao et al.'s auxiliary loss (the k_aux largest pre-activations among the
features silent for --dead-rows rows reconstruct the residual, scaled by min(dead / k_aux, 1), weighted 1/32); the
decoder gradient's part along each direction removed before each step and the norms restored after; the scale folded
into the weights at the end. The initial directions come from --init (written by MnistLab from the same seed), so both
sides start at the same point; the shuffles are each side's own.

Reads --train (N, d) and --test (M, d) .npy; measures on the test rows L0 (mean active features), FVU (squared error
over the test rows' variance about their mean), dead (never active) and dense (active on > 10%) features. Prints one
JSON line: the metrics, seconds (statistics, training and measurement, the whole fit) and rows_per_second (training
rows x epochs over seconds).
"""
import argparse, json, time

import numpy as np
import torch


def fit(train, test, init, k, epochs, batch, lr, aux_k, aux_coefficient, dead_rows, generator):
    n, d = train.shape
    width = init.shape[0]
    mean = train.mean(0)
    scale = float(np.sqrt(d) / train.norm(dim=1).mean())
    decoder = init.clone().requires_grad_()
    encoder = init.t().clone().requires_grad_()
    encoder_bias = torch.zeros(width, requires_grad=True)
    bias = (mean * scale).clone().requires_grad_()
    optimizer = torch.optim.Adam([encoder, encoder_bias, decoder, bias], lr=lr)
    since_fired = torch.zeros(width, dtype=torch.long)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for first in range(0, n, batch):
            x = train[order[first:first + batch]] * scale
            optimizer.zero_grad()
            pre = (x - bias) @ encoder + encoder_bias
            values, indices = pre.topk(k, dim=1)
            codes = torch.zeros_like(pre).scatter(1, indices, torch.relu(values))
            reconstruction = codes @ decoder + bias
            loss = (reconstruction - x).pow(2).sum(1).mean()
            dead = since_fired >= dead_rows
            dead_count = int(dead.sum())
            if dead_count > 0 and aux_coefficient > 0:
                kk = min(aux_k, dead_count)
                residual = (x - reconstruction).detach()
                dead_only = pre.masked_fill(~dead.unsqueeze(0), float("-inf"))
                v, i = dead_only.topk(kk, dim=1)
                aux_codes = torch.zeros_like(pre).scatter(1, i, v)
                aux = (aux_codes @ decoder - residual).pow(2).sum(1).mean() * min(dead_count / aux_k, 1.0)
                loss = loss + aux * aux_coefficient
            loss.backward()
            with torch.no_grad():
                unit = decoder / decoder.norm(dim=1, keepdim=True).clamp_min(1e-12)
                decoder.grad -= (decoder.grad * unit).sum(1, keepdim=True) * unit
            optimizer.step()
            with torch.no_grad():
                decoder /= decoder.norm(dim=1, keepdim=True).clamp_min(1e-12)
                since_fired += len(x)
                since_fired[(codes > 0).any(0)] = 0
    with torch.no_grad():
        # Folded for inputs in their own units, as MnistLab writes its dictionaries.
        encoder *= scale
        decoder /= scale
        bias /= scale
        pre = (test - bias) @ encoder + encoder_bias
        values, indices = pre.topk(k, dim=1)
        codes = torch.zeros_like(pre).scatter(1, indices, torch.relu(values))
        error = (codes @ decoder + bias - test).double().pow(2).sum()
        variance = (test.double() - test.double().mean(0)).pow(2).sum()
        frequency = (codes > 0).double().mean(0)
        return {"l0": float((codes > 0).sum()) / len(test), "fvu": float(error / variance), "dead": int((frequency == 0).sum()),
                "dense": int((frequency > 0.1).sum()), "scale": scale}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--init", required=True, help="the initial unit directions (width, d), as MnistLab draws them")
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--aux-k", type=int)
    ap.add_argument("--aux-coefficient", type=float, default=1 / 32)
    ap.add_argument("--dead-rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--root", help="the bench's MNIST folder (unused: the rows come in --train and --test)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    train = torch.from_numpy(np.load(args.train)).float()
    test = torch.from_numpy(np.load(args.test)).float()
    init = torch.from_numpy(np.load(args.init)).float()
    start = time.perf_counter()
    result = fit(train, test, init, args.k, args.epochs, args.batch, args.lr, args.aux_k or train.shape[1] // 2, args.aux_coefficient,
                 args.dead_rows, torch.Generator().manual_seed(args.seed))
    seconds = time.perf_counter() - start
    print(json.dumps({**result, "seconds": seconds, "rows_per_second": len(train) * args.epochs / seconds, "torch": torch.__version__,
                      "threads": args.threads}))


if __name__ == "__main__":
    main()
