"""TCAV (Kim et al. 2018) as Captum runs it, in numpy, scikit-learn and scipy: the peer of `mnistlab tcav`.

Reads a point's activations on a pool of images (N, d), which of them are examples of the concept (N,), and the
gradients of one class's logit at that point for the class's images (n, d), all as .npy files MnistLab wrote. Each run
draws its own concept examples and random images, standardises the activations of the two sets (StandardScaler),
fits a logistic regression (the same objective as MnistLab's: mean cross-entropy + lambda/2 |W|^2, that is
C = 1 / (n lambda)), maps its normal back to the point's units (w / sd) and normalises it: the CAV. The TCAV score is the
share of the class's images whose directional derivative (gradient . CAV) is positive; random CAVs (random against
random images) give the null, and a two-sided Student t-test compares the runs' scores with theirs (scipy's ttest_ind,
as Captum). Prints one JSON object: score, scores, random_scores, p_value, cav_accuracy, seconds.
"""
import argparse
import json
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acts", required=True)
    parser.add_argument("--members", required=True)
    parser.add_argument("--grads", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--lambda", dest="lam", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    acts = np.load(args.acts).astype(np.float64)
    acts = acts.reshape(len(acts), -1)
    members = np.flatnonzero(np.load(args.members) > 0.5)
    grads = np.load(args.grads).astype(np.float64)
    grads = grads.reshape(len(grads), -1)
    rng = np.random.default_rng(args.seed)

    def draw(pool):
        return rng.choice(pool, size=min(args.examples, len(pool)), replace=False)

    start = time.perf_counter()
    everyone = np.arange(len(acts))
    scores, random_scores, accuracies = [], [], []
    for _ in range(args.runs):
        c, accuracy = cav(acts, draw(members), draw(everyone), args.lam)
        r, _ = cav(acts, draw(everyone), draw(everyone), args.lam)
        scores.append(float(np.mean(grads @ c > 0)))
        random_scores.append(float(np.mean(grads @ r > 0)))
        accuracies.append(accuracy)
    seconds = time.perf_counter() - start
    if np.std(scores) == 0 and np.std(random_scores) == 0:
        p = 1.0 if scores[0] == random_scores[0] else 0.0
    else:
        p = float(stats.ttest_ind(scores, random_scores).pvalue)
    print(json.dumps({"score": float(np.mean(scores)), "scores": scores, "random_scores": random_scores, "p_value": p,
                      "cav_accuracy": float(np.mean(accuracies)), "seconds": seconds}))


if __name__ == "__main__":
    main()
