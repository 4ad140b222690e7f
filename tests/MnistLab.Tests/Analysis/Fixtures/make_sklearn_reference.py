"""Writes sklearn_reference.json: scikit-learn's values on small seeded data, for MnistLab's tests to compare with.

Run once with Debian's interpreter (/usr/bin/python3, python3-sklearn); the tests read the JSON and need no Python.
Every input is float32-exact and written with float32's shortest digits (read it back as float32), so both sides
read the very same numbers.
"""
import json, sys

import numpy as np
import sklearn
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mutual_info_score
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(20240614)
f32 = lambda a: np.asarray(a, dtype=np.float32).astype(np.float64)


def short(a):
    """A float32-exact array as nested lists of floats printed with float32's shortest repr."""
    return [short(v) for v in a] if np.ndim(a) > 0 else float(repr(np.float32(a)))


# Ross (mutual_info_classif): three 1-D features against 3 classes, from mixtures of unit Gaussians
n = 300
y_cls = rng.integers(0, 3, n)
X_cls = f32(np.stack([y_cls * s + rng.standard_normal(n) for s in (0.0, 0.7, 2.0)], axis=1))
ross = mutual_info_classif(X_cls, y_cls, n_neighbors=3, random_state=0)

# plug-in (mutual_info_score) on two discrete variables
a = rng.integers(0, 4, n)
b = (a + rng.integers(0, 2, n)) % 4
plugin = mutual_info_score(a, b)

# KSG (mutual_info_regression): correlated Gaussians, rho 0.6 and 0.9
ksg_x, ksg_y, ksg = [], [], []
for rho in (0.6, 0.9):
    x = rng.standard_normal(n)
    yy = rho * x + np.sqrt(1 - rho * rho) * rng.standard_normal(n)
    x, yy = f32(x), f32(yy)
    ksg_x.append(short(x)); ksg_y.append(short(yy))
    ksg.append(float(mutual_info_regression(x.reshape(-1, 1), yy, n_neighbors=3, random_state=0)[0]))

# Ridge on standardised inputs
Xr = f32(rng.standard_normal((300, 5)) * np.array([1, 2, 0.5, 3, 1]) + 1)
yr = f32(Xr @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + rng.standard_normal(300))
Zr = StandardScaler().fit_transform(Xr)
ridge = []
for alpha in (0.1, 10.0, 300.0):
    m = Ridge(alpha=alpha).fit(Zr, yr)
    ridge.append({"alpha": alpha, "coef": m.coef_.tolist(), "intercept": float(m.intercept_)})

# Multinomial logistic regression on standardised inputs
Xl = f32(rng.standard_normal((300, 4)))
yl = np.argmax(Xl @ rng.standard_normal((4, 3)) + 0.8 * rng.standard_normal((300, 3)), axis=1)
Zl = StandardScaler().fit_transform(Xl)
logistic = []
for C in (0.05, 1.0):
    m = LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(Zl, yl)
    p = m.predict_proba(Zl)
    logistic.append({"C": C, "coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(),
                     "log_loss": float(-np.mean(np.log(p[np.arange(len(yl)), yl])))})

json.dump({
    "sklearn_version": sklearn.__version__,
    "ross": {"x": short(X_cls), "y": y_cls.tolist(), "mi": ross.tolist()},
    "plugin": {"a": a.tolist(), "b": b.tolist(), "mi": float(plugin)},
    "ksg": {"x": ksg_x, "y": ksg_y, "rho": [0.6, 0.9], "mi": ksg},
    "ridge": {"x": short(Xr), "y": short(yr), "fits": ridge},
    "logistic": {"x": short(Xl), "y": yl.tolist(), "fits": logistic},
}, sys.stdout)
