"""Figure of a `population` run: spine size distributions and their log-normal
fits, size fluctuations, cohort survival, spine density and daily turnover.

usage: plot_population.py RUN_DIR [--out FILE]   (default RUN_DIR/population.png)
"""
import argparse
import math
import os

import numpy as np
from matplotlib import cm, colors

from plotting import plt, run_of, read_run, read_table, save


def density_by_day(directory):
    """Days, and the mean and SD across dendrites of spines per µm on each day."""
    by_day = run_of(directory).table("density").groupby("day")["spines_per_um"]
    days = by_day.mean().index.to_numpy(dtype=float)
    mean = by_day.mean().to_numpy()
    sd = by_day.std(ddof=1).fillna(0).to_numpy()
    return days, mean, sd


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("run_dir")
parser.add_argument("--out")
args = parser.parse_args()

sizes, manifest = read_run(args.run_dir, "size_distribution.csv")
fits, _ = read_run(args.run_dir, "size_fit.csv")
fluctuations, _ = read_run(args.run_dir, "fluctuations.csv")
daily, _ = read_run(args.run_dir, "turnover_daily.csv")
survival = read_table(args.run_dir, "survival.csv")
config = manifest["configuration"]
stationary_sd = config.get("size_dynamics", {}).get("stationary_sd", 0.87)

figure, axes = plt.subplots(2, 3, figsize=(14, 8))
(size_axis, fit_axis, fluctuation_axis), (survival_axis, density_axis, turnover_axis) = axes

# 1. Size distributions: probability density of ln v, one step line per recorded day.
days = sorted({r["day"] for r in sizes})
norm = colors.Normalize(min(days), max(days)) if len(days) > 1 else colors.Normalize(days[0] - 0.5, days[0] + 0.5)
peak = 0
for day in days:
    rows = sorted((r for r in sizes if r["day"] == day), key=lambda r: r["bin_lower_um3"])
    counts = np.array([r["count"] for r in rows])
    if counts.sum() == 0:
        continue
    edges = np.array([rows[0]["bin_lower_um3"]] + [r["bin_upper_um3"] for r in rows])
    density = counts / (counts.sum() * np.diff(np.log(edges)))
    size_axis.stairs(density, edges, color=cm.viridis(norm(day)), lw=1.2)
    peak = max(peak, density.max())
last_fit = max(fits, key=lambda r: r["day"])
mu, sigma = last_fit["lognormal_mu"], last_fit["lognormal_sigma"]
volume = np.geomspace(sizes[0]["bin_lower_um3"], max(r["bin_upper_um3"] for r in sizes), 300)
if sigma > 0:
    size_axis.plot(volume, np.exp(-0.5 * ((np.log(volume) - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi)),
                   "k--", lw=1.2, label=f"log-normal fit, day {last_fit['day']:g}\n(μ = {mu:.2f}, σ = {sigma:.2f})")
    size_axis.legend(frameon=False, fontsize=8, loc="upper right")
    peak = max(peak, 1 / (sigma * math.sqrt(2 * math.pi)))
size_axis.set_xscale("log")
size_axis.set_ylim(0, 1.3 * peak or 1)
size_axis.set_xlabel("spine volume v (µm³)")
size_axis.set_ylabel("probability density of ln v")
size_axis.set_title("size distributions")
figure.colorbar(cm.ScalarMappable(norm=norm, cmap="viridis"), ax=size_axis, label="day", pad=0.02,
                ticks=days if len(days) == 1 else None)

# 2. Log-normal fit parameters over time.
fit_days = [r["day"] for r in fits]
fit_axis.plot(fit_days, [r["lognormal_sigma"] for r in fits], "o-", ms=3.5, color="tab:blue", label="σ of ln v")
fit_axis.axhline(stationary_sd, color="tab:blue", ls=":", lw=1.2, label=f"OU stationary SD ({stationary_sd:g})")
fit_axis.set_ylim(0, max(stationary_sd, max(r["lognormal_sigma"] for r in fits)) * 1.25)
fit_axis.set_xlabel("day")
fit_axis.set_ylabel("σ of ln(v / µm³)", color="tab:blue")
mu_axis = fit_axis.twinx()
mus = [r["lognormal_mu"] for r in fits]
mu_axis.plot(fit_days, mus, "s-", ms=3.5, color="tab:orange", label="μ of ln v")
mu_axis.set_ylim(min(mus) - 1, max(mus) + 0.5)  # keeps the μ curve above the legend
mu_axis.set_ylabel("μ of ln(v / µm³)", color="tab:orange")
handles = fit_axis.get_legend_handles_labels()[0] + mu_axis.get_legend_handles_labels()[0]
fit_axis.legend(handles, [h.get_label() for h in handles], frameon=False, fontsize=8, loc="lower right")
fit_axis.set_title(f"log-normal fit (KS D = {last_fit['ks_statistic']:.3f} on day {last_fit['day']:g}, "
                   f"n = {last_fit['n_spines']:.0f})", fontsize=10)

# 3. One-day size fluctuations versus starting volume, with a power-law fit over well-sampled bins.
points = [r for r in fluctuations if r["n"] > 0 and r["volume_bin_um3"] > 0 and r["mean_abs_change_per_day"] > 0]
well = [r for r in points if r["n"] >= 100]
sparse = [r for r in points if r["n"] < 100]
x, y = (np.array([r[k] for r in well]) for k in ("volume_bin_um3", "mean_abs_change_per_day"))
fluctuation_axis.plot(x, y, "o", ms=5, color="tab:green", label="bins with n ≥ 100")
if sparse:
    fluctuation_axis.plot([r["volume_bin_um3"] for r in sparse], [r["mean_abs_change_per_day"] for r in sparse],
                          "o", ms=5, mfc="none", color="tab:green", label="bins with n < 100")
if len(well) >= 2:
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    fluctuation_axis.plot(x, np.exp(intercept) * x**slope, color="black", lw=1.2,
                          label=f"power law, exponent {slope:.2f}")
    x0, y0 = np.exp(np.median(np.log(x))), np.exp(np.median(np.log(y)))
    fluctuation_axis.plot(x, y0 * x / x0, color="0.5", ls="--", lw=1, label="∝ v (slope 1)")
fluctuation_axis.set_xscale("log")
fluctuation_axis.set_yscale("log")
fluctuation_axis.set_xlabel("starting volume v (µm³)")
fluctuation_axis.set_ylabel("mean |Δv| per day (µm³)")
fluctuation_axis.set_title("size fluctuations of surviving spines")
fluctuation_axis.legend(frameon=False, fontsize=8, loc="upper left")

# 4. Survival of each cohort.
for cohort in dict.fromkeys(r["cohort"] for r in survival):
    curve = sorted((r for r in survival if r["cohort"] == cohort), key=lambda r: r["days_since_cohort_start"])
    survival_axis.plot([r["days_since_cohort_start"] for r in curve], [r["fraction_surviving"] for r in curve],
                       lw=1.5, label=cohort)
survival_axis.set_ylim(0, 1)
survival_axis.set_xlabel("days since cohort start")
survival_axis.set_ylabel("fraction surviving")
survival_axis.set_title("cohort survival")
survival_axis.legend(frameon=False, fontsize=8, loc="upper right")

# 5. Spine density across dendrites.
density_days, mean, sd = density_by_day(args.run_dir)
density_axis.fill_between(density_days, mean - sd, mean + sd, color="tab:purple", alpha=0.25, lw=0,
                          label="±1 SD across dendrites")
density_axis.plot(density_days, mean, color="tab:purple", lw=1.5, label="mean across dendrites")
density_axis.set_ylim(bottom=0)
density_axis.set_xlabel("day")
density_axis.set_ylabel("spine density (spines/µm)")
density_axis.set_title("spine density")
density_axis.legend(frameon=False, fontsize=8, loc="lower left")

# 6. Daily turnover, as percentages of the previous day's spines (spines − gained + lost).
turnover_days = [r["day"] for r in daily]
previous = [max(r["spines"] - r["gained"] + r["lost"], 1) for r in daily]
# A day that began without spines has empty fractions (0/0): not plotted.
def percent(cell):
    return float("nan") if cell == "" else 100 * cell
series = [("gained", [percent(r["gained_fraction"]) for r in daily], "tab:blue", "-"),
          ("lost", [percent(r["lost_fraction"]) for r in daily], "tab:red", "-"),
          ("births / previous-day spines", [100 * r["births"] / p for r, p in zip(daily, previous)], "tab:blue", ":"),
          ("deaths / previous-day spines", [100 * r["deaths"] / p for r, p in zip(daily, previous)], "tab:red", ":")]
births = any(r["births"] for r in daily)
for label, values, color, line in series[:4 if births else 2]:  # without births, deaths equal losses
    if any(values):
        turnover_axis.plot(turnover_days, values, color=color, ls=line, lw=1.3, label=label)
turnover_axis.set_ylim(bottom=0, top=turnover_axis.get_ylim()[1] * 1.35)
turnover_axis.set_xlabel("day")
turnover_axis.set_ylabel("daily turnover (% of previous day's spines)")
defined = [r["lost_fraction"] for r in daily if r["lost_fraction"] != ""]
lost_mean = 100 * sum(defined) / max(len(defined), 1)
turnover_axis.set_title(f"daily turnover (mean lost {lost_mean:.2f}% per day)")
turnover_axis.legend(frameon=False, fontsize=8, loc="upper right", ncol=2,
                     title=None if births else "no births: nothing gained, deaths = lost", title_fontsize=8)

figure.suptitle(config.get("description") or os.path.basename(os.path.normpath(args.run_dir)))
figure.tight_layout()
save(figure, args.out or os.path.join(args.run_dir, "population.png"))
