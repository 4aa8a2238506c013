#!/usr/bin/env python3
"""Scaling of SpineSim (Results/bench/scaling.csv and scaling.png):

- wall time versus the number of spines (1e3 … 1e6), home cage, `--days`
  simulated days (`spinesim bench population`), on 1 and 2 threads;
- wall time versus simulated days (1e5 spines), on 1 and 2 threads;
- the 2-core speedup of both, and of the W2 session (`spinesim bench session`).

Each point is the median of `--repeats` runs. The load average of the machine
at each run is recorded (another process on the machine distorts the 2-core
speedup; see the README).
"""
import argparse
import csv
import os
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def wall_of(cmd):
    out = subprocess.run(cmd, check=True, text=True, capture_output=True).stdout
    return float(out.strip().splitlines()[-1].split("wall_s=")[1].split()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spinesim", default=os.path.join(ROOT, ".build/release/spinesim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Results/bench"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=int, default=30, help="days of the spine-count sweep")
    ap.add_argument("--spines", default="1000,10000,100000,1000000")
    ap.add_argument("--day-counts", default="10,30,100,365")
    ap.add_argument("--session-minutes", type=float, default=30)
    ap.add_argument("--plot-only", action="store_true", help="redraw scaling.png from OUT/scaling.csv")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.plot_only:
        plot(args.out, rows_from_csv(args.out), args.days)
        return
    rows = []

    def measure(kind, spines, days, threads, cmd):
        walls, loads = [], []
        for _ in range(args.repeats):
            loads.append(os.getloadavg()[0])
            walls.append(wall_of(cmd))
        rows.append((kind, spines, days, threads, statistics.median(walls), statistics.median(loads)))
        print("%s spines=%s days=%s threads=%d wall_s=%.3f" % rows[-1][:5], flush=True)

    for n in (int(x) for x in args.spines.split(",")):
        for t in (1, 2):
            measure("population", n, args.days, t, [args.spinesim, "bench", "population", "--spines", str(n),
                                                    "--days", str(args.days), "--threads", str(t)])
    for d in (int(x) for x in args.day_counts.split(",")):
        for t in (1, 2):
            measure("population", 100000, d, t, [args.spinesim, "bench", "population", "--spines", "100000",
                                                  "--days", str(d), "--threads", str(t)])
    for t in (1, 2):
        measure("session", 3000, args.session_minutes / 1440, t,
                [args.spinesim, "bench", "session", "--dendrites", "20", "--minutes", str(args.session_minutes),
                 "--threads", str(t)])
    with open(os.path.join(args.out, "scaling.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["benchmark", "spines", "simulated_days", "threads", "wall_s", "load_average_1min"])
        for r in rows:
            w.writerow([r[0], r[1], "%g" % r[2], r[3], "%.3f" % r[4], "%.2f" % r[5]])
    plot(args.out, rows, args.days)


def rows_from_csv(out):
    """The rows of an existing scaling.csv (to redraw the figure alone)."""
    with open(os.path.join(out, "scaling.csv")) as f:
        return [(r["benchmark"], int(r["spines"]), float(r["simulated_days"]), int(r["threads"]), float(r["wall_s"]),
                 float(r["load_average_1min"])) for r in csv.DictReader(f)]


def plot(out, rows, days):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for t, style in ((1, "o-"), (2, "s--")):
        pts = sorted((r[1], r[4]) for r in rows if r[0] == "population" and r[2] == days and r[3] == t)
        a.loglog([p[0] for p in pts], [p[1] for p in pts], style, label="%d thread%s" % (t, "s" if t > 1 else ""))
        pts = sorted(dict((r[2], r[4]) for r in rows if r[0] == "population" and r[1] == 100000 and r[3] == t).items())
        b.loglog([p[0] for p in pts], [p[1] for p in pts], style, label="%d thread%s" % (t, "s" if t > 1 else ""))
    a.set_xlabel("spines")
    a.set_ylabel("wall time (s)")
    a.set_title("home cage, %d days" % days)
    b.set_xlabel("simulated days")
    b.set_title("home cage, 1e5 spines")
    for ax in (a, b):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "scaling.png"), dpi=120)


if __name__ == "__main__":
    main()
