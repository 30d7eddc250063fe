#!/usr/bin/env python3
"""Benjamini-Hochberg reference values for @inferlens/stats (scipy's false_discovery_control).

    python3 packages/stats/scripts/make-fdr-fixtures.py

Writes packages/stats/src/fixtures/fdr.json: p-value families (ties, zeros and ones included) and
scipy's adjusted p-values.
"""
import json
import os
import platform

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "fdr.json")


def main():
    rng = np.random.default_rng(99)
    families = [
        [0.001, 0.02, 0.04, 0.3],
        [0.01, 0.01, 0.01, 0.5, 1.0, 0.0],
        rng.uniform(0, 1, 100).tolist(),
        (rng.uniform(0, 1, 50) ** 4).tolist(),
        [0.05],
    ]
    out = [{"p": [float(x) for x in f], "adjusted": [float(x) for x in stats.false_discovery_control(f, method="bh")]} for f in families]
    meta = {"generator": "packages/stats/scripts/make-fdr-fixtures.py", "numpy": np.__version__, "scipy": scipy.__version__, "python": platform.python_version()}
    with open(OUT, "w") as fh:
        json.dump({"meta": meta, "families": out}, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
