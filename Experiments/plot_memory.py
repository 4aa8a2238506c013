"""Figures of a `memory` run (any schedule: stability, interference,
reactivation, ...):

- PREFIX-retention.png: against days after training, one line per condition
  and trained task: learned spines alive (and, dotted, all spines alive),
  learned spines still potentiated, correlation of sizes with those at the
  end of training, and the recall signal d'.
- PREFIX-sizes.png: size distributions over time with their log-normal fits
  (first and last condition), and spine density of every condition against
  the timeline day, session phases shaded.
- PREFIX-raster.png (only if raster.csv exists): spine sizes along one
  dendrite over the timeline, learned spines outlined by task.

usage: plot_memory.py RUN_DIR [--out-prefix PREFIX] [--raster-condition NAME]
       (default prefix RUN_DIR/memory; default raster condition: the first)
"""
import argparse
import math
import os
from collections import defaultdict

import numpy as np
from matplotlib import cm, colors
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from plotting import plt, read_run, read_summary, read_table, save

TASK_LINES = ["-", "--", "-.", ":"]
LEARNED_COLOURS = ["tab:red", "tab:blue", "tab:green", "tab:purple"]
LEARNED_SEVERAL = "orange"


def number(value):
    """A CSV cell as a float; an empty cell (not defined) as NaN."""
    return value if isinstance(value, float) else math.nan


def ordered(rows, key):
    """Distinct values of a column in order of first appearance."""
    return list(dict.fromkeys(r[key] for r in rows))


def condition_colours(conditions):
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {c: palette[i % len(palette)] for i, c in enumerate(conditions)}


def line_width(conditions, condition):
    """Earlier conditions wider: a line hidden under a later one (the same
    trunk before a fork, or the same values) still shows at its edges."""
    return 1.2 + 0.8 * (len(conditions) - 1 - conditions.index(condition))


def session_spans(schedule):
    """(start, end, label, conditions) of every session phase; the label of a
    span some conditions skipped names the conditions that ran it."""
    conditions = ordered(schedule, "condition")
    spans = defaultdict(lambda: (dict(), dict()))
    for r in schedule:
        if r["kind"] == "session":
            what, who = spans[(r["start_day"], r["end_day"])]
            what[f"{r['regime']} {r['task']}"] = who[r["condition"]] = True
    result = []
    for (start, end), (what, who) in sorted(spans.items()):
        label = " / ".join(what)
        if len(who) < len(conditions):
            label += f" ({', '.join(who)})"
        result.append((start, end, label, list(who)))
    return result


def retention_figure(rows, summary, path):
    conditions, tasks = ordered(rows, "condition"), ordered(rows, "task")
    colour = condition_colours(conditions)
    figure, axes = plt.subplots(1, 4, figsize=(17, 4.6), layout="constrained")
    panels = [("fraction_learned_alive", "learned spines still alive", "fraction of learned spines"),
              ("fraction_learned_potentiated", "learned spines still potentiated", "fraction of learned spines"),
              ("size_pattern_correlation", "sizes still as at end of training", "correlation with sizes then"),
              ("recall_dprime", "recall signal of the task's axons", "d′ against random spines")]
    for condition in conditions:
        for task in tasks:
            points = sorted((r for r in rows if r["condition"] == condition and r["task"] == task),
                            key=lambda r: r["day_after_training"])
            if not points:
                continue
            days = [r["day_after_training"] for r in points]
            half_life = summary["conditions"].get(condition, {}).get("tasks", {}).get(task, {}).get("half_life_days")
            label = f"{condition}, task {task}" + (f" (half-life {half_life:.0f} d)" if half_life is not None else "")
            style = dict(color=colour[condition], ls=TASK_LINES[tasks.index(task) % len(TASK_LINES)],
                         lw=line_width(conditions, condition))
            for ax, (field, _, _) in zip(axes, panels):
                ax.plot(days, [number(r[field]) for r in points], label=label, **style)
            axes[0].plot(days, [number(r["fraction_all_alive"]) for r in points], color=colour[condition],
                         ls=":", lw=0.9)
    for ax, (_, title, ylabel) in zip(axes, panels):
        ax.set_title(title)
        ax.set_xlabel("days after end of training")
        ax.set_ylabel(ylabel)
    for ax in axes[:2]:
        ax.set_ylim(-0.03, 1.04)
    axes[2].set_ylim(min(-0.03, axes[2].get_ylim()[0]), 1.04)
    axes[3].axhline(0, color="0.5", lw=0.8, zorder=0)
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.3", ls=":", lw=0.9))
    labels.append("dotted, left panel: fraction of all spines alive at end of training still alive")
    figure.legend(handles, labels, loc="outside lower center", ncol=min(3, len(labels)), fontsize=9, frameon=False)
    save(figure, path)


def lognormal_density(volume, mu, sigma):
    """Probability density of ln v for a log-normal."""
    return np.exp(-0.5 * ((np.log(volume) - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def histogram_panel(ax, histograms, fits, condition, norm):
    fit = {r["day"]: r for r in fits if r["condition"] == condition}
    for day in sorted({r["day"] for r in histograms if r["condition"] == condition}):
        bins = sorted((r for r in histograms if r["condition"] == condition and r["day"] == day),
                      key=lambda r: r["volume_lower_um3"])
        counts = np.array([r["count"] for r in bins])
        if counts.sum() == 0:
            continue
        edges = np.array([bins[0]["volume_lower_um3"]] + [r["volume_upper_um3"] for r in bins])
        shade = cm.viridis(norm(day))
        ax.stairs(counts / counts.sum() / np.diff(np.log(edges)), edges, color=shade, lw=1.3, label=f"{day:g}")
        mu, sigma = (number(fit[day][k]) if day in fit else math.nan for k in ("lognormal_mu", "lognormal_sigma"))
        if sigma > 0:
            volume = np.geomspace(edges[0], edges[-1], 300)
            ax.plot(volume, lognormal_density(volume, mu, sigma), color=shade, lw=1, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("spine volume (µm³)")
    ax.set_title(f"{condition}: sizes (dotted: log-normal fit)")
    ax.legend(fontsize=7, ncol=2, frameon=False, title="timeline day", title_fontsize=7)


def density_panel(ax, density, schedule, colour):
    for start, end, label, who in session_spans(schedule):
        # Sessions of every condition in grey; of some conditions, in the first one's colour.
        shade = "0.5" if len(who) == len(colour) else colour[who[0]]
        ax.axvspan(start, end, color=shade, alpha=0.15, lw=0, zorder=0)
        ax.axvline(start, color="0.6", lw=0.6, zorder=0)
        ax.text((start + end) / 2, 0.03, label, transform=ax.get_xaxis_transform(), rotation=90,
                ha="center", va="bottom", fontsize=7, color="0.35")
    for condition in colour:
        points = sorted((r for r in density if r["condition"] == condition), key=lambda r: r["day"])
        ax.plot([r["day"] for r in points], [number(r["spine_density_per_um"]) for r in points],
                color=colour[condition], lw=line_width(list(colour), condition), label=condition)
    ax.set_xlabel("timeline day")
    ax.set_ylabel("spines per µm")
    ax.set_title("spine density (shaded: sessions)")
    ax.legend(fontsize=7, frameon=False)


def sizes_figure(conditions, histograms, fits, density, schedule, path):
    shown = conditions if len(conditions) <= 2 else [conditions[0], conditions[-1]]
    days = [r["day"] for r in histograms if r["condition"] in shown]
    norm = colors.Normalize(min(days), max(max(days), min(days) + 1))
    figure, axes = plt.subplots(1, len(shown) + 1, figsize=(5.2 * len(shown) + 4.8, 4),
                                gridspec_kw=dict(width_ratios=[1] * len(shown) + [0.85]))
    for ax, condition in zip(axes, shown):
        histogram_panel(ax, histograms, fits, condition, norm)
    axes[0].set_ylabel("density per ln µm³")
    density_panel(axes[-1], density, schedule, condition_colours(conditions))
    figure.tight_layout()
    save(figure, path)


def learned_colour(learned, tasks):
    """Outline colour of a learned spine: one per task, one for several."""
    names = [t for t in learned.split("+") if t]
    if len(names) > 1:
        return LEARNED_SEVERAL
    index = tasks.index(names[0]) if names[0] in tasks else len(tasks)
    return LEARNED_COLOURS[index % len(LEARNED_COLOURS)]


def raster_figure(rows, schedule, tasks, condition, path):
    dendrite = min(r["dendrite"] for r in rows if r["condition"] == condition)
    points = [r for r in rows if r["condition"] == condition and r["dendrite"] == dendrite]
    days = sorted({r["day"] for r in points})
    step = float(np.median(np.diff(days))) if len(days) > 1 else 1.0
    following = dict(zip(days, days[1:] + [days[-1] + step]))
    # Each record is a bar from its day to the next recording day: a spine that lives on draws a track.
    segments = [[(r["day"], r["position_um"]), (following[r["day"]], r["position_um"])] for r in points]
    log_volume = np.log10([r["volume_um3"] for r in points])
    length = max(r["position_um"] for r in points)
    # Taller for crowded dendrites; bars about as thick as the mean spacing of spines allows.
    crowd = max(sum(1 for r in points if r["day"] == day) for day in days)
    height = min(max(2.5 + crowd / 35, 4), 10)
    width = min(max(0.75 * 72 * (height - 1.6) / crowd, 0.6), 2.5)
    figure, ax = plt.subplots(figsize=(12, height))
    # Learned spines: a coloured band behind their bars (drawn first: the bars stay on top).
    learned = [(s, learned_colour(r["learned_tasks"], tasks)) for s, r in zip(segments, points) if r["learned_tasks"]]
    if learned:
        ax.add_collection(LineCollection([s for s, _ in learned], colors=[c for _, c in learned],
                                         linewidths=width + 2.5))
    greys = colors.LinearSegmentedColormap.from_list("greys", cm.Greys(np.linspace(0.25, 1, 256)))
    bars = LineCollection(segments, array=log_volume, cmap=greys, linewidths=width,
                          norm=colors.Normalize(*np.percentile(log_volume, [1, 99])))
    ax.add_collection(bars)
    for r in schedule:
        if r["condition"] != condition:
            continue
        if r["start_day"] > days[0]:
            ax.axvline(r["start_day"], color="k", lw=0.8, ls="--")
        name = "home cage" if r["kind"] == "home_cage" else f"{r['regime']} {r['task']}"
        name += ", noise off" if r["intrinsic_noise"] == "off" else ""
        ax.text((r["start_day"] + r["end_day"]) / 2, 1.01, name, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8)
    ax.set_xlim(days[0], days[-1] + step)
    ax.set_ylim(0, length * 1.01)
    ax.set_xlabel("timeline day")
    ax.set_ylabel(f"position on dendrite {dendrite:g} (µm)")
    ax.set_title(f"{condition}: spine sizes along one dendrite", pad=16)
    seen = dict.fromkeys(r["learned_tasks"] for r in points if r["learned_tasks"])
    handles = [Line2D([], [], color=learned_colour(k, tasks), lw=4) for k in seen]
    ax.legend(handles, [f"learned for task {k.replace('+', ' and ')}" for k in seen], fontsize=8, ncol=len(seen) or 1,
              loc="upper center", bbox_to_anchor=(0.5, -0.08 * 6 / height), frameon=False)
    figure.colorbar(bars, ax=ax, label="log10 volume (µm³)", pad=0.01)
    save(figure, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--out-prefix")
    parser.add_argument("--raster-condition", help="condition of the raster figure (default: the first)")
    args = parser.parse_args()
    run = args.run_dir
    prefix = args.out_prefix or os.path.join(run, "memory")
    retention, _ = read_run(run, "retention.csv")
    summary = read_summary(run)
    schedule = read_table(run, "schedule.csv")
    conditions = ordered(retention, "condition")
    retention_figure(retention, summary, f"{prefix}-retention.png")
    sizes_figure(conditions, read_table(run, "size_histograms.csv"), read_table(run, "size_fit.csv"),
                 read_table(run, "density.csv"), schedule, f"{prefix}-sizes.png")
    # raster.csv is large and not committed; `make run` writes it.
    if not os.path.exists(os.path.join(run, "raster.csv")):
        print(f"no {run}/raster.csv: raster figure not drawn")
        return
    raster = read_table(run, "raster.csv")
    condition = args.raster_condition or conditions[0]
    if not any(r["condition"] == condition for r in raster):
        raise SystemExit(f"{run}/raster.csv has no rows of condition {condition}")
    raster_figure(raster, schedule, ordered(retention, "task"), condition, f"{prefix}-raster.png")


if __name__ == "__main__":
    main()
