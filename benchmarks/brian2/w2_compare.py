#!/usr/bin/env python3
"""W2 agreement: SpineSim's per-spine outcome of a session (EXPORT/spinesim.csv,
written by `spinesim bench session --export EXPORT`) against Brian2's on the
same inputs (BRIAN2_OUT/brian2.csv, written by w2_session.py).

Both start every spine from the same ρ₀ and volume v₀ and draw their own
noise, so each per-spine outcome is compared as a distribution, by a
two-sample Kolmogorov–Smirnov test (scipy `ks_2samp`):
- Δρ = ρ − ρ₀ (calcium, thresholds, ρ dynamics);
- the final volume v (what the issue asks for; over a session it stays close
  to v₀, since τ_s is days);
- Δ ln v = ln(v / v₀), the size change alone (OU drift toward the ρ-dependent
  target plus its noise), which v itself mostly hides behind v₀.

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
    log_change_a = np.log(a["volume_um3"] / a["volume0_um3"])
    log_change_b = np.log(b["volume_um3"] / a["volume0_um3"])
    return [
        ("KS two-sample delta_rho", ks_2samp(a["delta_rho"], b["delta_rho"]),
         "mean delta_rho spinesim %.4f brian2 %.4f" % (a["delta_rho"].mean(), b["delta_rho"].mean())),
        ("KS two-sample final volume", ks_2samp(a["volume_um3"], b["volume_um3"]), ""),
        ("KS two-sample delta_log_volume", ks_2samp(log_change_a, log_change_b),
         "mean/sd of ln(v/v0) spinesim %.4f/%.4f brian2 %.4f/%.4f"
         % (log_change_a.mean(), log_change_a.std(), log_change_b.mean(), log_change_b.std())),
    ]


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    for test, ks, note in compare(sys.argv[1], sys.argv[2]):
        print("%s: D = %.4f, p = %.3g%s" % (test, ks.statistic, ks.pvalue, "; " + note if note else ""))


if __name__ == "__main__":
    main()
