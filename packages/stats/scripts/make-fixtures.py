#!/usr/bin/env python3
"""Generate the reference values that @inferlens/stats is tested against.

Run from the repository root (needs numpy and scipy; the tests never run Python):

    python3 packages/stats/scripts/make-fixtures.py

Writes JSON into packages/stats/src/fixtures/. Samples use fixed seeds and are rounded
(which also creates ties, the case the KS code has to get right), so the files are stable.
Every reference value comes from scipy/numpy, never from our own code.
"""
import json
import math
import os
import platform

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon
from scipy.stats._stats_py import _attempt_exact_2kssamp

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures")
META = {"generator": "packages/stats/scripts/make-fixtures.py", "numpy": np.__version__,
        "scipy": scipy.__version__, "python": platform.python_version()}


def write(name, payload):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"meta": META, **payload}, f, separators=(",", ":"))
        f.write("\n")


def rounded(a, decimals):
    return [float(x) for x in np.round(a, decimals)]


def distributions():
    kstwo = []
    for n in [1, 2, 3, 5, 10, 20, 50, 100, 140, 141, 200, 500, 1000, 5000, 20000, 100000, 200000]:
        xs = {0.3 / n, 0.7 / n, 1.5 / n, 0.6, 0.95, 1 - 0.5 / n}
        xs |= {z / math.sqrt(n) for z in [0.3, 0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0]}
        for x in sorted(xs):
            if 0 < x < 1:
                kstwo.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    exact = []
    for n1, n2 in [(5, 7), (10, 10), (20, 30), (33, 33), (100, 150), (500, 300), (1000, 1000), (2000, 1500)]:
        g = math.gcd(n1, n2)
        lcm = n1 // g * n2
        for z in [0.4, 0.8, 1.2, 1.6, 2.5]:
            d = round(z * math.sqrt((n1 + n2) / (n1 * n2)) * lcm) / lcm
            if d >= 1:
                continue
            ok, d2, p = _attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
            assert ok
            exact.append({"n1": n1, "n2": n2, "d": d, "p": float(p)})
    chi2 = []
    for dof in [1, 2, 3, 5, 10, 50, 200, 1000]:
        for q in [1e-6, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999999]:
            x = float(stats.chi2.ppf(q, dof))
            chi2.append({"x": x, "dof": dof, "sf": float(stats.chi2.sf(x, dof))})
        x = dof + 40 * math.sqrt(2 * dof) + 50  # deep tail
        chi2.append({"x": x, "dof": dof, "sf": float(stats.chi2.sf(x, dof))})
    write("distributions.json", {"kstwoSf": kstwo, "ksTwoSampleExact": exact, "chiSquareSf": chi2})


def ks_cases():
    rng = np.random.default_rng(20240601)
    cases = []
    specs = [  # name, n1, n2, shift, scale, decimals
        ("tiny-equal", 8, 8, 0.0, 1.0, 2),
        ("small-shifted", 25, 40, 0.8, 1.0, 2),
        ("ties-heavy", 120, 90, 0.1, 1.0, 0),
        ("medium-same", 800, 650, 0.0, 1.0, 3),
        ("medium-scale", 1500, 1200, 0.0, 1.3, 3),
        ("exact-limit", 10000, 300, 0.15, 1.0, 3),
        ("asymptotic", 10001, 400, 0.1, 1.0, 3),
        ("asymptotic-same", 10500, 350, 0.0, 1.0, 3),
    ]
    for name, n1, n2, shift, scale, dec in specs:
        a = rounded(rng.normal(0, 1, n1), dec)
        b = rounded(rng.normal(shift, scale, n2), dec)
        r = stats.ks_2samp(a, b, method="auto")
        cases.append({"name": name, "reference": a, "current": b,
                      "statistic": float(r.statistic), "pValue": float(r.pvalue),
                      "method": "exact" if max(n1, n2) <= 10000 else "asymptotic"})
    write("ks-two-sample.json", {"cases": cases})


def psi(ref, cur, smoothing=1.0):
    p = (np.asarray(ref, float) + smoothing) / (np.sum(ref) + smoothing * len(ref))
    q = (np.asarray(cur, float) + smoothing) / (np.sum(cur) + smoothing * len(cur))
    return float(np.sum((q - p) * np.log(q / p)))


def hellinger(ref, cur):
    p = np.asarray(ref, float) / np.sum(ref)
    q = np.asarray(cur, float) / np.sum(cur)
    return float(np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)))


def numeric_cases():
    rng = np.random.default_rng(7)
    specs = [  # name, ref sampler, cur sampler
        ("normal-same", lambda: rng.normal(10, 2, 2000), lambda: rng.normal(10, 2, 1500)),
        ("normal-shift", lambda: rng.normal(10, 2, 2000), lambda: rng.normal(10.6, 2, 1500)),
        ("lognormal-scale", lambda: rng.lognormal(0, 0.5, 3000), lambda: rng.lognormal(0, 0.8, 800)),
        ("discrete-ties", lambda: rng.integers(0, 6, 500).astype(float), lambda: rng.integers(1, 7, 400).astype(float)),
        ("small", lambda: rng.normal(0, 1, 30), lambda: rng.normal(0.5, 1, 20)),
    ]
    cases = []
    for name, fr, fc in specs:
        a = np.round(fr(), 4)
        b = np.round(fc(), 4)
        edges = np.unique(np.quantile(a, np.arange(1, 10) / 10))
        rc = np.bincount(np.searchsorted(edges, a, side="left"), minlength=len(edges) + 1)
        cc = np.bincount(np.searchsorted(edges, b, side="left"), minlength=len(edges) + 1)
        w = float(stats.wasserstein_distance(a, b))
        cases.append({
            "name": name, "reference": [float(x) for x in a], "current": [float(x) for x in b],
            "edges": [float(x) for x in edges],
            "referenceCounts": [int(x) for x in rc], "currentCounts": [int(x) for x in cc],
            "wasserstein": w, "wassersteinNormalized": w / float(np.std(a)),
            "psi": psi(rc, cc), "jensenShannon": float(jensenshannon(rc, cc)),
            "jensenShannonBase2": float(jensenshannon(rc, cc, base=2)),
            "hellinger": hellinger(rc, cc),
        })
    write("numeric-drift.json", {"cases": cases})


def categorical_cases():
    specs = [
        ("same-shares", [500, 300, 200], [250, 150, 100]),
        ("shifted", [500, 300, 200, 0], [300, 300, 350, 50]),  # last: unseen in reference
        ("many", [120, 80, 60, 40, 30, 20, 10, 5, 3, 1], [100, 90, 40, 50, 25, 30, 5, 9, 0, 2]),
        ("small", [7, 5, 3], [2, 6, 4]),
        ("two", [900, 100], [850, 150]),
    ]
    cases = []
    for name, ref, cur in specs:
        table = np.array([ref, cur])
        keep = table.sum(axis=0) > 0
        chi2, p, dof, _ = stats.chi2_contingency(table[:, keep], correction=False)
        cases.append({
            "name": name, "reference": ref, "current": cur,
            "chiSquare": {"statistic": float(chi2), "degreesOfFreedom": int(dof), "pValue": float(p)},
            "psi": psi(ref, cur), "jensenShannon": float(jensenshannon(ref, cur)),
            "jensenShannonBase2": float(jensenshannon(ref, cur, base=2)),
            "hellinger": hellinger(ref, cur),
        })
    write("categorical-drift.json", {"cases": cases})


def two_proportion_z(x1, n1, x2, n2):
    """Pooled two-proportion z of sample 2 against sample 1 and its two-sided p-value: the formula of
    statsmodels' proportions_ztest (and of Evidently's z-test, with the sign flipped), with scipy's normal."""
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return z, float(2 * stats.norm.sf(abs(z)))


def discrete_cases():
    """Binary categoricals (two-proportion z-test) and numeric features with few distinct values
    (compared as categories). For a 2 x 2 table the pooled z-test and the chi-square test of
    homogeneity without Yates' correction are the same test: z^2 = X^2, same p-value; both come from
    scipy here, independently."""
    counts = []
    for x1, n1, x2, n2 in [(120, 400, 150, 380), (30, 900, 31, 950), (5, 60, 19, 70), (700, 1000, 410, 600), (2, 1000, 40, 800)]:
        z, p = two_proportion_z(x1, n1, x2, n2)
        chi2, pc, dof, _ = stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
        counts.append({"a": {"successes": x1, "trials": n1}, "b": {"successes": x2, "trials": n2}, "z": z, "pValue": p,
                       "chiSquare": float(chi2), "chiSquarePValue": float(pc)})
    rng = np.random.default_rng(11)
    raw = []
    specs = [  # name, reference, current, method scipy decides with
        ("flag-small", rng.choice([0.0, 1.0], 400, p=[0.7, 0.3]), rng.choice([0.0, 1.0], 300, p=[0.6, 0.4]), "two-proportion-z"),
        ("rating-small", rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], 800, p=[0.1, 0.2, 0.4, 0.2, 0.1]),
         rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], 500, p=[0.15, 0.25, 0.3, 0.2, 0.1]), "chi-square"),
        ("count-large", rng.choice([0.0, 1.0, 2.0], 3000, p=[0.5, 0.3, 0.2]), rng.choice([0.0, 1.0, 2.0, 3.0], 1000, p=[0.45, 0.3, 0.2, 0.05]), "jensen-shannon"),
    ]
    for name, a, b, method in specs:
        keys = sorted(set(a.tolist()) | set(b.tolist()))
        ra = [int(np.sum(a == k)) for k in keys]
        rb = [int(np.sum(b == k)) for k in keys]
        case = {"name": name, "reference": a.tolist(), "current": b.tolist(), "method": method,
                "referenceValues": len(set(a.tolist())), "jensenShannon": float(jensenshannon(ra, rb))}
        chi2, pc, dof, _ = stats.chi2_contingency([ra, rb], correction=False)
        case["chiSquare"] = {"statistic": float(chi2), "pValue": float(pc), "degreesOfFreedom": int(dof)}
        if method == "two-proportion-z":
            # The reference's most frequent value is the category whose share is compared.
            top = keys[int(np.argmax(ra))]
            z, p = two_proportion_z(int(np.sum(a == top)), len(a), int(np.sum(b == top)), len(b))
            case["twoProportion"] = {"category": str(int(top)), "z": z, "pValue": p}
        raw.append(case)
    write("discrete-drift.json", {"twoProportion": counts, "lowCardinality": raw})


def quality_cases():
    """Classification and regression metrics with numpy formulas; ROC AUC from scipy's Mann-Whitney U
    (an independent route to the same number), log loss clipped at 1e-15."""
    rng = np.random.default_rng(55)
    classification = []
    for n, classes, noise in [(50, ["a", "b"], 0.3), (400, ["cat", "dog", "emu"], 0.4), (1000, ["0", "1"], 0.1), (30, ["x", "y", "z"], 0.9)]:
        truth = rng.choice(classes, n)
        flip = rng.random(n) < noise
        pred = np.where(flip, rng.choice(classes + ["never"], n) if n == 30 else rng.choice(classes, n), truth)
        labels = sorted(set(truth) | set(pred))
        per = {}
        for c in labels:
            tp = int(np.sum((truth == c) & (pred == c)))
            pp, ap = int(np.sum(pred == c)), int(np.sum(truth == c))
            precision = tp / pp if pp else 0.0
            recall = tp / ap if ap else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            per[c] = {"precision": precision, "recall": recall, "f1": f1, "support": ap}
        classification.append({"truth": [str(t) for t in truth], "predicted": [str(p) for p in pred],
                               "accuracy": float(np.mean(truth == pred)), "classes": per,
                               "macro": {k: float(np.mean([per[c][k] for c in labels])) for k in ["precision", "recall", "f1"]}})
    binary = []
    for n, sep, decimals in [(60, 1.0, 2), (500, 0.5, 3), (2000, 2.0, 1), (300, 0.0, 2)]:
        y = (rng.random(n) < 0.4).astype(int)
        score = np.round(1 / (1 + np.exp(-(rng.normal(0, 1, n) + sep * (2 * y - 1)))), decimals)
        score[0] = 0.0  # exercise the clipping
        u = stats.mannwhitneyu(score[y == 1], score[y == 0], alternative="two-sided").statistic
        p = np.clip(score, 1e-15, 1 - 1e-15)
        binary.append({"labels": y.tolist(), "scores": rounded(score, decimals),
                       "rocAuc": float(u / (np.sum(y == 1) * np.sum(y == 0))),
                       "logLoss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))})
    regression = []
    for n, scale in [(20, 1.0), (500, 10.0), (1000, 0.01)]:
        truth = np.round(rng.normal(5 * scale, 3 * scale, n), 3)
        truth[:3] = 0.0  # MAPE leaves out rows whose truth is 0
        pred = np.round(truth + rng.normal(0, scale, n), 3)
        nz = truth != 0
        regression.append({"truth": rounded(truth, 3), "predicted": rounded(pred, 3),
                           "mae": float(np.mean(np.abs(truth - pred))), "rmse": float(np.sqrt(np.mean((truth - pred) ** 2))),
                           "mape": float(np.mean(np.abs(truth[nz] - pred[nz]) / np.abs(truth[nz])))})
    write("quality.json", {"classification": classification, "binary": binary, "regression": regression})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    distributions()
    ks_cases()
    numeric_cases()
    categorical_cases()
    discrete_cases()
    quality_cases()
