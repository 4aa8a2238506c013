"""Figure of the sweep-noise sweep (Experiments/sweep-noise.yaml): retention
of task A's learned spines against days after training, one colour per level
of the intrinsic noise (size_dynamics.stationary_sd), mean over the seeds
with their range shaded. Left: fraction of learned spines alive; right: the
recall signal d'. Solid: learning, intrinsic noise on in the home cage;
dashed: learning, noise off (the reference, where stationary_sd acts only
during training). Read through `spinesim.read_sweep` on the sweep directory.

usage: plot_sweep_noise.py SWEEP_DIR [--out PNG]   (default SWEEP_DIR/sweep-noise.png)
"""
import argparse
import os

import spinesim

from plotting import plt, save

KEY = "size_dynamics.stationary_sd"
PANELS = [("fraction_learned_alive", "learned spines alive"), ("recall_dprime", "recall d′")]
CONDITIONS = [("learning_noise_on", "-", "noise on"), ("learning_noise_off", "--", "noise off")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep")
    parser.add_argument("--out")
    args = parser.parse_args()
    retention = spinesim.read_sweep(args.sweep)["retention"]
    retention = retention[retention["task"] == "A"]
    levels = sorted(retention[KEY].unique())
    seeds = sorted(retention["seed"].unique())
    colours = plt.get_cmap("viridis")([0.1 + 0.8 * i / max(1, len(levels) - 1) for i in range(len(levels))])
    figure, axes = plt.subplots(1, len(PANELS), figsize=(11, 4.2))
    for ax, (column, label) in zip(axes, PANELS):
        for level, colour in zip(levels, colours):
            for condition, style, name in CONDITIONS:
                rows = retention[(retention[KEY] == level) & (retention["condition"] == condition)]
                if rows.empty:
                    continue
                by_day = rows.groupby("day_after_training")[column]
                mean, low, high = by_day.mean(), by_day.min(), by_day.max()
                ax.plot(mean.index, mean.values, style, color=colour, lw=1.6,
                        label=f"σ = {level:g}, {name}")
                ax.fill_between(mean.index, low.values, high.values, color=colour, alpha=0.18, lw=0)
        ax.set_xlabel("days after training")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylim(0, 1.02)
    axes[0].legend(fontsize=8, ncol=1)
    figure.suptitle(f"Task A after 14 days of learning: mean over seeds {', '.join(map(str, seeds))} (shaded: range)",
                    fontsize=10)
    save(figure, args.out or os.path.join(args.sweep, "sweep-noise.png"))


if __name__ == "__main__":
    main()
