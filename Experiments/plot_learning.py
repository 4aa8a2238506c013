"""Figure of a `learning-vs-notask` run, measured as Hedrick et al. 2022
imaged (docs/MODEL.md §5): visible, movement-related (MRS) and new-spine
densities at the three imaging sessions; MRS density around new spines
against the position shuffles; co-activity of MRS pairs by distance; and
the measures set beside Hedrick 2022.

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
    coactivity = read_table(args.run_dir, "coactivity.csv")
    summary = read_summary(args.run_dir)

    figure, axes = plt.subplots(1, 4, figsize=(18, 4))
    ax = axes[0]
    for regime, colour in COLOURS.items():
        rows = [r for r in densities if r["regime"] == regime]
        sessions = [r["session"] for r in rows]
        ax.plot(sessions, [r["visible_spine_density_per_um"] for r in rows], "o-", color=colour, label=f"{regime}: visible")
        ax.plot(sessions, [r["mrs_density_per_um"] for r in rows], "s--", color=colour, label=f"{regime}: MRS")
        new = [(r["session"], r["new_spine_density_per_um"]) for r in rows if r["session"] > 1]
        ax.plot([s for s, _ in new], [d for _, d in new], "^:", color=colour, label=f"{regime}: new")
    ax.set_xticks([1, 2, 3], ["IS1", "IS2", "IS3"])
    ax.set_ylabel("density (per µm, pooled)")
    ax.legend(fontsize=7)

    ax = axes[1]
    for regime, colour in COLOURS.items():
        rows = [r for r in clustering if r["regime"] == regime]
        centre = [r["distance_bin_um"] + 2.5 for r in rows]
        p = summary.get(f"nearby_mrs_shuffle_p_{regime}")
        r_s = summary.get(f"mrs_density_distance_spearman_{regime}")
        label = f"{regime} (p = {'n/a' if p is None else format(p, '.3f')}, r = {'n/a' if r_s is None else format(r_s, '.2f')})"
        ax.plot(centre, [r["mrs_density_near_new_per_um"] for r in rows], "o-", color=colour, label=label)
        ax.plot(centre, [r["shuffled_mrs_density_per_um"] for r in rows], ":", color=colour, label=f"{regime}: shuffled")
    ax.set_xlabel("distance from a new spine (µm, bin centre)")
    ax.set_ylabel("MRS per µm")
    ax.legend(fontsize=7)

    ax = axes[2]
    for regime, colour in COLOURS.items():
        rows = [r for r in coactivity if r["regime"] == regime]
        ax.plot([r["distance_bin_um"] + 2.5 for r in rows], [r["mean_coactivity"] for r in rows], "o-", color=colour,
                label=regime)
    ax.set_xlabel("distance between MRS (µm, bin centre)")
    ax.set_ylabel("co-activity (normalised)")
    ax.legend(fontsize=7)

    ax = axes[3]
    hedrick = summary["hedrick_2022"]
    measures = [("new spines\nlearn (/µm)", "new_spine_density_per_um_learning", hedrick["new_spine_density_per_um_learning"]),
                ("new spines\nno task (/µm)", "new_spine_density_per_um_notask", hedrick["new_spine_density_per_um_notask"]),
                ("MRS\nlearn (/µm)", "mrs_density_per_um_learning", hedrick["mrs_density_per_um_learning"]),
                ("MRS\nno task (/µm)", "mrs_density_per_um_notask", hedrick["mrs_density_per_um_notask"]),
                ("transient\nlearn", "transient_fraction_learning", hedrick["transient_fraction_learning"])]
    x = np.arange(len(measures))
    ax.bar(x - 0.2, [summary.get(key) or 0 for _, key, _ in measures], 0.4, color="0.4", label="SpineSim")
    ax.bar(x + 0.2, [value for _, _, value in measures], 0.4, color="tab:orange", label="Hedrick 2022")
    ax.set_xticks(x, [name for name, _, _ in measures], fontsize=6)
    ax.legend(fontsize=7)
    save(figure, args.out or os.path.join(args.run_dir, "learning-vs-notask.png"))


if __name__ == "__main__":
    main()
