"""Figure of a `heterosynaptic-shrinkage` run (the Oh 2015 protocol): relative
volume change of unstimulated neighbours by distance bin and number of
stimulated spines, with the store-release messenger on and off, 40 min after
the protocol and once expression is complete; and the stimulated spines'
potentiation.

usage: plot_shrinkage.py RUN_DIR [--out FILE]   (default RUN_DIR/oh2015.png)
"""
import argparse
import os

import numpy as np
from matplotlib import cm

from plotting import plt, read_summary, read_table, save

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("run_dir")
parser.add_argument("--out")
args = parser.parse_args()

readouts = [("oh2015.csv", "40 min after"), ("oh2015_expressed.csv", "expressed")]
summary = read_summary(args.run_dir)
figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
bins = ["0-2", "2-3.4", "3.4-4", "4-10"]
for axis, (name, label) in zip(axes[:2], readouts):
    rows = read_table(args.run_dir, name)
    counts = sorted({r["n_stimulated"] for r in rows})
    colour = {n: cm.viridis(i / max(len(counts) - 1, 1)) for i, n in enumerate(counts)}
    width = 0.8 / len(counts)
    for i, n in enumerate(counts):
        for release, style in (("on", dict(alpha=1.0)), ("off", dict(alpha=0.35, hatch="//"))):
            values = {r["distance_bin_um"]: r for r in rows if r["n_stimulated"] == n and r["store_release"] == release}
            x = np.arange(len(bins)) + (i - (len(counts) - 1) / 2) * width + (0.0 if release == "on" else width / 2)
            mean = [100 * values[b]["volume_change_rel_mean"] if b in values else np.nan for b in bins]
            sem = [100 * values[b]["volume_change_rel_sem"] if b in values and isinstance(values[b]["volume_change_rel_sem"], float)
                   else 0 for b in bins]
            axis.bar(x, mean, width / 2, yerr=sem, color=colour[n], capsize=1.5,
                     label=f"n = {n:g}" if release == "on" else None, **style)
    axis.axhline(0, color="0.5", lw=1)
    axis.set_xticks(np.arange(len(bins)), [f"{b} µm" for b in bins])
    axis.set_xlabel("distance of neighbour from nearest stimulated spine")
    axis.set_ylabel("neighbour ΔV/V (%) ±1 SE")
    axis.set_title(f"Neighbours, {label} (solid: store release on; hatched: off)", fontsize=10)
    axis.legend(frameon=False, fontsize=8)
rows = read_table(args.run_dir, "oh2015.csv")
for release, marker in (("on", "o-"), ("off", "s--")):
    points = sorted({(r["n_stimulated"], r["stimulated_potentiated_fraction"]) for r in rows if r["store_release"] == release})
    axes[2].plot(*zip(*points), marker, label=f"store release {release}")
axes[2].set_ylim(0, 1.05)
axes[2].set_xlabel("number of stimulated spines")
axes[2].set_ylabel("stimulated spines potentiated (fraction)")
r = summary.get("pearson_potentiated_vs_neighbour_volume_change")
axes[2].set_title(f"Stimulated spines; Pearson r (potentiated vs neighbour ΔV) = {r:.2f}" if r is not None else "Stimulated spines",
                  fontsize=10)
axes[2].legend(frameon=False, fontsize=8)
figure.tight_layout()
save(figure, args.out or os.path.join(args.run_dir, "oh2015.png"))
