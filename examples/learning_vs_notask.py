# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Learning versus no task: new spines and their clustering
#
# Reproduces Hedrick et al. 2022 (Nature 603:123), Fig. 2 and Extended Data
# Fig. 5: the same dendrites live through daily sessions either in the
# learning regime (the neuron's bAPs follow the task input) or without a task
# (the same bAPs at random times), with activity-guided spinogenesis in the
# home cage. The figure: spine, movement-related (task) spine and new-spine
# densities over the imaging days, and the density of task spines near new
# spines against the distance from them, beside the shuffled expectation.
# Shipped experiment: `Experiments/learning-vs-notask.yaml` (committed result:
# `Results/learning-vs-notask/`), run here on fewer dendrites and days.
#
# Size (environment variable `SPINESIM_EXAMPLE_SIZE`): `full` (default, 8
# dendrites instead of 40, 8 days instead of 16, about a minute with the
# release binary) or `smallest` (one 30 µm dendrite, 3 days, 5 trials per
# session, 100 movement shuffles). Output: the run in
# `OUT/learning-vs-notask/` and the figure `OUT/learning-vs-notask.png`,
# where OUT is `--out DIR`, `$SPINESIM_EXAMPLE_OUT` or `examples/out/`.

# %%
import argparse
import os
from pathlib import Path

import matplotlib

if "__file__" in globals():  # a script, not a notebook: no display needed
    matplotlib.use("Agg")
import matplotlib.pyplot as plt

import spinesim

NAME = "learning-vs-notask"
SIZE = os.environ.get("SPINESIM_EXAMPLE_SIZE", "full")
if SIZE not in ("full", "smallest"):
    raise SystemExit(f"SPINESIM_EXAMPLE_SIZE must be 'full' or 'smallest', not {SIZE!r}")
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
ROOT = next(p for p in (HERE, *HERE.parents) if (p / "Experiments").is_dir())
parser = argparse.ArgumentParser(description="Run a reduced Experiments/learning-vs-notask.yaml and draw its figure.")
parser.add_argument("--out", default=os.environ.get("SPINESIM_EXAMPLE_OUT", ROOT / "examples" / "out"),
                    help="directory for the run (OUT/learning-vs-notask/) and the figure (OUT/learning-vs-notask.png)")
args, _ = parser.parse_known_args()  # a notebook kernel passes its own arguments
OUT = Path(args.out)

# %% [markdown]
# ## Run a reduced version of the experiment

# %%
SIZES = {
    "full": {"dendrites.count": 8, "days": 8, "imaging_days": {"early": [1, 2], "middle": [4], "late": [7, 8]}},
    "smallest": {"dendrites.count": 1, "dendrites.length_um": 30, "days": 3, "session.trials": 5,
                 "imaging_days": {"early": [1], "middle": [2], "late": [3]}, "analysis.movement_shuffles": 100},
}
run = spinesim.run(ROOT / "Experiments" / "learning-vs-notask.yaml", out=OUT / NAME, force=True,
                   quiet=SIZE == "smallest", overrides=SIZES[SIZE])
densities = run.densities.sort_values(["regime", "day"])
clustering = run.clustering.sort_values(["regime", "distance_bin_um"])
densities

# %% [markdown]
# ## The figure: densities over the imaging days, and clustering near new spines

# %%
assert len(densities) > 0 and len(clustering) > 0, "the run produced no densities or clustering table"
figure, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
colours = {"learning": "tab:red", "notask": "tab:blue"}
for regime, rows in densities.groupby("regime"):
    colour = colours.get(regime, "black")
    axes[0].plot(rows["day"], rows["spine_density_per_um"], "o-", color=colour, label=f"{regime}: all spines")
    axes[0].plot(rows["day"], rows["task_spine_density_per_um"], "s--", color=colour,
                 label=f"{regime}: movement-related")
    axes[1].plot(rows["day"], rows["new_spine_density_per_um"], "o-", color=colour, label=regime)
for regime, rows in clustering.groupby("regime"):
    colour = colours.get(regime, "black")
    axes[2].plot(rows["distance_bin_um"], rows["task_spine_density_near_new"], "o-", color=colour,
                 label=f"{regime}: near new spines")
    axes[2].plot(rows["distance_bin_um"], rows["shuffled_density"], ":", color=colour,
                 label=f"{regime}: shuffled")
axes[0].set_title("spine densities")
axes[1].set_title("new-spine density")
axes[2].set_title("task spines near new spines")
for ax in axes[:2]:
    ax.set_xlabel("imaging day")
    ax.set_ylabel("per µm")
axes[2].set_xlabel("distance from a new spine (µm, bin start)")
axes[2].set_ylabel("movement-related spines per µm")
for ax in axes:
    ax.legend(frameon=False, fontsize=8)
summary = run.summary
ratio = summary.get("new_spine_density_ratio_learning_over_notask")
dendrites = run.config["dendrites"]
figure.suptitle(f"learning vs no task, {dendrites['count']} dendrites × {dendrites['length_um']:g} µm, "
                f"{run.config['days']} days; new-spine ratio learning / no task: "
                f"{'n/a' if ratio is None else format(ratio, '.2f')} (size: {SIZE})")
png = OUT / f"{NAME}.png"
figure.savefig(png, dpi=100)
assert png.stat().st_size > 0, f"{png}: empty figure"
print(f"wrote {png}")
