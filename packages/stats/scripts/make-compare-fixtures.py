#!/usr/bin/env python3
"""Reference values for the version-comparison statistics of @inferlens/stats (compare.json).

Run from the repository root (needs numpy and scipy; the tests never run Python):

    python3 packages/stats/scripts/make-compare-fixtures.py

Mann-Whitney U from scipy.stats.mannwhitneyu(b, a, method='asymptotic'); the two-proportion
z-test, Welch mean differences, the RMSE delta method and DeLong's AUC variance written out with
numpy and scipy.stats.norm (DeLong by brute-force pairwise placements, an independent route from
the grouped computation in delong.ts). Fixed seeds; samples rounded so ties occur.
"""
import json
import os
import platform

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "compare.json")
Z975 = float(stats.norm.ppf(0.975))


def fl(a):
    return [float(x) for x in a]


def diff_normal(ea, sa, eb, sb):
    d = eb - ea
    se = float(np.sqrt(sa ** 2 + sb ** 2))
    z = d / se
    return {"a": float(ea), "b": float(eb), "difference": float(d), "standardError": se,
            "interval": [float(d - Z975 * se), float(d + Z975 * se)], "z": float(z), "pValue": float(2 * stats.norm.sf(abs(z)))}


def mann_whitney(rng):
    cases = []
    specs = [  # name, na, nb, sampler a, sampler b, decimals
        ("small", 25, 30, lambda n: rng.normal(0, 1, n), lambda n: rng.normal(0.8, 1, n), 2),
        ("same", 400, 350, lambda n: rng.lognormal(3, 0.4, n), lambda n: rng.lognormal(3, 0.4, n), 1),
        ("latency-regression", 2000, 1500, lambda n: rng.lognormal(3, 0.4, n), lambda n: rng.lognormal(3.08, 0.4, n), 1),
        ("heavy-ties", 800, 900, lambda n: rng.integers(0, 8, n).astype(float), lambda n: rng.integers(0, 8, n).astype(float) + (rng.random(n) < 0.1), 0),
        ("b-faster", 300, 5000, lambda n: rng.gamma(2, 10, n), lambda n: rng.gamma(2, 9, n), 2),
    ]
    for name, na, nb, fa, fb, dec in specs:
        a = np.round(fa(na), dec)
        b = np.round(fb(nb), dec)
        r = stats.mannwhitneyu(b, a, alternative="two-sided", method="asymptotic", use_continuity=True)
        cases.append({"name": name, "a": fl(a), "b": fl(b), "statistic": float(r.statistic), "pValue": float(r.pvalue),
                      "commonLanguageEffect": float(r.statistic / (na * nb))})
    return cases


def two_proportion():
    cases = []
    for xa, na, xb, nb in [(12, 1000, 31, 1000), (50, 2000, 48, 1900), (0, 300, 0, 250), (480, 600, 430, 600), (3, 40, 9, 35), (1000, 100000, 1100, 100000)]:
        pa, pb = xa / na, xb / nb
        p = (xa + xb) / (na + nb)
        se0 = np.sqrt(p * (1 - p) * (1 / na + 1 / nb))
        z = (pb - pa) / se0 if se0 > 0 else 0.0
        se = np.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
        cases.append({"a": {"successes": xa, "trials": na}, "b": {"successes": xb, "trials": nb},
                      "pa": pa, "pb": pb, "difference": pb - pa, "z": float(z),
                      "pValue": float(2 * stats.norm.sf(abs(z))) if se0 > 0 else 1.0,
                      "interval": [float(pb - pa - Z975 * se), float(pb - pa + Z975 * se)]})
    return cases


def means(rng):
    cases = []
    for na, nb, shift in [(200, 250, 0.0), (1500, 1200, 0.3), (30, 45, 1.0)]:
        a = np.round(np.abs(rng.normal(0, 2, na)), 3)
        b = np.round(np.abs(rng.normal(shift, 2, nb)), 3)
        r = diff_normal(a.mean(), a.std(ddof=1) / np.sqrt(na), b.mean(), b.std(ddof=1) / np.sqrt(nb))
        cases.append({"valuesA": fl(a), "valuesB": fl(b), **r})
    return cases


def rmse(rng):
    cases = []
    for na, nb, sa, sb in [(300, 400, 1.0, 1.0), (1000, 800, 2.0, 2.5), (50, 60, 1.0, 3.0)]:
        ea = np.round(rng.normal(0, sa, na), 3)
        eb = np.round(rng.normal(0, sb, nb), 3)

        def side(e):
            mse = np.mean(e ** 2)
            se_mse = np.std(e ** 2, ddof=1) / np.sqrt(len(e))
            return np.sqrt(mse), se_mse / (2 * np.sqrt(mse))
        ra, sea = side(ea)
        rb, seb = side(eb)
        cases.append({"errorsA": fl(ea), "errorsB": fl(eb), **diff_normal(ra, sea, rb, seb)})
    return cases


def delong_side(y, s):
    pos, neg = s[y == 1], s[y == 0]
    cmp = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = cmp.mean(axis=1), cmp.mean(axis=0)
    auc = v10.mean()
    return auc, np.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))


def delong(rng):
    cases = []
    for na, nb, sepa, sepb, dec in [(300, 300, 1.5, 1.5, 3), (800, 700, 2.0, 1.0, 2), (120, 150, 1.0, 1.2, 1)]:
        sides = []
        for n, sep in [(na, sepa), (nb, sepb)]:
            y = (rng.random(n) < 0.4).astype(int)
            s = np.round(1 / (1 + np.exp(-(rng.normal(0, 1, n) + sep * (2 * y - 1)))), dec)
            sides.append((y, s))
        (ya, sa), (yb, sb) = sides
        auca, sea = delong_side(ya, sa)
        aucb, seb = delong_side(yb, sb)
        cases.append({"labelsA": ya.tolist(), "scoresA": fl(sa), "labelsB": yb.tolist(), "scoresB": fl(sb),
                      "seA": float(sea), "seB": float(seb), **diff_normal(auca, sea, aucb, seb)})
    return cases


rng = np.random.default_rng(20250505)
payload = {
    "meta": {"generator": "packages/stats/scripts/make-compare-fixtures.py", "numpy": np.__version__,
             "scipy": scipy.__version__, "python": platform.python_version()},
    "normalQuantile": [{"p": p, "x": float(stats.norm.ppf(p))} for p in [1e-300, 1e-20, 1e-8, 0.001, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-12]],
    "mannWhitney": mann_whitney(rng),
    "twoProportion": two_proportion(),
    "meanDifference": means(rng),
    "rmseDifference": rmse(rng),
    "aucDifference": delong(rng),
}
with open(OUT, "w") as f:
    json.dump(payload, f, separators=(",", ":"))
    f.write("\n")
