"""TCAV (Kim et al. 2018) as Captum runs it, in numpy, scikit-learn, scipy and torch: the peer of `mnistlab tcav`.

Two ways in. With --acts and --grads it reads a point's activations on a pool of images (N, d) and the gradients of
one class's logit at that point for the class's images (n, d), as .npy files MnistLab wrote (the agreement tests).
With --weights it does the whole procedure as `mnistlab tcav` does on a 784-H-10 MLP (the bench's causal section):
the first --count MNIST test images (torchvision), their activations at fc1, and for every class the gradients of its
logit at fc1 for its first --class-images images by autograd; then the CAVs once, and every class scored against them.
Either way --members (N,) marks the pool's images that are examples of the concept.

Each run draws its own concept examples and random images, standardises the activations of the two sets
(StandardScaler), fits a logistic regression (the same objective as MnistLab's: mean cross-entropy + lambda/2 |W|^2,
that is C = 1 / (n lambda)), maps its normal back to the point's units (w / sd) and normalises it: the CAV. The TCAV
score is the share of the class's images whose directional derivative (gradient . CAV) is positive; random CAVs
(random against random images) give the null, and a two-sided Student t-test compares the runs' scores with theirs
(scipy's ttest_ind, as Captum). Prints one JSON object: score, scores, random_scores, p_value, cav_accuracy, seconds
(with --weights: one such object per class under "classes", and seconds the fastest of --repeat whole procedures).
"""
import argparse
import json
import os
import time

import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


def cav(acts, concept, random, lam):
    x = acts[np.concatenate([concept, random])]
    y = np.concatenate([np.ones(len(concept)), np.zeros(len(random))])
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    fit = LogisticRegression(C=1.0 / (len(y) * lam), multi_class="multinomial", max_iter=10_000, tol=1e-8)
    fit.fit((x - scaler.mean_) / scale, y)
    w = fit.coef_[0] / scale  # the binary case's coef_ points from class 0 to class 1
    accuracy = fit.score((x - scaler.mean_) / scale, y)
    norm = np.linalg.norm(w)
    return (w / norm if norm > 0 else w), accuracy


def p_value(scores, random_scores):
    if np.std(scores) == 0 and np.std(random_scores) == 0:
        return 1.0 if scores[0] == random_scores[0] else 0.0
    return float(stats.ttest_ind(scores, random_scores).pvalue)


def tcav(acts, members, grads_by_class, runs, examples, lam, rng):
    """The CAVs of `runs` runs and as many random CAVs, then each class's scores against them."""
    def draw(pool):
        return rng.choice(pool, size=min(examples, len(pool)), replace=False)

    everyone = np.arange(len(acts))
    cavs, nulls, accuracies = [], [], []
    for _ in range(runs):
        c, accuracy = cav(acts, draw(members), draw(everyone), lam)
        r, _ = cav(acts, draw(everyone), draw(everyone), lam)
        cavs.append(c)
        nulls.append(r)
        accuracies.append(accuracy)
    out = {}
    for k, grads in grads_by_class.items():
        scores = [float(np.mean(grads @ c > 0)) for c in cavs]
        random_scores = [float(np.mean(grads @ r > 0)) for r in nulls]
        out[k] = {"score": float(np.mean(scores)), "scores": scores, "random_scores": random_scores,
                  "p_value": p_value(scores, random_scores), "cav_accuracy": float(np.mean(accuracies))}
    return out


def mlp_points(weights, images, labels, class_images):
    """fc1's activations on every image, and per class d logit_k / d fc1 on its first images, by autograd."""
    import torch
    w1, b1, w2, b2 = (torch.from_numpy(np.load(os.path.join(weights, f"{n}.npy"))) for n in ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"))
    hidden = b1.numel()
    w1, w2 = w1.view(hidden, 784), w2.view(-1, hidden)
    with torch.no_grad():
        acts = images @ w1.T + b1
    grads = {}
    for k in range(w2.shape[0]):
        rows = torch.nonzero(labels == k).flatten()[:class_images]
        if len(rows) == 0:
            continue
        z = (images[rows] @ w1.T + b1).requires_grad_()
        logit = (torch.relu(z) @ w2.T + b2)[:, k].sum()
        grads[k] = torch.autograd.grad(logit, z)[0].double().numpy()
    return acts.double().numpy(), grads


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acts")
    parser.add_argument("--grads")
    parser.add_argument("--weights", help="a folder of fc1.weight.npy, fc1.bias.npy, fc2.weight.npy, fc2.bias.npy")
    parser.add_argument("--members", required=True)
    parser.add_argument("--root", help="the MNIST folder torchvision reads (with --weights)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--count", type=int, default=2000, help="test images in the pool (with --weights)")
    parser.add_argument("--class-images", type=int, default=200, help="images of each class scored (with --weights)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--lambda", dest="lam", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.weights is None and (args.acts is None or args.grads is None):
        parser.error("give --acts and --grads, or --weights (with --root)")
    members = np.flatnonzero(np.load(args.members) > 0.5)

    if args.weights is None:
        acts = np.load(args.acts).astype(np.float64)
        acts = acts.reshape(len(acts), -1)
        grads = np.load(args.grads).astype(np.float64)
        start = time.perf_counter()
        result = tcav(acts, members, {0: grads.reshape(len(grads), -1)}, args.runs, args.examples, args.lam, np.random.default_rng(args.seed))[0]
        print(json.dumps({**result, "seconds": time.perf_counter() - start}))
        return

    import torch
    from torchvision import datasets, transforms
    torch.set_num_threads(args.threads)
    test = datasets.MNIST(args.root, train=False, download=False, transform=transforms.ToTensor())
    count = min(args.count, len(test))
    images = torch.stack([test[i][0] for i in range(count)]).view(count, 784)
    labels = test.targets[:count].clone()
    times, result = [], None
    for _ in range(args.repeat):
        start = time.perf_counter()
        acts, grads = mlp_points(args.weights, images, labels, args.class_images)
        result = tcav(acts, members, grads, args.runs, args.examples, args.lam, np.random.default_rng(args.seed))
        times.append(time.perf_counter() - start)
    print(json.dumps({"classes": {str(k): v for k, v in result.items()}, "seconds": min(times), "all_seconds": times,
                      "torch": torch.__version__, "images": count}))


if __name__ == "__main__":
    main()
