#!/usr/bin/env python3
"""Embedding-drift reference values for @inferlens/stats, in numpy/scipy.

    python3 packages/stats/scripts/make-embedding-fixtures.py

Writes packages/stats/src/fixtures/embedding.json: reference and window samples of 16-dimensional
embeddings (one window like the reference, one with its mean moved along a direction, one with
its spread changed), their centroid distances (scipy.spatial.distance.euclidean, .cosine), the
unbiased MMD^2 with an RBF kernel whose bandwidth is the median heuristic
(sigma = sqrt(median of the pooled pairwise squared distances / 2), as Alibi Detect infers it),
and the permutation p-value over 50 given permutations (share with MMD^2 >= observed, as Alibi
Detect's MMDDrift); the permutations are in the file so that both sides use the same ones.
"""
import json
import os
import platform

import numpy as np
import scipy
from scipy.spatial import distance

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "embedding.json")


def mmd2(k, idx, m):
    x, y = idx[:m], idx[m:]
    kxx = k[np.ix_(x, x)]
    kyy = k[np.ix_(y, y)]
    kxy = k[np.ix_(x, y)]
    n = len(y)
    return (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean()


def case(rng, ref, cur, permutations=50):
    pooled = np.vstack([ref, cur])
    d2 = distance.squareform(distance.pdist(pooled, "sqeuclidean"))
    sigma = np.sqrt(np.median(distance.pdist(pooled, "sqeuclidean")) / 2)
    k = np.exp(-d2 / (2 * sigma**2))
    m = len(ref)
    size = len(pooled)
    observed = mmd2(k, np.arange(size), m)
    orders = [rng.permutation(size) for _ in range(permutations)]
    p = float(np.mean([mmd2(k, o, m) >= observed for o in orders]))
    c_ref, c_cur = ref.mean(axis=0), cur.mean(axis=0)
    return {
        "reference": ref.tolist(),
        "current": cur.tolist(),
        "centroids": {"reference": c_ref.tolist(), "current": c_cur.tolist()},
        "euclidean": float(distance.euclidean(c_ref, c_cur)),
        "cosine": float(distance.cosine(c_ref, c_cur)),
        "sigma": float(sigma),
        "mmd2": float(observed),
        "orders": [o.tolist() for o in orders],
        "pValue": p,
    }


def main():
    rng = np.random.default_rng(5)
    d = 16
    base = rng.normal(0, 1, d)
    ref = base + rng.normal(0, 1, (60, d))
    same = base + rng.normal(0, 1, (50, d))
    shift = base + 0.8 * np.eye(d)[0] * 1.5 + rng.normal(0, 1, (50, d))
    spread = base + rng.normal(0, 1.6, (40, d))
    cases = {"same": case(rng, ref, same), "shifted": case(rng, ref, shift), "spread": case(rng, ref, spread)}
    meta = {"generator": "packages/stats/scripts/make-embedding-fixtures.py", "numpy": np.__version__, "scipy": scipy.__version__, "python": platform.python_version()}
    with open(OUT, "w") as fh:
        json.dump({"meta": meta, "cases": cases}, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
