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
# home cage. Measured as Hedrick imaged (only spines above a detection
# threshold are visible; each dendrite imaged at IS1 on day 1–3, then at
# IS2 and IS3 at fixed intervals). The figure: visible, movement-related
# (MRS) and new-spine densities at the three sessions, the density of MRS
# near new spines against the distance from them, beside the shuffled
# expectation, and the co-activity of MRS pairs by distance.
# Shipped experiment: `Experiments/learning-vs-notask.yaml` (committed result:
# `Results/learning-vs-notask/`), run here on fewer dendrites and days.
#
# Size (environment variable `SPINESIM_EXAMPLE_SIZE`): `full` (default, 8
# dendrites instead of 40, 8 days instead of 16 with sessions 3 days apart,
# about a minute with the release binary) or `smallest` (one 30 µm dendrite,
# 3 days imaged daily, 5 trials per session, 100 movement shuffles). Output: the run in
# `OUT/learning-vs-notask/` and the figure `OUT/learning-vs-notask.png`,
# where OUT is `--out DIR`, `$SPINESIM_EXAMPLE_OUT` or `examples/out/`.

# %%
import matplotlib.pyplot as plt

import spinesim

NAME = "learning-vs-notask"
SIZE, ROOT, OUT = spinesim.example_setup(NAME, globals().get("__file__"))

# %% [markdown]
# ## Run a reduced version of the experiment

# %%
SIZES = {
    "full": {"dendrites.count": 8, "days": 8, "imaging": {"first_days": [1, 2], "interval_days": 3}},
    "smallest": {"dendrites.count": 1, "dendrites.length_um": 30, "days": 3, "session.trials": 5,
                 "imaging": {"first_days": [1], "interval_days": 1}, "analysis.movement_shuffles": 100},
}
run = spinesim.run(ROOT / "Experiments" / "learning-vs-notask.yaml", out=OUT / NAME, force=True,
                   quiet=SIZE == "smallest", overrides=SIZES[SIZE])
densities = run.densities.sort_values(["regime", "session"])
clustering = run.clustering.sort_values(["regime", "distance_bin_um"])
coactivity = run.coactivity.sort_values(["regime", "distance_bin_um"])
densities

# %% [markdown]
# ## The figure: densities at the imaging sessions, clustering near new spines, co-activity by distance

# %%
assert len(densities) > 0 and len(clustering) > 0, "the run produced no densities or clustering table"
figure, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
colours = {"learning": "tab:red", "notask": "tab:blue"}
summary = run.summary
for regime, rows in densities.groupby("regime"):
    colour = colours.get(regime, "black")
    axes[0].plot(rows["session"], rows["visible_spine_density_per_um"], "o-", color=colour, label=f"{regime}: visible")
    axes[0].plot(rows["session"], rows["mrs_density_per_um"], "s--", color=colour, label=f"{regime}: MRS")
    new = rows[rows["session"] > 1]
    axes[0].plot(new["session"], new["new_spine_density_per_um"], "^:", color=colour, label=f"{regime}: new")
for regime, rows in clustering.groupby("regime"):
    colour = colours.get(regime, "black")
    p = summary.get(f"nearby_mrs_shuffle_p_{regime}")
    axes[1].plot(rows["distance_bin_um"], rows["mrs_density_near_new_per_um"], "o-", color=colour,
                 label=f"{regime}: near new spines (p = {'n/a' if p is None else format(p, '.3f')})")
    axes[1].plot(rows["distance_bin_um"], rows["shuffled_mrs_density_per_um"], ":", color=colour,
                 label=f"{regime}: shuffled")
for regime, rows in coactivity.groupby("regime"):
    axes[2].plot(rows["distance_bin_um"], rows["mean_coactivity"], "o-", color=colours.get(regime, "black"), label=regime)
axes[0].set_title("densities at the imaging sessions")
axes[1].set_title("MRS near new spines")
axes[2].set_title("co-activity of MRS pairs")
axes[0].set_xlabel("imaging session (IS1–IS3)")
axes[0].set_ylabel("per µm")
axes[1].set_xlabel("distance from a new spine (µm, bin start)")
axes[1].set_ylabel("MRS per µm")
axes[2].set_xlabel("distance between MRS (µm, bin start)")
axes[2].set_ylabel("co-activity")
for ax in axes:
    ax.legend(frameon=False, fontsize=8)
learning, notask = summary.get("new_spine_density_per_um_learning"), summary.get("new_spine_density_per_um_notask")
dendrites = run.config["dendrites"]
figure.suptitle(f"learning vs no task, {dendrites['count']} dendrites × {dendrites['length_um']:g} µm, "
                f"{run.config['days']} days; new spines per µm (median over segments) learning / no task: "
                f"{'n/a' if learning is None else format(learning, '.3f')} / {'n/a' if notask is None else format(notask, '.3f')} "
                f"(size: {SIZE})")
png = OUT / f"{NAME}.png"
figure.savefig(png, dpi=100)
assert png.stat().st_size > 0, f"{png}: empty figure"
print(f"wrote {png}")
