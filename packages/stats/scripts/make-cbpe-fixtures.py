#!/usr/bin/env python3
"""CBPE reference values for @inferlens/stats: NannyML's confidence-based performance estimation
for a binary classifier, re-done in numpy/scipy row by row (no grouping), as NannyML computes it.

    python3 packages/stats/scripts/make-cbpe-fixtures.py

Writes packages/stats/src/fixtures/cbpe.json: a labelled reference (scores rounded to 3 decimals,
so that some tie; labels drawn from a miscalibrated truth, P(y=1 | s) = s**1.5), three windows
(one shifted towards high scores, one small), and per window the estimates, sampling errors and
bounds. Calibration: scikit-learn's IsotonicRegression(out_of_bounds='clip') as NannyML uses it:
one point per distinct score (its mean label, weighted by its rows), scipy.optimize.isotonic_regression,
numpy.interp. Metrics: nannyml/performance_estimation/confidence_based/metrics.py (estimate_* on the
calibrated probabilities); sampling errors: nannyml/sampling_error/binary_classification.py; bounds
estimate +- 3 SE clipped to [0, 1].
"""
import json
import os
import platform

import numpy as np
import scipy
from scipy.optimize import isotonic_regression

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "cbpe.json")


def fit_calibrator(score, y):
    xs, inverse = np.unique(score, return_inverse=True)
    w = np.bincount(inverse).astype(float)
    mean = np.bincount(inverse, weights=y) / w
    iso = isotonic_regression(mean, weights=w, increasing=True).x
    return xs, iso


def calibrate(cal, s):
    xs, ys = cal
    return np.interp(s, xs, ys)  # clips outside [xs[0], xs[-1]]


def estimate_roc_auc(p):
    # NannyML: thresholds sorted descending, cumulative p and 1 - p, trapezoid.
    t = np.sort(p)[::-1]
    tps = np.cumsum(t)
    fps = np.cumsum(1 - t)
    tpr = np.insert(tps / tps[-1], 0, 0)
    fpr = np.insert(fps / fps[-1], 0, 0)
    return float(np.trapezoid(tpr, fpr))


def estimates(p, yp):
    tp = np.sum(np.where(yp == 1, p, 0))
    fp = np.sum(np.where(yp == 1, 1 - p, 0))
    fn = np.sum(np.where(yp == 0, p, 0))
    tn = np.sum(np.where(yp == 0, 1 - p, 0))
    return {
        "accuracy": float((tp + tn) / len(p)),
        "precision": float(tp / (tp + fp)),
        "recall": float(tp / (tp + fn)),
        "f1": float(2 * tp / (2 * tp + fp + fn)),
        "rocAuc": estimate_roc_auc(p),
    }


def sampling_components(y, yp, s):
    y = y.astype(int)
    yp = yp.astype(int)
    acc = (np.std((y == yp).astype(int)), 1.0)
    tp = np.where((y == yp) & (yp == 1), 1, np.nan)
    fp = np.where((y != yp) & (yp == 1), 0, np.nan)
    fn = np.where((y != yp) & (yp == 0), 0, np.nan)
    tp, fp, fn = tp[~np.isnan(tp)], fp[~np.isnan(fp)], fn[~np.isnan(fn)]
    prec = (np.std(np.concatenate([tp, fp])), np.sum(yp) / len(yp))
    rec = (np.std(np.concatenate([tp, fn])), np.sum(y) / len(y))
    tp_fp_fn = np.concatenate([tp, fn, fp])
    factor = len(tp_fp_fn) / ((len(fn) + len(fp)) * 0.5 + len(tp))
    f1 = (np.std(tp_fp_fn * factor), len(tp_fp_fn) / len(yp))
    # ROC AUC (auroc_sampling_error_components), with a stable sort.
    yt, pr = y.copy(), s.copy()
    if np.mean(yt) > 0.5:
        yt = np.abs(yt - 1)
        pr = 1 - pr
    order = np.argsort(pr, kind="stable")
    yt = yt[order]
    positive_ranks = yt * np.arange(len(pr))
    indexes = np.unique(positive_ranks)[1:]
    ser = np.array([index - i for i, index in enumerate(indexes)]) / (len(yt) - np.sum(yt))
    auc = (np.std(ser), np.sum(yt) / len(yt))
    return {"accuracy": acc, "precision": prec, "recall": rec, "f1": f1, "rocAuc": auc}


def rows_of(s, yp, y):
    return [[float(a), int(b), int(c)] for a, b, c in zip(s, yp, y)]


def main():
    rng = np.random.default_rng(31)

    def draw(n, a, b):
        s = np.round(rng.beta(a, b, n), 3)
        y = (rng.uniform(0, 1, n) < s**1.5).astype(int)
        yp = (s >= 0.5).astype(int)
        return s, yp, y

    ref = draw(3000, 2, 2)
    cal = fit_calibrator(ref[0], ref[2].astype(float))
    comps = sampling_components(ref[2], ref[1], ref[0])
    windows = []
    for n, a, b in [(500, 2, 2), (800, 3, 1.5), (60, 2, 2)]:
        s, yp, y = draw(n, a, b)
        p = calibrate(cal, s)
        est = estimates(p, yp)
        out = {}
        for m, v in est.items():
            sd, frac = comps[m]
            se = sd / np.sqrt(n * frac)
            out[m] = {"value": v, "samplingError": float(se), "lower": float(max(0, v - 3 * se)), "upper": float(min(1, v + 3 * se))}
        windows.append({"rows": rows_of(s, yp, y), "estimated": out, "calibrated": [float(x) for x in p[:20]]})
    meta = {"generator": "packages/stats/scripts/make-cbpe-fixtures.py", "numpy": np.__version__, "scipy": scipy.__version__, "python": platform.python_version()}
    doc = {
        "meta": meta,
        "reference": rows_of(*ref),
        "calibrator": {"x": [float(x) for x in cal[0]], "y": [float(x) for x in cal[1]]},
        "sampling": {m: {"std": float(v[0]), "fraction": float(v[1])} for m, v in comps.items()},
        "windows": windows,
    }
    with open(OUT, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
