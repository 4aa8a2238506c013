# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Spine turnover: adult cortex against hippocampal CA1
#
# The survival of the spines present on day 0 in the home cage, for the two
# structural presets of docs/MODEL.md §3: `adult-cortex` (volatile spines
# that stabilise when they grow thick; Zuo et al. 2005: 3–5 % formed and
# eliminated per two weeks; Grutzendler et al. 2002: about 96 % still present
# after a month; Holtmaat et al. 2005: thick spines persist, thin ones come
# and go) and `ca1` (every spine volatile; Attardo et al. 2015: mean lifetime
# 1–2 weeks). Shipped experiments: `Experiments/turnover.yaml` and
# `Experiments/turnover-ca1.yaml` (committed results: `Results/turnover/`,
# `Results/turnover-ca1/`), run here on fewer dendrites.
#
# Size (environment variable `SPINESIM_EXAMPLE_SIZE`): `full` (default, 50
# dendrites, 540 days adult and 90 days CA1, seconds with the release binary)
# or `smallest` (5 dendrites, 60 and 30 days). Output: the runs in
# `OUT/turnover/` and `OUT/turnover-ca1/` and the figure `OUT/turnover.png`,
# where OUT is `--out DIR`, `$SPINESIM_EXAMPLE_OUT` or `examples/out/`.

# %%
import matplotlib.pyplot as plt

import spinesim

NAME = "turnover"
SIZE, ROOT, OUT = spinesim.example_setup(NAME, globals().get("__file__"),
                                          "Run reduced turnover experiments of both presets and draw their survival.")

# %% [markdown]
# ## Run both presets

# %%
SIZES = {
    "full": {"turnover": {"dendrites.count": 50}, "turnover-ca1": {"dendrites.count": 50}},
    "smallest": {"turnover": {"dendrites.count": 5, "duration_days": 60, "recording.size_distribution_days": [0, 60]},
                 "turnover-ca1": {"dendrites.count": 5, "duration_days": 30, "recording.size_distribution_days": [0, 30]}},
}
runs = {experiment: spinesim.run(ROOT / "Experiments" / f"{experiment}.yaml", out=OUT / experiment, force=True,
                                 quiet=SIZE == "smallest", overrides=SIZES[SIZE][experiment])
        for experiment in ("turnover", "turnover-ca1")}
{experiment: {key: run.summary.get(key) for key in ("formed_fraction_per_14_days", "eliminated_fraction_per_14_days",
                                                     "cohort_survival_30_days", "mean_spine_lifetime_days")}
 for experiment, run in runs.items()}

# %% [markdown]
# ## The figure: survival of the day-0 spines, all and by size quartile

# %%
figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
for ax, (experiment, run) in zip(axes, runs.items()):
    survival = run.survival
    assert len(survival) > 0, f"{experiment}: the run produced no survival curve"
    for cohort, rows in survival.groupby("cohort"):
        ax.plot(rows["days_since_cohort_start"], rows["fraction_surviving"], label=cohort)
    preset = run.config["size_dynamics"]["preset"]
    ax.set_title(f"{preset}: {run.summary['formed_fraction_per_4_days']:.1%} formed per 4 days")
    ax.set_xlabel("days since day 0")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False, fontsize=8)
axes[0].plot([30], [0.96], "k*", ms=10, label="Grutzendler 2002: 96 % at 30 days")
axes[0].legend(frameon=False, fontsize=8)
axes[0].set_ylabel("fraction of day-0 spines alive")
png = OUT / f"{NAME}.png"
figure.savefig(png, dpi=120)
assert png.stat().st_size > 0, f"{png}: empty figure"
print(f"wrote {png}")
