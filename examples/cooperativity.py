# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Cooperative LTP: potentiation at one spine lowers its neighbours' threshold
#
# Reproduces Harvey & Svoboda 2007 (Nature 450:1195), Fig. 1–2: an LTP spine
# receives strong uncaging-like pulses; after a delay a test spine at a given
# distance receives weak pulses that potentiate an isolated spine in under
# 10 % of trials. The Ras-like cooperativity messenger released by the LTP
# spine lowers θ_p within about 10 µm for minutes, so the test spine
# potentiates when it is close and the delay short. The figure: fraction of
# test spines potentiated against the delay, one line per distance, with the
# control (no prior LTP). Shipped experiment: `Experiments/cooperativity.yaml`
# (committed result: `Results/cooperativity/`), run here with fewer trials.
#
# Size (environment variable `SPINESIM_EXAMPLE_SIZE`): `full` (default, the
# six distances and six delays, 100 trials instead of 400, about 25 s with the
# release binary) or `smallest` (distances 3 and 15 µm, delays 0.5 and
# 10 min, 4 trials). Output: the run in `OUT/cooperativity/` and the figure
# `OUT/cooperativity.png`, where OUT is `--out DIR`, `$SPINESIM_EXAMPLE_OUT`
# or `examples/out/`.

# %%
import matplotlib.pyplot as plt

import spinesim

NAME = "cooperativity"
SIZE, ROOT, OUT = spinesim.example_setup(NAME, globals().get("__file__"))

# %% [markdown]
# ## Run a reduced version of the experiment

# %%
SIZES = {
    "full": {"trials": 100},
    "smallest": {"trials": 4, "distances_um": [3, 15], "delays_min": [0.5, 10]},
}
run = spinesim.run(ROOT / "Experiments" / "cooperativity.yaml", out=OUT / NAME, force=True,
                   quiet=SIZE == "smallest", overrides=SIZES[SIZE])
table = run.cooperativity.sort_values(["distance_um", "delay_min"])
table.head()

# %% [markdown]
# ## The figure: fraction of test spines potentiated against the delay
#
# Error bars: binomial standard error over the trials.

# %%
import numpy as np

assert len(table) > 0 and table["fraction_potentiated"].notna().all(), "the run produced no cooperativity table"
trials = run.config["trials"]
figure, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
colours = plt.cm.viridis(np.linspace(0, 0.9, table["distance_um"].nunique()))
for colour, (distance, rows) in zip(colours, table.groupby("distance_um")):
    p = rows["fraction_potentiated"]
    ax.errorbar(rows["delay_min"], p, yerr=np.sqrt(p * (1 - p) / trials), fmt="o-", ms=4,
                capsize=2, color=colour, label=f"{distance:g} µm")
control = table.groupby("delay_min")["fraction_potentiated_control"].mean()
ax.plot(control.index, control.values, "k--", lw=1.2, label="control (no prior LTP)")
ax.set_xscale("log")
ax.set_xticks(sorted(table["delay_min"].unique()), [f"{d:g}" for d in sorted(table["delay_min"].unique())])
ax.set_ylim(-0.03, 1.03)
ax.set_xlabel("delay between LTP spine and test spine (min)")
ax.set_ylabel("fraction of test spines potentiated")
ax.set_title(f"Harvey & Svoboda 2007 protocol, {trials} trials per point (size: {SIZE})")
ax.legend(title="test spine distance", frameon=False, fontsize=8)
png = OUT / f"{NAME}.png"
figure.savefig(png, dpi=120)
assert png.stat().st_size > 0, f"{png}: empty figure"
print(f"wrote {png}")
