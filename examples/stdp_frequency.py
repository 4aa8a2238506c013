# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Frequency dependence of spike-pair plasticity
#
# Reproduces Graupner & Brunel 2012 (PNAS 109:3991), Fig. 4B, on the data of
# Sjöström, Turrigiano & Nelson 2001 (Neuron 32:1149): the change after 75
# pre–post pairs with Δt = +10 ms and −10 ms as a function of the pairing
# frequency, cortical-slices parameter set, simulation beside the closed
# form. Shipped experiment: `Experiments/stdp-frequency.yaml` (committed
# result: `Results/stdp-frequency/`), run here with fewer synapses per point.
#
# Size (environment variable `SPINESIM_EXAMPLE_SIZE`): `full` (default, the
# seven frequencies 1–50 Hz, 5000 synapses per point, seconds with the
# release binary) or `smallest` (1, 10, 20 and 50 Hz, 200 synapses). Output:
# the run in `OUT/stdp-frequency/` and the figure `OUT/stdp-frequency.png`,
# where OUT is `--out DIR`, `$SPINESIM_EXAMPLE_OUT` or `examples/out/`.

# %%
import matplotlib.pyplot as plt

import spinesim

NAME = "stdp-frequency"
SIZE, ROOT, OUT = spinesim.example_setup(NAME, globals().get("__file__"))

# %% [markdown]
# ## Run a reduced version of the experiment

# %%
SIZES = {
    "full": {"synapses_per_point": 5000},
    "smallest": {"pairing.frequency_hz": [1, 10, 20, 50], "synapses_per_point": 200},
}
run = spinesim.run(ROOT / "Experiments" / "stdp-frequency.yaml", out=OUT / NAME, force=True,
                   quiet=SIZE == "smallest", overrides=SIZES[SIZE])
frequency = run.frequency.sort_values(["delta_t_ms", "frequency_hz"])
frequency.head()

# %% [markdown]
# ## The figure: change of synaptic strength against pairing frequency

# %%
assert len(frequency) > 0 and frequency["change"].notna().all(), "the run produced no frequency curve"
figure, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
ax.axhline(1, color="0.6", lw=0.8)
colours = {10: "tab:red", -10: "tab:blue"}
for delta_t, rows in frequency.groupby("delta_t_ms"):
    colour = colours.get(delta_t, "black")
    ax.plot(rows["frequency_hz"], rows["change_analytic"], color=colour, lw=1.5)
    ax.plot(rows["frequency_hz"], rows["change"], "o", color=colour, ms=5,
            label=f"Δt = {delta_t:+g} ms")
ax.plot([], [], color="black", lw=1.5, label="closed form (lines)")
ax.set_xlabel("pairing frequency (Hz)")
ax.set_ylabel("change of synaptic strength (after / before)")
ax.set_title(f"cortical-slices preset, {run.config['pairing']['pairs']} pairs, "
             f"{run.config['synapses_per_point']} synapses per point (size: {SIZE})")
ax.legend(frameon=False)
png = OUT / f"{NAME}.png"
figure.savefig(png, dpi=120)
assert png.stat().st_size > 0, f"{png}: empty figure"
print(f"wrote {png}")
