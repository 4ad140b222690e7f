"""scikit-learn peer for `mnistlab bench` (the `probe` section): the same probes and estimator on the same features.

Features are the first --count MNIST test images as torchvision reads them (pixels / 255, float32), the first 80% to fit
and the rest to measure, standardised on the fitting rows (StandardScaler). Three workloads, each the fastest of two calls
(warm, as MnistLab's side is timed):
  mi        mutual_info_classif (Ross 2014, k = 3) of 16 fixed cosine projections of the pixels against the class;
  ridge     Ridge(alpha = n * lambda) from the pixels to the digit's size (pixels > 0.5) for the 9 lambdas MnistLab tries,
            and RidgeCV over the same alphas (its leave-one-out choice);
  logistic  multinomial LogisticRegression(C = 1 / (n * lambda)), lambda = 1e-3, from the pixels to the class.
With --table DIR, also the cells of MnistLab's default probe table on the features MnistLab wrote there (one .npy per
layer, table.json: the split, the folds, the penalties, each concept with its control task): per layer and concept,
StandardScaler on the training images, then the probe MnistLab fits chosen the way MnistLab chooses it (k-fold
cross-validation over the same penalties, folds and loss: fold f holds the training images at positions = f mod k; the
held-out log-loss or squared error picks the penalty):
LogisticRegressionCV(Cs = 1 / (n lambda), tol 1e-4, at most 200 iterations per fit) for a discrete concept and a
LogisticRegression with the chosen C for its control task, RidgeCV(alphas = n lambda) for a continuous concept and
again for its control task. Timed once, as MnistLab's table is.
Prints one JSON line.
"""
import argparse, json, os, time, warnings

import numpy as np
import threadpoolctl
from sklearn.feature_selection import mutual_info_classif
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, Ridge, RidgeCV
from sklearn.model_selection import PredefinedSplit
from sklearn.preprocessing import StandardScaler
from torchvision import datasets

LAMBDAS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100]


def projections(x):
    """16 cosine projections of the pixels, w[p, k] = cos(0.37 p k + k), k = 1..16, rounded to float32."""
    p = np.arange(784, dtype=np.float64)[:, None]
    k = np.arange(1, 17, dtype=np.float64)[None, :]
    return (x @ np.cos(0.37 * p * k + k)).astype(np.float32).astype(np.float64)


def timed(work, rounds=2):
    """The work's result and its fastest time over the rounds."""
    best, result = None, None
    for _ in range(rounds):
        t = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - t
        best = seconds if best is None else min(best, seconds)
    return result, best


def table(folder):
    """MnistLab's probe table's cells fitted by scikit-learn's cross-validated probes, each with its control task."""
    spec = json.load(open(os.path.join(folder, "table.json")))
    train, test = np.array(spec["train"]), np.array(spec["test"])
    n = len(train)
    folds = PredefinedSplit(np.arange(n) % spec["folds"])
    cs = [1 / (n * lam) for lam in spec["logistic_lambdas"]]
    alphas = [n * lam for lam in spec["ridge_lambdas"]]
    cells = []
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fit stopped at its iteration limit, as MnistLab's may
        for layer in spec["layers"]:
            x = np.load(os.path.join(folder, layer["file"])).astype(np.float64)
            scaler = StandardScaler().fit(x[train])
            z_fit, z_test = scaler.transform(x[train]), scaler.transform(x[test])
            for c in spec["concepts"]:
                y, control = np.array(c["values"]), np.array(c["control"])
                if c["discrete"]:
                    y, control = y.astype(int), control.astype(int)
                    m = LogisticRegressionCV(Cs=cs, cv=folds, scoring="neg_log_loss", tol=1e-4, max_iter=200).fit(z_fit, y[train])
                    score = float((m.predict(z_test) == y[test]).mean())
                    mc = LogisticRegression(C=m.C_[0], tol=1e-4, max_iter=300).fit(z_fit, control[train])
                    control_score = float((mc.predict(z_test) == control[test]).mean())
                    kind = "logistic"
                else:
                    m = RidgeCV(alphas=alphas, cv=folds, scoring="neg_mean_squared_error").fit(z_fit, y[train])
                    score = float(m.score(z_test, y[test]))
                    mc = RidgeCV(alphas=alphas, cv=folds, scoring="neg_mean_squared_error").fit(z_fit, control[train])
                    control_score = float(mc.score(z_test, control[test]))
                    kind = "ridge"
                cells.append({"layer": layer["name"], "concept": c["name"], "kind": kind, "score": score, "control_score": control_score})
    return {"seconds": time.perf_counter() - start, "cells": cells}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--table", help="a folder MnistLab wrote its probe table's features to")
    args = ap.parse_args()
    with threadpoolctl.threadpool_limits(args.threads):
        test = datasets.MNIST(args.root, train=False, download=False)
        x = (test.data[: args.count].reshape(args.count, 784).numpy().astype(np.float32) / np.float32(255)).astype(np.float64)
        y = test.targets[: args.count].numpy()
        n_fit = int(round(0.8 * args.count))
        out = {"count": args.count, "fit": n_fit}

        f = projections(x)
        mi, mi_seconds = timed(lambda: mutual_info_classif(f, y, n_neighbors=3, random_state=0))
        out["mi"] = {"values": mi.tolist(), "seconds": mi_seconds}

        scaler = StandardScaler().fit(x[:n_fit])
        z_fit, z_test = scaler.transform(x[:n_fit]), scaler.transform(x[n_fit:])
        size = (x > 0.5).sum(axis=1).astype(np.float64)

        def ridge_path():
            r2 = []
            for lam in LAMBDAS:
                pred = Ridge(alpha=n_fit * lam).fit(z_fit, size[:n_fit]).predict(z_test)
                r2.append(1 - ((size[n_fit:] - pred) ** 2).sum() / (((size[n_fit:] - size[n_fit:].mean()) ** 2).sum() + 1e-8))
            return r2
        r2, ridge_seconds = timed(ridge_path)
        cv, cv_seconds = timed(lambda: RidgeCV(alphas=[n_fit * lam for lam in LAMBDAS]).fit(z_fit, size[:n_fit]))
        out["ridge"] = {"r2": r2, "seconds": ridge_seconds, "ridgecv_seconds": cv_seconds, "ridgecv_lambda": cv.alpha_ / n_fit}

        lam = 1e-3
        m, seconds = timed(lambda: LogisticRegression(C=1 / (n_fit * lam), max_iter=1000).fit(z_fit, y[:n_fit]))
        p = m.predict_proba(z_test)
        out["logistic"] = {"accuracy": float((p.argmax(1) == y[n_fit:]).mean()),
                           "cross_entropy": float(-np.log(p[np.arange(len(p)), y[n_fit:]]).mean()),
                           "seconds": seconds, "iterations": int(m.n_iter_[0])}
        if args.table:
            out["table"] = table(args.table)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
