#!/usr/bin/env python3
"""Convergence check of Brian2's clock for W1 (README: "Brian2's time step").

Brian2 integrates ρ on a clock of step dt, so H(c − θ) is sampled at the
clock's times and spike times are rounded to it: the time calcium spends above
θ_d and θ_p is only resolved to O(dt). That time is the one thing the STDP
readout depends on (the GB 2012 closed form is a function of it alone, docs/MODEL.md
§1), so this script measures it in Brian2 for each dt (one synapse per Δt,
accumulators dA/dt = H) and compares it with the exact time from the calcium's
closed form, then propagates the difference through the closed form to the
change of synaptic strength. The dt used in the benchmark is the largest one
whose bias in `change` stays below a third of the sampling standard error of
the benchmark (2000 synapses per Δt).

Writes DIR/convergence.csv: dt_ms,max_abs_alpha_d_error,max_abs_alpha_p_error,max_abs_change_bias.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
from scipy.special import erf

sys.path.insert(0, os.path.dirname(__file__))
from w1_stdp import DP, change_of  # noqa: E402


def exact_above(delta_t, p, pairs=60, period=1000.0):
    """Time (ms) above θ_d and θ_p of the exact calcium trace of one Δt."""
    first_pre = max(0.0, -delta_t)
    jumps = {}
    for k in range(pairs):
        pre = first_pre + k * period
        for t, a in ((pre + p["delay_ms"], p["c_pre"]), (pre + delta_t, p["c_post"])):
            jumps[t] = jumps.get(t, 0.0) + a
    times = sorted(jumps)
    c, above = 0.0, {"d": 0.0, "p": 0.0}
    for i, t in enumerate(times):
        c += jumps[t]
        span = times[i + 1] - t if i + 1 < len(times) else np.inf
        for key, theta in (("d", p["theta_d"]), ("p", p["theta_p"])):
            if c > theta:
                above[key] += min(span, p["tau_ca_ms"] * np.log(c / theta))
        if np.isfinite(span):
            c *= np.exp(-span / p["tau_ca_ms"])
    return above["d"], above["p"]


def closed_form(above_d, above_p, p, stimulation_ms):
    """GB 2012 closed form (SpineSim's ClosedFormReduction)."""
    ad, ap_ = above_d / stimulation_ms, above_p / stimulation_ms
    gp, gd = p["gamma_p"] * ap_, p["gamma_d"] * ad
    g = gp + gd
    rho_bar = gp / g
    var = (ap_ + ad) * p["sigma"] ** 2 / g
    decay = np.exp(-stimulation_ms / (p["tau_rho_s"] * 1000 / g))
    spread = np.sqrt(var * (1 - decay ** 2))
    up = 0.5 * (1 + erf((rho_bar * (1 - decay) - p["rho_star"]) / spread))
    down = 0.5 * (1 - erf((rho_bar + (1 - rho_bar) * decay - p["rho_star"]) / spread))
    return change_of(up, down, p)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dts", default="1,0.5,0.25,0.1,0.05")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    p = DP
    os.makedirs(args.out, exist_ok=True)
    delta_ts = np.arange(-100, 101, 5.0)
    exact = np.array([exact_above(d, p) for d in delta_ts])
    exact_change = np.array([closed_form(a, b, p, 60000.0) for a, b in exact])
    rows = []
    for dt in (float(x) for x in args.dts.split(",")):
        run_dir = os.path.join(args.out, "dt%g" % dt)
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "w1_stdp.py"), "--synapses", "2",
                        "--dt-ms", str(dt), "--record-alpha", "--out", run_dir], check=True, stdout=subprocess.DEVNULL)
        b = np.loadtxt(os.path.join(run_dir, "alpha.csv"), delimiter=",", skiprows=1)
        change = np.array([closed_form(ad, ap_, p, 60000.0) for ad, ap_ in b[:, 1:3]])
        rows.append((dt, np.max(np.abs(b[:, 1] - exact[:, 0]) / 60000.0), np.max(np.abs(b[:, 2] - exact[:, 1]) / 60000.0),
                     np.max(np.abs(change - exact_change))))
        print("dt=%g ms: max |α_d error| %.2e, max |α_p error| %.2e, max |change bias| %.4f" % rows[-1])
    with open(os.path.join(args.out, "convergence.csv"), "w") as f:
        f.write("dt_ms,max_abs_alpha_d_error,max_abs_alpha_p_error,max_abs_change_bias\n")
        for r in rows:
            f.write("%g,%.3e,%.3e,%.5f\n" % r)


if __name__ == "__main__":
    main()
