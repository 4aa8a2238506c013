#!/usr/bin/env python3
"""W1 agreement against a precise SpineSim reference.

Runs SpineSim's W1 (`w1-stdp.yaml`, 2000 synapses per Δt) for seeds 1..N and
pools them: the reference curve is the mean over seeds, its standard error
the spread between seeds / √N (measured, not assumed). Also reports how that
spread compares with the binomial standard error that bench.py assumes
(ratio of variances; 1 when the synapses are independent).

Then pools Brian2's curves from one or more `w1_curves.csv` files written by
bench.py (columns brian2_change, brian2_se; inverse-variance weights) and
prints the χ² of the 41 standardised differences, its p-value, the largest
|z| and the mean z (a systematic offset shows as a mean z far from 0).

    w1_pooled.py --seeds 20 Results/bench/full-size/w1_curves.csv Results/bench/full-size/w1-seeds-2-3/w1_curves.csv
"""
import argparse
import csv
import os
import subprocess
import tempfile

import numpy as np
from scipy.stats import chi2

from w1_stdp import DP, change_se

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HALF = 1000   # w1-stdp.yaml: per Δt, 1000 synapses start DOWN and 1000 UP


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spinesim", default=os.path.join(ROOT, ".build/release/spinesim"))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("curves", nargs="+", help="w1_curves.csv files of bench.py (Brian2's pooled curve of each run)")
    args = ap.parse_args()
    if args.seeds < 2:
        ap.error("--seeds: %d; allowed: 2 or more (the spread between seeds is the standard error)" % args.seeds)

    changes, binomial = [], []
    with tempfile.TemporaryDirectory(prefix="spinesim-w1-") as work:
        for seed in range(1, args.seeds + 1):
            out = os.path.join(work, "s%d" % seed)
            subprocess.run([args.spinesim, "run", os.path.join(HERE, "w1-stdp.yaml"), "--out", out, "--seed", str(seed),
                            "--quiet"], check=True, capture_output=True)
            d = np.genfromtxt(os.path.join(out, "stdp.csv"), delimiter=",", names=True)
            delta_t = d["delta_t_ms"]
            changes.append(d["change"])
            binomial.append(change_se(d["p_up"], d["p_down"], HALF, DP))
    changes, binomial = np.array(changes), np.array(binomial)
    reference = changes.mean(axis=0)
    reference_se = changes.std(axis=0, ddof=1) / np.sqrt(args.seeds)
    ratio = changes.var(axis=0, ddof=1) / (binomial ** 2).mean(axis=0)
    print("SpineSim, %d seeds: between-seed variance / binomial variance = %.3f (mean over 41 Δt; "
          "its standard error ≈ %.3f)" % (args.seeds, ratio.mean(), np.sqrt(2 / (args.seeds - 1) / len(ratio))))

    weights, weighted = 0, 0
    for path in args.curves:
        c = np.genfromtxt(path, delimiter=",", names=True)
        if not np.array_equal(c["delta_t_ms"], delta_t):
            raise SystemExit("error: %s: its Δt values differ from w1-stdp.yaml's" % path)
        w = 1 / c["brian2_se"] ** 2
        weights, weighted = weights + w, weighted + w * c["brian2_change"]
    brian2, brian2_se = weighted / weights, 1 / np.sqrt(weights)
    z = (brian2 - reference) / np.sqrt(brian2_se ** 2 + reference_se ** 2)
    chi = float(np.sum(z ** 2))
    worst = int(np.argmax(np.abs(z)))
    print("Brian2 (%d file(s), pooled) against SpineSim: chi2 = %.1f on %d degrees of freedom, p = %.3g; "
          "largest |z| = %.2f at Δt = %g ms; mean z = %.2f"
          % (len(args.curves), chi, len(z), chi2.sf(chi, len(z)), abs(z[worst]), delta_t[worst], z.mean()))


if __name__ == "__main__":
    main()
