# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Heterosynaptic shrinkage of the neighbours of potentiated spines
#
# Reproduces the protocol of Oh, Parajuli & Zito 2015 (Cell Reports 10:162):
# n = 1, 3, 4 or 7 clustered spines receive glutamate-uncaging-like pulses;
# their unstimulated neighbours shrink when enough spines are stimulated close
# together, through store calcium released by an IP3-like messenger, and not
# when the messenger is blocked (mGluR/IP3 block). The figure shows the
# neighbours' relative volume change by distance bin (Oh's bins 0–2, 2–3.4,
# 3.4–4, 4–10 µm), store release on against off, 40 min after the protocol and
# once expressed (24 h). Shipped experiment:
# `Experiments/heterosynaptic-oh2015.yaml` (committed result:
# `Results/heterosynaptic-oh2015/`), run here with fewer repetitions.
#
# Size (environment variable `SPINESIM_EXAMPLE_SIZE`): `full` (default, all
# four n and eight neighbour distances, 500 repetitions instead of 2000,
# about 10 s with the release binary) or `smallest` (n = 1 and 7, four
# distances, 20 pulses instead of 60, a coarser diffusion grid and 2
# repetitions: it runs, the numbers are only indicative). Output: the run in
# `OUT/heterosynaptic-oh2015/` and the figure `OUT/heterosynaptic-oh2015.png`,
# where OUT is `--out DIR`, `$SPINESIM_EXAMPLE_OUT` or `examples/out/`.

# %%
import matplotlib.pyplot as plt

import spinesim

NAME = "heterosynaptic-oh2015"
SIZE, ROOT, OUT = spinesim.example_setup(NAME, globals().get("__file__"))

# %% [markdown]
# ## Run a reduced version of the experiment

# %%
SIZES = {
    "full": {"repetitions": 500, "correlation_repetitions": 500},
    "smallest": {
        "repetitions": 2,
        "correlation_repetitions": 2,
        "stimulated_counts": [1, 7],
        "neighbours.distances_um": [1, 2.5, 3.7, 5],
        "stimulation.pulses": 20,
        "diffusion.grid_spacing_um": 0.5,
        "diffusion.time_step_ms": 2,
    },
}
run = spinesim.run(ROOT / "Experiments" / "heterosynaptic-oh2015.yaml", out=OUT / NAME, force=True,
                   quiet=SIZE == "smallest", overrides=SIZES[SIZE])
readouts = {
    f"{run.config['readout']['minutes']:g} min after the protocol": run.oh2015,
    f"expressed ({run.config['readout']['expressed_hours']:g} h)": run.oh2015_expressed,
}
run.oh2015.head(8)

# %% [markdown]
# ## The figure: neighbour volume change by distance bin, store release on vs off
#
# One column per number of stimulated spines; top row Oh's 40-minute read-out,
# bottom row after expression. Bars: mean ± SEM over neighbours.

# %%
import numpy as np

counts = sorted(run.oh2015["n_stimulated"].unique())
assert counts and run.oh2015["volume_change_rel_mean"].notna().all(), "the run produced no neighbour table"
bins = list(dict.fromkeys(run.oh2015["distance_bin_um"]))  # in the table's order (near to far)
figure, axes = plt.subplots(len(readouts), len(counts), figsize=(3.2 * len(counts) + 1, 6.4),
                            sharex=True, sharey=True, layout="constrained", squeeze=False)
width = 0.38
colours = {"on": "tab:purple", "off": "0.6"}
for row, (label, table) in enumerate(readouts.items()):
    for column, n in enumerate(counts):
        ax = axes[row][column]
        ax.axhline(0, color="black", lw=0.8)
        for k, (release, rows) in enumerate(table[table["n_stimulated"] == n].groupby("store_release", sort=False)):
            rows = rows.set_index("distance_bin_um").reindex(bins)
            x = np.arange(len(bins)) + (k - 0.5) * width
            ax.bar(x, 100 * rows["volume_change_rel_mean"], width, yerr=100 * rows["volume_change_rel_sem"],
                   color=colours.get(release, "tab:blue"), capsize=2, label=f"store release {release}")
            ax.plot(x, 100 * rows["volume_change_rel_mean"], "o", ms=3, color=colours.get(release, "tab:blue"))
        potentiated = table[table["n_stimulated"] == n]["stimulated_potentiated_fraction"].iloc[0]
        if row == 0:
            ax.set_title(f"n = {n} stimulated")
        ax.text(0.02, 0.03, f"stimulated potentiated (on): {potentiated:.2f}", transform=ax.transAxes, fontsize=7)
        ax.set_xticks(np.arange(len(bins)), bins)
        if row == len(readouts) - 1:
            ax.set_xlabel("neighbour distance bin (µm)")
        if column == 0:
            ax.set_ylabel(f"volume change (%)\n{label}")
axes[0][0].legend(frameon=False, fontsize=8, loc="lower right")
figure.suptitle(f"Oh 2015 protocol: {run.config['repetitions']} repetitions per condition (size: {SIZE})")
png = OUT / f"{NAME}.png"
figure.savefig(png, dpi=110)
assert png.stat().st_size > 0, f"{png}: empty figure"
print(f"wrote {png}")
