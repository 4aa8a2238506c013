"""Figure of a `heterosynaptic` run: calcium reaching the unstimulated neighbours
of a stimulated cluster, and their change in strength and volume (stimulated
minus control) versus distance, cluster size, input timing and diffusion.

usage: plot_heterosynaptic.py RUN_DIR [--out FILE]   (default RUN_DIR/heterosynaptic.png)
"""
import argparse
import math
import os

import numpy as np
from matplotlib import cm, colors

from plotting import plt, read_config, read_summary, read_table, save


def shades(values, colormap):
    """One colour of a sequential colormap per value (the light end left out)."""
    values = sorted(set(values))
    return {v: colormap(0.85 * i / max(len(values) - 1, 1)) for i, v in enumerate(values)}


def effect(stimulated, control, key, field="delta_rho_mean"):
    """Stimulated minus control of `field` and the combined standard error, for rows matched on `key`."""
    reference = {key(c): c for c in control}
    matched = [(s, reference[key(s)]) for s in stimulated if key(s) in reference]
    difference = np.array([s[field] - c[field] for s, c in matched])
    if field != "delta_rho_mean":
        return [s for s, _ in matched], difference, None
    error = np.array([math.hypot(s["delta_rho_sem"], c["delta_rho_sem"]) for s, c in matched])
    return [s for s, _ in matched], difference, error


def dodge(values, count):
    """Offsets of `count` series that keep their error bars apart: spread over half the smallest gap
    between `values`, at most 3 % of their range."""
    values = sorted(set(values))
    gaps = np.diff(values)
    step = min(0.5 * gaps.min(), 0.03 * (values[-1] - values[0])) / max(count - 1, 1) if len(gaps) else 0
    return [(i - (count - 1) / 2) * step for i in range(count)]


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("run_dir")
parser.add_argument("--out")
args = parser.parse_args()

distance_rows = read_table(args.run_dir, "heterosynaptic_distance.csv")
timing_rows = read_table(args.run_dir, "heterosynaptic_timing.csv")
control = read_table(args.run_dir, "heterosynaptic_control.csv")
calcium = read_table(args.run_dir, "heterosynaptic_calcium.csv")
summary = read_summary(args.run_dir)
config = read_config(args.run_dir)

# Within a sweep the other parameters are fixed, so a control row is identified by the swept pair.
distance_control = [c for c in control if c["sweep"] == "distance"]
n_colour = shades([r["n_stimulated"] for r in distance_rows], cm.viridis)
d_colour = shades([r["distance_um"] for r in timing_rows], cm.plasma)

spikes = os.path.exists(os.path.join(args.run_dir, "heterosynaptic_timing_spikes.csv"))
figure, axes = plt.subplots(3 if spikes else 2, 3, figsize=(15, 12 if spikes else 8))
(calcium_axis, rho_axis, volume_axis), (timing_calcium_axis, timing_axis, diffusion_axis) = axes[:2]

# 1. Peak calcium reaching a neighbour through its neck from the cluster's input alone (log scale).
for n in n_colour:
    points = sorted((r["distance_um"], r["cluster_peak_neck_calcium"]) for r in calcium
                    if r["sweep"] == "distance" and r["n_stimulated"] == n
                    and isinstance(r["cluster_peak_neck_calcium"], float) and r["cluster_peak_neck_calcium"] > 0)
    if points:
        calcium_axis.plot(*zip(*points), "o-", ms=3, lw=1.2, color=n_colour[n], label=f"{n:g}")
calcium_axis.set_yscale("log")
calcium_axis.set_xlabel("distance from cluster (µm)")
calcium_axis.set_ylabel("peak neck calcium from cluster (θ_d = 1)")
largest = max(summary["clusters"], key=lambda c: c["n_stimulated"])
calcium_axis.set_title(f"Neck-borne calcium; λ = {largest['calcium_length_constant_um']:.2f} µm "
                       f"(n = {largest['n_stimulated']})", fontsize=10)
calcium_axis.legend(title="n stimulated", frameon=False, fontsize=8, title_fontsize=8, ncol=2, loc="upper right")

# 2. and 3. Heterosynaptic change in strength and in volume (stimulated − control) versus distance.
for axis in (rho_axis, volume_axis):
    axis.axhline(0, color="0.6", lw=1, ls="--")
for n, offset in zip(n_colour, dodge([r["distance_um"] for r in distance_rows], len(n_colour))):
    rows = sorted((r for r in distance_rows if r["n_stimulated"] == n), key=lambda r: r["distance_um"])
    key = lambda r: (r.get("n_stimulated", r.get("cluster_size")), r["distance_um"])
    matched, difference, error = effect(rows, distance_control, key)
    x = np.array([r["distance_um"] for r in matched]) + offset
    rho_axis.errorbar(x, difference, yerr=error, fmt="o-", ms=2.5, lw=1, elinewidth=0.7, capsize=1.5,
                      color=n_colour[n], ecolor=colors.to_rgba(n_colour[n], 0.45))
    matched, difference, _ = effect(rows, distance_control, key, "delta_volume_rel_mean")
    volume_axis.plot([r["distance_um"] for r in matched], 100 * difference, "o-", ms=3, lw=1.2, color=n_colour[n])
rho_axis.set_xlabel("distance from cluster (µm)")
rho_axis.set_ylabel("neighbour Δρ, stimulated − control (±1 SE)")
rho_axis.set_title("Heterosynaptic change in efficacy (colours as left)", fontsize=10)
volume_axis.set_xlabel("distance from cluster (µm)")
volume_axis.set_ylabel("neighbour ΔV/V, stimulated − control (%)")
volume_axis.set_title("Heterosynaptic change in volume (colours as left)", fontsize=10)

def plot_timing(calcium_axis, change_axis, sweep, rows_all, calcium_field):
    """A timing sweep: the neighbours' extra time above a threshold and their Δρ effect against the delay."""
    sweep_control = [c for c in control if c["sweep"] == sweep]
    for axis in (calcium_axis, change_axis):
        axis.axvline(0, color="0.6", lw=1, ls="--")
    change_axis.axhline(0, color="0.6", lw=1, ls="--")
    for d, offset in zip(d_colour, dodge([r["delay_ms"] for r in rows_all], len(d_colour))):
        points = sorted((r["delay_ms"], r[calcium_field]) for r in calcium if r["sweep"] == sweep and r["distance_um"] == d)
        if points:
            calcium_axis.plot(*zip(*points), "o-", ms=3, lw=1.2, color=d_colour[d], label=f"{d:g} µm")
        rows = sorted((r for r in rows_all if r["distance_um"] == d), key=lambda r: r["delay_ms"])
        matched, difference, error = effect(rows, sweep_control, lambda r: (r["delay_ms"], r["distance_um"]))
        x = np.array([r["delay_ms"] for r in matched]) + offset
        change_axis.errorbar(x, difference, yerr=error, fmt="o-", ms=3, lw=1, elinewidth=0.7, capsize=1.5,
                             color=d_colour[d], ecolor=colors.to_rgba(d_colour[d], 0.45))


# 4. and 5. Neighbour with its own weak input at a delay after the cluster's input.
plot_timing(timing_calcium_axis, timing_axis, "timing", timing_rows, "extra_time_above_theta_d_ms")
cluster_size = config.get("timing", {}).get("cluster_size", "?")
timing_calcium_axis.set_xlabel("delay of neighbour's input after cluster's (ms)")
timing_calcium_axis.set_ylabel("extra time above θ_d vs control (ms, whole protocol)")
timing_calcium_axis.set_title(f"Timing: neighbour calcium (cluster of {cluster_size})", fontsize=10)
timing_calcium_axis.legend(title="distance", frameon=False, fontsize=8, title_fontsize=8)
timing_axis.set_xlabel("delay of neighbour's input after cluster's (ms)")
timing_axis.set_ylabel("neighbour Δρ, stimulated − control (±1 SE)")
timing_axis.set_title("Timing: heterosynaptic change in efficacy (colours as left)", fontsize=10)

# 6. Calcium length constant versus diffusion constant, against λ ∝ √D.
points = sorted((s["diffusion_um2_per_ms"], s["calcium_length_constant_um"]) for s in summary["diffusion"]
                if s.get("calcium_length_constant_um", 0) > 0 and s.get("diffusion_um2_per_ms", 0) > 0)
if points:
    D, length = np.array(points).T
    label = "simulation"
    if len(D) >= 2:
        slope = np.polyfit(np.log(D), np.log(length), 1)[0]
        label = f"simulation (fitted slope {slope:.2f})"
    diffusion_axis.plot(D, length, "o-", color="black", ms=4, lw=1.2, label=label)
    middle = len(D) // 2
    span = np.geomspace(D.min() / 1.5, D.max() * 1.5, 50)
    diffusion_axis.plot(span, length[middle] * np.sqrt(span / D[middle]), "--", color="tab:red", lw=1,
                        label="λ ∝ √D (slope 1/2)")
    diffusion_axis.legend(frameon=False, fontsize=8, loc="upper left")
    diffusion_axis.set_xscale("log")
    diffusion_axis.set_yscale("log")
    diffusion_axis.set_xticks(D, [f"{d:g}" for d in D])  # ticks at the simulated values, in plain numbers
    diffusion_axis.set_yticks(length, [f"{v:.2g}" for v in length])
    diffusion_axis.minorticks_off()
diffusion_axis.set_xlabel("diffusion constant D (µm²/ms)")
diffusion_axis.set_ylabel("calcium length constant λ (µm)")
diffusion_axis.set_title(f"Diffusion: dendritic calcium spread (cluster of "
                         f"{config.get('diffusion_sweep', {}).get('cluster_size', '?')})", fontsize=10)

# 7.–9. The same sweeps with local dendritic spikes on (docs/MODEL.md §2b).
if spikes:
    spike_calcium_axis, spike_timing_axis, spike_diffusion_axis = axes[2]
    plot_timing(spike_calcium_axis, spike_timing_axis, "timing-spikes",
                read_table(args.run_dir, "heterosynaptic_timing_spikes.csv"), "extra_time_above_theta_p_ms")
    spike_calcium_axis.set_xlabel("delay of neighbour's input after cluster's (ms)")
    spike_calcium_axis.set_ylabel("extra time above θ_p vs control (ms, whole protocol)")
    spike_calcium_axis.set_title("With dendritic spikes: neighbour calcium", fontsize=10)
    spike_calcium_axis.legend(title="distance", frameon=False, fontsize=8, title_fontsize=8)
    spike_timing_axis.set_xlabel("delay of neighbour's input after cluster's (ms)")
    spike_timing_axis.set_ylabel("neighbour Δρ, stimulated − control (±1 SE)")
    spike_timing_axis.set_title("With dendritic spikes: change in efficacy", fontsize=10)
    diffusion_rows = read_table(args.run_dir, "heterosynaptic_diffusion_spikes.csv")
    diffusion_control = [c for c in control if c["sweep"] == "diffusion-spikes"]
    spike_diffusion_axis.axhline(0, color="0.6", lw=1, ls="--")
    for d in sorted({r["distance_um"] for r in diffusion_rows}):
        rows = sorted((r for r in diffusion_rows if r["distance_um"] == d), key=lambda r: r["diffusion_um2_per_ms"])
        matched, difference, error = effect(rows, diffusion_control, lambda r: (r["diffusion_um2_per_ms"], r["distance_um"]))
        spike_diffusion_axis.errorbar([r["diffusion_um2_per_ms"] for r in matched], difference, yerr=error, fmt="o-", ms=3,
                                      lw=1, elinewidth=0.7, capsize=1.5, color=d_colour.get(d, "black"), label=f"{d:g} µm")
    spike_diffusion_axis.set_xscale("log")
    spike_diffusion_axis.set_xlabel("diffusion constant D (µm²/ms)")
    spike_diffusion_axis.set_ylabel("neighbour Δρ, stimulated − control (±1 SE)")
    spike_diffusion_axis.set_title("With dendritic spikes: change vs D (neighbour input at delay 0)", fontsize=10)
    spike_diffusion_axis.legend(title="distance", frameon=False, fontsize=8, title_fontsize=8)

name = config.get("description") or os.path.basename(os.path.normpath(args.run_dir))
figure.suptitle(f"{name} ({config.get('repetitions', '?')} repetitions)")
figure.tight_layout()
save(figure, args.out or os.path.join(args.run_dir, "heterosynaptic.png"))
