#!/usr/bin/env python3
"""Reference values for multivariate (data-reconstruction) drift per segment.

Run from the repository root (numpy only; the tests never run Python):

    python3 packages/stats/scripts/make-multivariate-segment-fixtures.py

Writes packages/stats/src/fixtures/multivariate-segments.json. One pinned reference (event-time
order = list order) of three segments: `a` (x1, x2 correlated +0.9), `b` (its own population:
x1 shifted, x1 and x2 correlated +0.3, so its normal reconstruction error is higher than a's) and
`c` (5 rows, fewer than the 10 chunks). The window: `a` with the correlation flipped to -0.9
(marginals kept: the case univariate drift misses), `b` unchanged, `c` unchanged, and 30 rows
without a segment value (in the whole window only).

The pipeline is make-multivariate-fixtures.py's (NannyML's DataReconstructionDriftCalculator in
numpy), the PCA fitted on the whole reference. Overall: bounds from 10 chunks of the whole
reference. Per segment: the same model, bounds from 10 chunks of the reference's rows of that
segment (row i of its n rows, in event-time order, in chunk floor(10 i / n)), mean +- 3 std
(ddof 0), lower at least 0; a segment with fewer than 10 reference rows gets none.
"""
import importlib.util
import json
import math
import os
import platform

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "fixtures", "multivariate-segments.json")
spec = importlib.util.spec_from_file_location("mv", os.path.join(HERE, "make-multivariate-fixtures.py"))
mv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mv)

FEATURES = ["x1", "x2", "x3", "x4"]
CHUNKS = 10


def row(rng, segment, rho, shift):
    a = rng.normal(0, 1)
    b = rho * a + math.sqrt(1 - rho ** 2) * rng.normal(0, 1)
    return {"segment": segment, "x1": round(float(10 + shift + 2 * a), 4), "x2": round(float(5 + b), 4),
            "x3": round(float(rng.normal(0, 3)), 4), "x4": round(float(rng.exponential(1)), 4)}


def draw(rng, counts, rhos, shifts):
    labels = [s for s, n in counts for _ in range(n)]
    rng.shuffle(labels)
    return [row(rng, s, rhos[s], shifts[s]) for s in labels]


def bounds(chunk_means):
    m, sd = float(np.mean(chunk_means)), float(np.std(chunk_means))
    return {"chunks": [float(x) for x in chunk_means], "lower": max(0.0, m - 3 * sd), "upper": m + 3 * sd}


def chunked(e):
    # Row i (0-based) is in chunk floor(i k / n): the rule of the engine and of chunkOf in
    # @inferlens/stats (rows [ceil(c n/k), ceil((c+1) n/k)); with n a multiple of k the same as
    # make-multivariate-fixtures.py's [floor(c n/k), floor((c+1) n/k))).
    n = len(e)
    chunk = np.arange(n) * CHUNKS // n
    return [float(np.mean(e[chunk == c])) for c in range(CHUNKS)]


def result(b, ce):
    mean = float(np.mean(ce))
    return {**b, "rows": len(ce), "mean": mean, "std": float(np.std(ce, ddof=1)), "drifted": bool(mean < b["lower"] or mean > b["upper"])}


def main():
    rng = np.random.default_rng(2027)
    shifts = {"a": 0.0, "b": 1.5, "c": 0.0, "": 0.0}
    reference = draw(rng, [("a", 1800), ("b", 1200), ("c", 5)], {"a": 0.9, "b": 0.3, "c": 0.9}, shifts)
    # 30 rows without a segment value: in the whole window only.
    current = draw(rng, [("a", 600), ("b", 400), ("c", 20), ("", 30)], {"a": -0.9, "b": 0.3, "c": 0.9, "": 0.9}, shifts)
    model = mv.fit(reference, FEATURES, [])
    e = mv.errors(model, reference)
    ce = mv.errors(model, current)
    overall = result(bounds(chunked(e)), ce)
    segments = {}
    for s in ["a", "b", "c"]:
        ref_idx = [i for i, r in enumerate(reference) if r["segment"] == s]
        cur_idx = [i for i, r in enumerate(current) if r["segment"] == s]
        if len(ref_idx) < CHUNKS:
            segments[s] = None
            continue
        segments[s] = {**result(bounds(chunked(e[ref_idx])), ce[cur_idx]), "referenceRows": len(ref_idx)}
    meta = {"generator": "packages/stats/scripts/make-multivariate-segment-fixtures.py", "numpy": np.__version__, "python": platform.python_version()}
    out = {"meta": meta, "features": FEATURES, "components": int(model["V"].shape[0]), "reference": reference, "current": current,
           "overall": overall, "segments": segments}
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(json.dumps({"overall": {k: v for k, v in overall.items() if k != "chunks"},
                      "segments": {k: v and {kk: vv for kk, vv in v.items() if kk != "chunks"} for k, v in segments.items()}}, indent=1))


if __name__ == "__main__":
    main()
