#!/usr/bin/env python3
"""Figure of `make bench` (Results/bench/bench.png): wall time per workload and
tool (log scale, speedup over SpineSim written on the bars) and the W1 STDP
curves of both tools with their standard errors."""
import csv
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main():
    out = sys.argv[1]
    rows = list(csv.DictReader(open(os.path.join(out, "bench.csv"))))
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    tools = ["spinesim", "brian2-standalone", "brian2-runtime"]
    colours = {"spinesim": "tab:blue", "brian2-standalone": "tab:orange", "brian2-runtime": "tab:red"}
    for k, wl in enumerate(["W1", "W2"]):
        for j, tool in enumerate(tools):
            r = [x for x in rows if x["workload"] == wl and x["tool"] == tool]
            if not r:
                continue
            x = k + (j - 1) * 0.27
            a.bar(x, float(r[0]["wall_s"]), 0.25, color=colours[tool], label=tool if k == 0 else None)
            a.text(x, float(r[0]["wall_s"]) * 1.15, "%s×" % r[0]["speedup"], ha="center", fontsize=8)
    a.set_yscale("log")
    a.set_xticks([0, 1], ["W1: DP STDP\n82 000 synapses, 60 s", "W2: learning session\n3000 spines, 30 min"])
    a.set_ylabel("wall time (s)")
    a.set_title("Wall time (median; speedup = tool / SpineSim)")
    a.legend(fontsize=8)
    curves = os.path.join(out, "w1_curves.csv")
    if os.path.exists(curves):   # absent when W1 was not run (bench.py --workloads W2)
        c = np.genfromtxt(curves, delimiter=",", names=True)
        b.errorbar(c["delta_t_ms"], c["spinesim_change"], yerr=c["spinesim_se"], fmt="o-", ms=3, label="SpineSim")
        b.errorbar(c["delta_t_ms"], c["brian2_change"], yerr=c["brian2_se"], fmt="s--", ms=3, label="Brian2 standalone")
        b.axhline(1, color="grey", lw=0.5)
        b.set_xlabel("Δt = t_post − t_pre (ms)")
        b.set_ylabel("change of synaptic strength")
        b.set_title("W1: the same STDP curve")
        b.legend(fontsize=8)
    else:
        b.set_axis_off()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "bench.png"), dpi=120)


if __name__ == "__main__":
    main()
