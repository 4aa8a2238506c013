# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # The STDP curve of the Graupner–Brunel model
#
# Reproduces Graupner & Brunel 2012 (PNAS 109:3991), Fig. 2: the synaptic
# change after 60 pre–post pairs at 1 Hz as a function of the spike timing
# Δt = t_post − t_pre, DP parameter set, from the stochastic simulation and
# from the paper's closed-form reduction. Shipped experiment:
# `Experiments/stdp.yaml` (committed result: `Results/stdp/`), run here with
# fewer synapses per Δt.
#
# Size (environment variable `SPINESIM_EXAMPLE_SIZE`): `full` (default, Δt
# every 5 ms, 5000 synapses per point, seconds with the release binary) or
# `smallest` (Δt every 20 ms, 200 synapses). Output: the run in
# `OUT/stdp/` and the figure `OUT/stdp.png`, where OUT is `--out DIR`,
# `$SPINESIM_EXAMPLE_OUT` or `examples/out/`.

# %%
import matplotlib.pyplot as plt

import spinesim

NAME = "stdp"
SIZE, ROOT, OUT = spinesim.example_setup(NAME, globals().get("__file__"))

# %% [markdown]
# ## Run a reduced version of the experiment

# %%
SIZES = {
    "full": {"pairing.delta_t_ms": {"from": -100, "to": 100, "step": 5}, "synapses_per_point": 5000},
    "smallest": {"pairing.delta_t_ms": {"from": -100, "to": 100, "step": 20}, "synapses_per_point": 200},
}
run = spinesim.run(ROOT / "Experiments" / "stdp.yaml", out=OUT / NAME, force=True,
                   quiet=SIZE == "smallest", overrides=SIZES[SIZE])
curve = run.stdp.sort_values("delta_t_ms")
curve.head()

# %% [markdown]
# ## The figure: change of synaptic strength against Δt

# %%
assert len(curve) > 0 and curve["change"].notna().all(), "the run produced no STDP curve"
synapses = run.config["synapses_per_point"]
figure, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
ax.axhline(1, color="0.6", lw=0.8)
ax.axvline(0, color="0.6", lw=0.8)
ax.plot(curve["delta_t_ms"], curve["change_analytic"], color="black", lw=1.5, label="closed form (GB 2012)")
ax.plot(curve["delta_t_ms"], curve["change"], "o", color="tab:red", ms=4,
        label=f"simulation ({synapses} synapses per Δt)")
ax.set_xlabel("Δt = t_post − t_pre (ms)")
ax.set_ylabel("change of synaptic strength (after / before)")
ax.set_title(f"STDP, DP preset, {run.config['pairing']['pairs']} pairs at "
             f"{run.config['pairing']['frequency_hz'][0]:g} Hz (size: {SIZE})")
ax.legend(frameon=False)
png = OUT / f"{NAME}.png"
figure.savefig(png, dpi=120)
assert png.stat().st_size > 0, f"{png}: empty figure"
print(f"wrote {png}")
