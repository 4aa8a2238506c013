#!/usr/bin/env python3
"""`make bench`: SpineSim against Brian2 on W1 (DP STDP) and W2 (a learning
session with dendritic calcium and ρ, as `spinesim run` runs it), side by side.

Runs alternate (SpineSim, Brian2 standalone, SpineSim, …), `--repeats` times
each; the median wall time is reported. Brian2 standalone's code generation
and compilation are timed separately from its run (compile.csv). Agreement:
W1 curves against each other in units of their combined standard error; W2
per-spine Δρ by a two-sample Kolmogorov–Smirnov test on the identical inputs
exported by SpineSim (w2_compare.py).

Sizes. Brian2 is clock-driven: its cost is (time steps) × (per-step work),
so a full-size run can take hours (README.md). By default Brian2 runs W1 with
`--w1-brian2-synapses` per Δt and W2 for `--w2-brian2-minutes` of the session,
and its wall time is scaled to the full workload (×2000/n on W1, ×30/m on
W2); the scale factors are written in notes.txt and in the README. Pass
`--w1-brian2-synapses 2000 --w2-brian2-minutes 30` for unscaled runs.

Writes OUT/bench.csv (workload,tool,wall_s,sim_s,speedup — speedup = the tool's
wall time / SpineSim's: how many times faster SpineSim is), OUT/compile.csv,
OUT/runs.csv (every run), OUT/agreement.csv, OUT/w1_curves.csv, OUT/notes.txt,
OUT/bench.png.
"""
import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from w1_stdp import DP, change_se
from w2_compare import compare

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def timed(cmd):
    t = time.perf_counter()
    out = sh(cmd)
    return time.perf_counter() - t, out.stdout


def loadavg():
    return os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spinesim", default=os.path.join(ROOT, ".build/release/spinesim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Results/bench"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="threads of every tool in bench.csv (OpenMP for Brian2)")
    ap.add_argument("--dt-ms", type=float, default=0.05, help="Brian2's clock (w1_convergence.py)")
    ap.add_argument("--w1-brian2-synapses", type=int, default=200)
    ap.add_argument("--w2-brian2-minutes", type=float, default=1.0)
    ap.add_argument("--w2-dendrites", type=int, default=20)
    ap.add_argument("--runtime", action=argparse.BooleanOptionalAction, default=True,
                    help="also time Brian2's runtime device (small sizes, extrapolated)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workloads", default="W1,W2", help="comma-separated subset of W1,W2")
    args = ap.parse_args()
    workloads = [w for w in ("W1", "W2") if w in args.workloads.split(",")]
    if not workloads:
        ap.error("--workloads: %r names neither W1 nor W2" % args.workloads)
    os.makedirs(args.out, exist_ok=True)
    py = sys.executable
    work = tempfile.mkdtemp(prefix="spinesim-bench-")
    T = str(args.threads)
    runs = []  # (workload, tool, repeat, wall_s, compile_s, load)
    compile_rows = []
    notes = []

    # ---------------- W1 ----------------
    w1_full = 2000
    nb = args.w1_brian2_synapses
    w1_scale = w1_full / nb
    w1_sim_s = 60.0
    curves = {"spinesim": None, "brian2": []}
    if "W1" in workloads:
        for r in range(args.repeats):
            d = os.path.join(work, "w1-spinesim-%d" % r)
            load = loadavg()
            wall, _ = timed([args.spinesim, "run", os.path.join(HERE, "w1-stdp.yaml"), "--out", d, "--force",
                             "--threads", T, "--seed", str(args.seed + r), "--quiet"])
            runs.append(("W1", "spinesim", r, wall, "", load))
            if r == 0:
                curves["spinesim"] = np.genfromtxt(os.path.join(d, "stdp.csv"), delimiter=",", names=True)
            d = os.path.join(work, "w1-brian2-%d" % r)
            load = loadavg()
            sh([py, os.path.join(HERE, "w1_stdp.py"), "--synapses", str(nb), "--dt-ms", str(args.dt_ms), "--threads", T,
                "--seed", str(args.seed + r), "--out", d])
            t = json.load(open(os.path.join(d, "timing.json")))
            runs.append(("W1", "brian2-standalone", r, t["run_s"] * w1_scale, t["compile_s"], load))
            compile_rows.append(("W1", r, t["codegen_s"], t["compile_s"], t["run_s"], nb))
            curves["brian2"].append(np.genfromtxt(os.path.join(d, "stdp.csv"), delimiter=",", names=True))
            print("W1 repeat %d: spinesim %.2f s, brian2 run %.1f s (×%g) compile %.1f s" %
                  (r, runs[-2][3], t["run_s"], w1_scale, t["compile_s"]), flush=True)
        if w1_scale != 1:
            notes.append("W1 brian2-standalone: each run simulated %d synapses per Δt (%d in all) at dt = %g ms; wall_s is "
                         "its measured run time × %g (clock-driven cost is linear in the number of synapses)."
                         % (nb, 41 * nb, args.dt_ms, w1_scale))

    # ---------------- W2 ----------------
    w2_minutes = 30.0
    m = args.w2_brian2_minutes
    w2_scale = w2_minutes / m
    agreement = []
    if "W2" in workloads:
        export = os.path.join(work, "w2-export")
        sh([args.spinesim, "bench", "session", "--dendrites", str(args.w2_dendrites), "--minutes", str(m),
            "--threads", T, "--seed", str(args.seed), "--export", export])
        for r in range(args.repeats):
            load = loadavg()
            wall, out = timed([args.spinesim, "bench", "session", "--dendrites", str(args.w2_dendrites), "--minutes",
                               str(w2_minutes), "--threads", T, "--seed", str(args.seed)])
            inner = float(out.strip().split("wall_s=")[1].split()[0])
            runs.append(("W2", "spinesim", r, wall, "", load))
            d = os.path.join(work, "w2-brian2-%d" % r)
            load = loadavg()
            sh([py, os.path.join(HERE, "w2_session.py"), export, "--dt-ms", str(args.dt_ms), "--threads", T,
                "--seed", str(args.seed + r), "--out", d])
            t = json.load(open(os.path.join(d, "timing.json")))
            runs.append(("W2", "brian2-standalone", r, t["run_s"] * w2_scale, t["compile_s"], load))
            compile_rows.append(("W2", r, t["codegen_s"], t["compile_s"], t["run_s"], m))
            agreement.append((r, compare(export, d)))
            print("W2 repeat %d: spinesim %.2f s (in-process %.2f s), brian2 run %.1f s (×%g) compile %.1f s; KS p %s"
                  % (r, wall, inner, t["run_s"], w2_scale, t["compile_s"],
                     ", ".join("%s %.3f" % (test.split()[-1], ks.pvalue) for test, ks, _ in agreement[-1][1])), flush=True)
        if w2_scale != 1:
            notes.append("W2 brian2-standalone: each run simulated the first %g minutes (%d trials) of the session at dt = %g ms "
                         "on the full %d spines; wall_s is its measured run time × %g (clock-driven: cost linear in the number "
                         "of steps). The agreement tests compare SpineSim and Brian2 on that %g-minute session."
                         % (m, round(m * 10), args.dt_ms, 150 * args.w2_dendrites, w2_scale, m))

    # ---------------- Brian2 runtime device ----------------
    runtime_rows = []
    if args.runtime and "W1" in workloads:
        # All 60 pairs at two sizes; cost = a + b·N (N synapses), evaluated at N = 82 000.
        sizes, walls = [max(2, nb // 10), nb], []
        sh([py, os.path.join(HERE, "w1_stdp.py"), "--device", "runtime", "--synapses", "2", "--pairs", "1",
            "--dt-ms", str(args.dt_ms), "--out", os.path.join(work, "w1-runtime-warmup")])   # Cython cache
        for n in sizes:
            d = os.path.join(work, "w1-runtime-%d" % n)
            sh([py, os.path.join(HERE, "w1_stdp.py"), "--device", "runtime", "--synapses", str(n),
                "--dt-ms", str(args.dt_ms), "--seed", str(args.seed), "--out", d])
            walls.append(json.load(open(os.path.join(d, "timing.json")))["run_s"])
        per_n = (walls[1] - walls[0]) / (41 * (sizes[1] - sizes[0]))
        fixed = walls[0] - per_n * 41 * sizes[0]
        runtime_rows.append(("W1", fixed + per_n * 41 * w1_full))
        if nb != w1_full:
            notes.append("W1 brian2-runtime: all 60 pairs at %d and %d synapses per Δt (%.1f s, %.1f s); wall_s = a + b·82000 "
                         "from the line through them (a = %.2f s, b = %.3g s per synapse)."
                         % (sizes[0], sizes[1], walls[0], walls[1], fixed, per_n))
    if args.runtime and "W2" in workloads:
        short = os.path.join(work, "w2-export-short")
        sh([args.spinesim, "bench", "session", "--dendrites", str(args.w2_dendrites), "--minutes", "0.1",
            "--threads", T, "--seed", str(args.seed), "--export", short])
        d = os.path.join(work, "w2-runtime")
        sh([py, os.path.join(HERE, "w2_session.py"), short, "--device", "runtime", "--dt-ms", str(args.dt_ms),
            "--seed", str(args.seed), "--out", d])
        w = json.load(open(os.path.join(d, "timing.json")))["run_s"]
        runtime_rows.append(("W2", w * w2_minutes / 0.1))
        notes.append("W2 brian2-runtime: measured on the first 0.1 minute (one trial, 6 s) of a session: %.1f s; "
                     "wall_s = that × 300, not a full run." % w)

    # ---------------- tables ----------------
    med = {}
    for wl in workloads:
        for tool in ("spinesim", "brian2-standalone"):
            med[(wl, tool)] = statistics.median(r[3] for r in runs if r[0] == wl and r[1] == tool)
    sim = {"W1": w1_sim_s, "W2": w2_minutes * 60}
    with open(os.path.join(args.out, "bench.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "tool", "wall_s", "sim_s", "speedup"])
        for wl in workloads:
            base = med[(wl, "spinesim")]
            w.writerow([wl, "spinesim", "%.3f" % base, "%g" % sim[wl], "1.0"])
            w.writerow([wl, "brian2-standalone", "%.1f" % med[(wl, "brian2-standalone")], "%g" % sim[wl],
                        "%.1f" % (med[(wl, "brian2-standalone")] / base)])
            for rwl, wall in runtime_rows:
                if rwl == wl:
                    w.writerow([wl, "brian2-runtime", "%.1f" % wall, "%g" % sim[wl], "%.1f" % (wall / base)])
    with open(os.path.join(args.out, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "tool", "repeat", "wall_s", "compile_s", "load_average_1min"])
        for r in runs:
            w.writerow([r[0], r[1], r[2], "%.3f" % r[3], r[4] if r[4] == "" else "%.2f" % r[4], "%.2f" % r[5]])
    with open(os.path.join(args.out, "compile.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "repeat", "codegen_s", "compile_s", "run_s_measured", "size"])
        for r in compile_rows:
            w.writerow([r[0], r[1], "%.2f" % r[2], "%.2f" % r[3], "%.2f" % r[4], r[5]])

    # W1 agreement: Brian2's repeats pooled (independent seeds), against SpineSim.
    if "W1" in workloads:
        s = curves["spinesim"]
        bc = np.mean([c["change"] for c in curves["brian2"]], axis=0)
        bse = np.sqrt(np.sum([c["change_se"] ** 2 for c in curves["brian2"]], axis=0)) / len(curves["brian2"])
        sse = change_se(s["p_up"], s["p_down"], w1_full // 2, DP)
        z = (bc - s["change"]) / np.sqrt(bse ** 2 + sse ** 2)
        from scipy.stats import chi2
        chi = float(np.sum(z ** 2))
        p_chi = float(chi2.sf(chi, len(z)))
        with open(os.path.join(args.out, "w1_curves.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["delta_t_ms", "spinesim_change", "spinesim_se", "brian2_change", "brian2_se", "z"])
            for i in range(len(z)):
                w.writerow(["%g" % s["delta_t_ms"][i], "%.5f" % s["change"][i], "%.5f" % sse[i], "%.5f" % bc[i],
                            "%.5f" % bse[i], "%.3f" % z[i]])
    with open(os.path.join(args.out, "agreement.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "test", "repeat", "statistic", "p_value", "note"])
        if "W1" in workloads:
            w.writerow(["W1", "chi2 of (brian2 - spinesim)/se over 41 dt", "pooled", "%.2f" % chi, "%.3g" % p_chi,
                        "max |z| %.2f; brian2 %d synapses per dt pooled over %d seeds, spinesim 2000"
                        % (np.max(np.abs(z)), nb * len(curves["brian2"]), len(curves["brian2"]))])
        for r, tests in agreement:
            for test, ks, note in tests:
                w.writerow(["W2", test, r, "%.4f" % ks.statistic, "%.3g" % ks.pvalue, note])
    machine = sh(["bash", "-c", "lscpu | grep -E 'Model name|^CPU\\(s\\)' | sed 's/  */ /g'"]).stdout.strip()
    with open(os.path.join(args.out, "notes.txt"), "w") as f:
        f.write("machine: %s; %s; python %s\n" % (machine.replace("\n", "; "), platform.platform(), platform.python_version()))
        f.write("threads per tool: %d; Brian2 dt = %g ms; repeats %d (median)\n" % (args.threads, args.dt_ms, args.repeats))
        for n in notes:
            f.write(n + "\n")
    shutil.rmtree(work, ignore_errors=True)
    sh([py, os.path.join(HERE, "plot_bench.py"), args.out])
    print(open(os.path.join(args.out, "bench.csv")).read())


if __name__ == "__main__":
    main()
