# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Memory stability: retention of learned spines over days
#
# Does a learned pattern of potentiated, enlarged spines survive weeks of
# intrinsic size fluctuation and turnover? The same dendrites train in daily
# sessions in the learning regime or without a task (the protocol of Hedrick
# et al. 2022, Nature 603:123), then live in the home cage with the intrinsic
# size noise on or off (Yasumatsu et al. 2008; Kasai et al. 2023): four
# conditions. The figure: for the learned spines of task A, the fraction
# alive, the correlation of sizes with the trained pattern and the recall
# signal d′ against the days after training, and the survival of all spines.
# Shipped experiment: `Experiments/memory-stability.yaml` (committed result:
# `Results/memory-stability/`), run here on fewer dendrites and days.
#
# Size (environment variable `SPINESIM_EXAMPLE_SIZE`): `full` (default, 10
# dendrites instead of 40, 7 days of training and 60 of home cage instead of
# 14 and 90, about 30 s with the release binary) or `smallest` (one 30 µm
# dendrite, 5 trials per session, 2 days of training, 10 of home cage).
# Output: the run in `OUT/memory-stability/` and the figure
# `OUT/memory-stability.png`, where OUT is `--out DIR`,
# `$SPINESIM_EXAMPLE_OUT` or `examples/out/`.

# %%
import matplotlib.pyplot as plt

import spinesim

NAME = "memory-stability"
SIZE, ROOT, OUT = spinesim.example_setup(NAME, globals().get("__file__"))

# %% [markdown]
# ## Run a reduced version of the experiment
#
# The schedule is a tree of forks (training regime, then noise on/off); its
# durations are overridden by their paths in the file, e.g.
# `schedule.0.fork.learning.1.fork.noise_on.0.home_cage.days`.

# %%
def schedule(training_days, home_cage_days):
    """The --set overrides of the training and home-cage durations of all four branches."""
    keys = {}
    for regime in ("learning", "notask"):
        keys[f"schedule.0.fork.{regime}.0.session.days"] = training_days
        for noise in ("noise_on", "noise_off"):
            keys[f"schedule.0.fork.{regime}.1.fork.{noise}.0.home_cage.days"] = home_cage_days
    total = training_days + home_cage_days
    keys["recording.histogram_days"] = [0, training_days, training_days + home_cage_days // 2, total]
    return keys


SIZES = {
    "full": {"dendrites.count": 10, **schedule(7, 60)},
    "smallest": {"dendrites.count": 1, "dendrites.length_um": 30, "session.trials": 5,
                 "recording.raster_dendrites": 1, **schedule(2, 10)},
}
run = spinesim.run(ROOT / "Experiments" / "memory-stability.yaml", out=OUT / NAME, force=True,
                   quiet=SIZE == "smallest", overrides=SIZES[SIZE])
retention = run.retention[run.retention["task"] == "A"].sort_values(["condition", "day_after_training"])
retention.groupby("condition").last()

# %% [markdown]
# ## The figure: retention of the learned spines after training
#
# Colour: training regime (learning or no task); line style: intrinsic size
# noise on (solid) or off (dashed). The legend gives the number of learned
# spines of each condition (from `summary.json`).

# %%
assert retention["fraction_all_alive"].notna().any(), "the run produced no retention table"
panels = [
    ("fraction_learned_alive", "learned spines alive"),
    ("size_pattern_correlation", "size correlation with the trained pattern"),
    ("recall_dprime", "recall signal d′"),
    ("fraction_all_alive", "all spines alive"),
]
figure, axes = plt.subplots(1, len(panels), figsize=(17, 4.2), layout="constrained")
colours = {"learning": "tab:red", "notask": "tab:blue"}
for condition, rows in retention.groupby("condition"):
    regime, _, noise = condition.partition("_")
    learned = run.summary["conditions"][condition]["tasks"]["A"]["learned_spines"]
    for ax, (column, label) in zip(axes, panels):
        ax.plot(rows["day_after_training"], rows[column], color=colours.get(regime, "black"),
                ls="-" if noise == "noise_on" else "--", label=f"{condition} ({learned} learned)")
for ax, (column, label) in zip(axes, panels):
    ax.set_xlabel("days after the end of training")
    ax.set_title(label)
    if column.startswith("fraction"):
        ax.set_ylim(0, 1.05)
axes[0].set_ylabel("fraction / correlation / d′")
axes[0].legend(frameon=False, fontsize=8)
dendrites = run.config["dendrites"]
figure.suptitle(f"memory stability, {dendrites['count']} dendrites × {dendrites['length_um']:g} µm (size: {SIZE})")
png = OUT / f"{NAME}.png"
figure.savefig(png, dpi=100)
assert png.stat().st_size > 0, f"{png}: empty figure"
print(f"wrote {png}")
