#!/usr/bin/env python3
"""Reference values for the data-reconstruction (PCA) drift of @inferlens/stats.

Run from the repository root (numpy only; the tests never run Python):

    python3 packages/stats/scripts/make-multivariate-fixtures.py

Writes packages/stats/src/fixtures/multivariate.json. The pipeline is NannyML's
DataReconstructionDriftCalculator written out with numpy, step for step: SimpleImputer (mean for
numbers, most frequent for categories, ties to the smallest), CountEncoder(normalize=True),
StandardScaler (ddof 0, a constant column keeps scale 1), PCA(n_components=0.65) by SVD with
scikit-learn's component count (searchsorted(cumsum, share, side='right') + 1), per-row error
||z - inverse_transform(transform(z))||, the window's mean error, and bounds from 10 reference chunks
(rows [ceil(i n/10), ceil((i+1) n/10)), row r in chunk floor(10 r / n) as the code has it): mean +- 3 std (ddof 0) of the chunk means, lower at least 0.
"""
import json
import math
import os
import platform
from collections import Counter

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "multivariate.json")


def fit(reference, numeric, categorical, share=0.65):
    n = len(reference)
    enc = []
    cols = []
    for f in numeric:
        v = np.array([np.nan if r.get(f) is None else r[f] for r in reference], float)
        mean = np.nanmean(v)
        cols.append(np.where(np.isnan(v), mean, v))
        enc.append(("num", f, mean))
    for f in categorical:
        v = [r.get(f) for r in reference]
        counts = Counter(x for x in v if x is not None)
        mode = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        imputed = [mode if x is None else x for x in v]
        freq = {k: c / n for k, c in Counter(imputed).items()}
        cols.append(np.array([freq[x] for x in imputed]))
        enc.append(("cat", f, (freq, mode)))
    X = np.column_stack(cols)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale <= 1e-12 * np.maximum(1, np.abs(mean))] = 1.0
    Z = (X - mean) / scale
    centred = Z - Z.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    ratio = s ** 2 / np.sum(s ** 2)
    k = int(np.searchsorted(np.cumsum(ratio), share, side="right") + 1)
    k = min(k, Z.shape[1])
    return {"enc": enc, "mean": mean, "scale": scale, "pca_mean": Z.mean(axis=0), "V": vt[:k], "ratio": ratio[:k]}


def standardise(model, rows):
    cols = []
    for kind, f, extra in model["enc"]:
        if kind == "num":
            cols.append(np.array([extra if r.get(f) is None else r[f] for r in rows], float))
        else:
            freq, mode = extra
            cols.append(np.array([freq[mode] if r.get(f) is None else freq.get(r[f], 0.0) for r in rows]))
    return (np.column_stack(cols) - model["mean"]) / model["scale"]


def errors(model, rows):
    Z = standardise(model, rows)
    V = model["V"]
    reduced = (Z - model["pca_mean"]) @ V.T
    back = reduced @ V + model["pca_mean"]
    return np.linalg.norm(Z - back, axis=1)


def case(name, reference, currents, numeric, categorical):
    model = fit(reference, numeric, categorical)
    e = errors(model, reference)
    n = len(reference)
    chunks = [float(np.mean(e[math.ceil(i * n / 10):math.ceil((i + 1) * n / 10)])) for i in range(10)]
    m, sd = float(np.mean(chunks)), float(np.std(chunks))
    out = {"name": name, "numeric": numeric, "categorical": categorical, "reference": reference,
           "components": int(model["V"].shape[0]), "explainedVariance": [float(x) for x in model["ratio"]],
           "chunks": chunks, "lower": max(0.0, m - 3 * sd), "upper": m + 3 * sd, "currents": []}
    for label, rows in currents:
        ce = errors(model, rows)
        mean = float(np.mean(ce))
        out["currents"].append({"name": label, "rows": rows, "mean": mean, "std": float(np.std(ce, ddof=1)),
                                "drifted": bool(mean < out["lower"] or mean > out["upper"])})
    return out


def correlated(rng, n, rho):
    a = rng.normal(0, 1, n)
    b = rho * a + math.sqrt(1 - rho ** 2) * rng.normal(0, 1, n)
    return [{"x1": round(float(10 + 2 * a[i]), 4), "x2": round(float(5 + b[i]), 4),
             "x3": round(float(rng.normal(0, 3)), 4), "x4": round(float(rng.exponential(1)), 4)} for i in range(n)]


def main():
    rng = np.random.default_rng(2026)
    cases = []
    ref = correlated(rng, 2000, 0.9)
    cases.append(case("correlation-flip", ref,
                      [("same", correlated(rng, 500, 0.9)), ("flipped", correlated(rng, 500, -0.9))],
                      ["x1", "x2", "x3", "x4"], []))

    def mixed(n, shift):
        rows = []
        for _ in range(n):
            a = rng.normal(0, 1)
            city = str(rng.choice(["lyon", "paris", "nice", "lille"], p=[0.4, 0.3, 0.2, 0.1]))
            r = {"age": round(float(40 + 10 * a), 2), "income": round(float(3000 + 800 * a + rng.normal(0, 300)), 2),
                 "visits": float(rng.poisson(3 + (2 if city == "paris" else 0))), "city": city}
            if rng.random() < 0.05:
                r["age"] = None
            if rng.random() < 0.03:
                r["city"] = None
            if shift and rng.random() < 0.5:
                r["income"] = round(float(3000 - 800 * a + rng.normal(0, 300)), 2)
            rows.append(r)
        return rows

    ref2 = mixed(1500, False)
    cur2 = mixed(400, True)
    cur2[0]["city"] = "brest"  # unseen: encodes as 0
    cases.append(case("mixed-missing", ref2, [("same", mixed(400, False)), ("income-decoupled", cur2)],
                      ["age", "income", "visits"], ["city"]))
    meta = {"generator": "packages/stats/scripts/make-multivariate-fixtures.py", "numpy": np.__version__, "python": platform.python_version()}
    with open(OUT, "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
