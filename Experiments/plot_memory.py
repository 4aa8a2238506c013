"""Figures of a `memory-stability` run: retention of the learned spines
(alive, potentiated, size-pattern correlation) over the days after training,
size distributions over time with their log-normal fits, and a raster of
spine sizes along one dendrite.

usage: plot_memory.py RUN_DIR [--out-prefix PREFIX]
       (writes PREFIX-retention.png, PREFIX-sizes.png, PREFIX-raster.png;
        default prefix RUN_DIR/memory)
"""
import argparse
import math
import os

import numpy as np

from plotting import plt, read_run, read_table, save

CONDITIONS = ["learning_noise_on", "notask_noise_on", "learning_noise_off", "notask_noise_off"]
STYLE = {
    "learning_noise_on": dict(color="tab:red", ls="-", label="learning, noise on"),
    "notask_noise_on": dict(color="tab:blue", ls="-", label="no task, noise on"),
    "learning_noise_off": dict(color="tab:red", ls="--", label="learning, noise off"),
    "notask_noise_off": dict(color="tab:blue", ls="--", label="no task, noise off"),
}


def retention_figure(rows, path):
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    fields = [("fraction_learned_alive", "learned spines alive"),
              ("fraction_learned_potentiated", "learned spines potentiated"),
              ("size_pattern_correlation", "correlation with trained sizes")]
    for ax, (field, title) in zip(axes, fields):
        for condition in CONDITIONS:
            points = [r for r in rows if r["condition"] == condition]
            if not points:
                continue
            ax.plot([r["day_after_training"] for r in points], [r[field] for r in points], **STYLE[condition])
        ax.set_xlabel("days after training")
        ax.set_title(title)
        ax.set_ylim(0, 1.02)
        ax.axhline(0.5, color="0.8", lw=0.8, zorder=0)
    axes[0].legend(fontsize=8, loc="lower left")
    save(figure, path)


def sizes_figure(histograms, fits, path):
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, condition in zip(axes, ["learning_noise_on", "learning_noise_off"]):
        days = sorted({r["day"] for r in histograms if r["condition"] == condition})
        shades = plt.cm.viridis(np.linspace(0, 0.85, len(days)))
        for day, shade in zip(days, shades):
            bins = [r for r in histograms if r["condition"] == condition and r["day"] == day]
            lower = np.array([r["volume_lower_um3"] for r in bins])
            upper = np.array([r["volume_upper_um3"] for r in bins])
            count = np.array([r["count"] for r in bins])
            width = np.log(upper) - np.log(lower)
            density = count / max(count.sum(), 1) / width
            centre = np.sqrt(lower * upper)
            ax.step(centre, density, where="mid", color=shade, label=f"day {day:.0f}")
            fit = next((f for f in fits if f["condition"] == condition and f["day"] == day), None)
            if fit and not math.isnan(fit["lognormal_sigma"]):
                mu, sigma = fit["lognormal_mu"], fit["lognormal_sigma"]
                s = np.log(centre)
                ax.plot(centre, np.exp(-0.5 * ((s - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi)),
                        color=shade, lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_xlabel("spine volume (µm³)")
        ax.set_title(STYLE[condition]["label"] + " (dotted: log-normal fit)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("density per ln µm³")
    save(figure, path)


def raster_figure(rows, path):
    condition = "learning_noise_on"
    dendrite = min(r["dendrite"] for r in rows if r["condition"] == condition)
    points = [r for r in rows if r["condition"] == condition and r["dendrite"] == dendrite]
    figure, ax = plt.subplots(figsize=(11, 4.2))
    volumes = np.array([r["volume_um3"] for r in points])
    scatter = ax.scatter([r["day"] for r in points], [r["position_um"] for r in points], c=np.log10(volumes),
                         s=9, cmap="magma_r", vmin=-2, vmax=0, marker="s", linewidths=0)
    learned = [r for r in points if r["learned"] == "true"]
    ax.scatter([r["day"] for r in learned], [r["position_um"] for r in learned], s=22, facecolors="none",
               edgecolors="tab:green", linewidths=0.6, label="learned at the end of training")
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlabel("days after training (negative: training)")
    ax.set_ylabel(f"position on dendrite {dendrite:.0f} (µm)")
    ax.set_title("spine sizes, learning then home cage, intrinsic noise on")
    ax.legend(fontsize=8, loc="upper right")
    figure.colorbar(scatter, ax=ax, label="log10 volume (µm³)")
    save(figure, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--out-prefix")
    args = parser.parse_args()
    prefix = args.out_prefix or os.path.join(args.run_dir, "memory")
    retention, _ = read_run(args.run_dir, "retention.csv")
    retention_figure(retention, f"{prefix}-retention.png")
    sizes_figure(read_table(args.run_dir, "size_histograms.csv"), read_table(args.run_dir, "size_fit.csv"), f"{prefix}-sizes.png")
    # raster.csv (about 8 MB at the default size) is not committed; `make run` writes it.
    if os.path.exists(os.path.join(args.run_dir, "raster.csv")):
        raster_figure(read_table(args.run_dir, "raster.csv"), f"{prefix}-raster.png")
    else:
        print(f"no {args.run_dir}/raster.csv: raster figure not drawn")


if __name__ == "__main__":
    main()
