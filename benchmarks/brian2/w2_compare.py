#!/usr/bin/env python3
"""W2 agreement: SpineSim's per-spine outcome of a session (EXPORT/spinesim.csv,
written by `spinesim bench session --export EXPORT`) against Brian2's on the
same inputs (BRIAN2_OUT/brian2.csv, written by w2_session.py).

Both start every spine from the same ρ₀ and draw their own noise, so the
per-spine Δρ = ρ − ρ₀ (calcium, thresholds, ρ dynamics) is compared as a
distribution, by a two-sample Kolmogorov–Smirnov test (scipy `ks_2samp`).
Sizes do not change during a session, in either.

    w2_compare.py EXPORT BRIAN2_OUT     prints one line per test
"""
import os
import sys

import numpy as np
from scipy.stats import ks_2samp


def compare(export, brian2_out):
    """[(test, KS result, note)] for SpineSim's and Brian2's per-spine outcomes."""
    a = np.genfromtxt(os.path.join(export, "spinesim.csv"), delimiter=",", names=True)
    b = np.genfromtxt(os.path.join(brian2_out, "brian2.csv"), delimiter=",", names=True)
    if not np.array_equal(a["spine"], b["spine"]) or not np.allclose(a["rho0"], b["rho0"]):
        raise SystemExit("error: %s and %s are not the same spines" % (export, brian2_out))
    return [
        ("KS two-sample delta_rho", ks_2samp(a["delta_rho"], b["delta_rho"]),
         "mean delta_rho spinesim %.4f brian2 %.4f" % (a["delta_rho"].mean(), b["delta_rho"].mean())),
    ]


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    for test, ks, note in compare(sys.argv[1], sys.argv[2]):
        print("%s: D = %.4f, p = %.3g%s" % (test, ks.statistic, ks.pvalue, "; " + note if note else ""))


if __name__ == "__main__":
    main()
