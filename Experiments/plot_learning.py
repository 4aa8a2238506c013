"""Figure of a `learning-vs-notask` run: spine, movement-related-spine and
new-spine densities over the imaging days; task-related spine density
around new spines against its shuffle; and the measures set beside
Hedrick et al. 2022.

usage: plot_learning.py RUN_DIR [--out FILE]   (default RUN_DIR/learning-vs-notask.png)
"""
import argparse
import os

import numpy as np

from plotting import plt, read_run, read_summary, read_table, save

COLOURS = {"learning": "tab:red", "notask": "tab:blue"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--out")
    args = parser.parse_args()
    densities, _ = read_run(args.run_dir, "densities.csv")
    clustering = read_table(args.run_dir, "clustering.csv")
    summary = read_summary(args.run_dir)

    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    for regime, colour in COLOURS.items():
        rows = [r for r in densities if r["regime"] == regime]
        days = [r["day"] for r in rows]
        ax.plot(days, [r["spine_density_per_um"] for r in rows], "o-", color=colour, label=f"{regime}: all spines")
        ax.plot(days, [r["task_spine_density_per_um"] for r in rows], "s--", color=colour, label=f"{regime}: movement-related")
        ax.plot(days, [r["new_spine_density_per_um"] for r in rows], "^:", color=colour, label=f"{regime}: new")
    ax.set_xlabel("imaging day")
    ax.set_ylabel("density (per µm)")
    ax.legend(fontsize=7)

    ax = axes[1]
    for regime, colour in COLOURS.items():
        rows = [r for r in clustering if r["regime"] == regime]
        centre = [r["distance_bin_um"] + 2.5 for r in rows]
        ax.plot(centre, [r["task_spine_density_near_new"] for r in rows], "o-", color=colour, label=f"{regime}")
        ax.plot(centre, [r["shuffled_density"] for r in rows], ":", color=colour, label=f"{regime}: shuffled")
    ax.set_xlabel("distance from a new spine (µm, bin centre)")
    ax.set_ylabel("movement-related spines per µm")
    ax.legend(fontsize=7)

    ax = axes[2]
    measures = [("new spines\nL / NT", summary["new_spine_density_ratio_learning_over_notask"],
                 0.039 / 0.020),
                ("MRS density\nL / NT", summary["task_spine_density_learning"] / summary["task_spine_density_notask"],
                 0.34 / 0.21),
                ("clustering\nlearn", summary["clustering_enrichment_learning"], None),
                ("clustering\nno task", summary["clustering_enrichment_notask"], None),
                ("density, learn\nlate / early", summary["total_density_change_learning"], 1.0)]
    x = np.arange(len(measures))
    ax.bar(x - 0.2, [m[1] for m in measures], 0.4, color="0.4", label="SpineSim")
    ax.bar(x + 0.2, [m[2] if m[2] is not None else 0 for m in measures], 0.4, color="tab:orange", label="Hedrick 2022")
    ax.plot([x[2] - 0.4, x[2] + 0.4], [1.5, 1.5], "k--", lw=0.8)
    ax.plot([x[3] - 0.4, x[3] + 0.4], [1.25, 1.25], "k--", lw=0.8)
    ax.set_xticks(x, [m[0] for m in measures], fontsize=6)
    ax.set_ylabel("ratio (dashed: target bounds)")
    ax.legend(fontsize=7)
    save(figure, args.out or os.path.join(args.run_dir, "learning-vs-notask.png"))


if __name__ == "__main__":
    main()
