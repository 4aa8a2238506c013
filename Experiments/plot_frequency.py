"""Figure of an `stdp-frequency` run: change in synaptic strength versus
pairing frequency for each spike timing, simulation (±2 standard errors)
beside the closed-form reduction.

usage: plot_frequency.py RUN_DIR [--out FILE]   (default RUN_DIR/frequency.png)
"""
import argparse
import os

from plotting import change_standard_error, plt, read_run, sample_size, save

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("run_dir")
parser.add_argument("--out")
args = parser.parse_args()

rows, manifest = read_run(args.run_dir, "frequency.csv")
n, beta, b = sample_size(manifest)
config = manifest["configuration"]

figure, axis = plt.subplots(figsize=(6, 4))
axis.axhline(1, color="0.7", lw=1, ls="--")
for index, dt in enumerate(sorted({r["delta_t_ms"] for r in rows}, reverse=True)):
    series = sorted((r for r in rows if r["delta_t_ms"] == dt), key=lambda r: r["frequency_hz"])
    f = [r["frequency_hz"] for r in series]
    color = f"C{index}"
    axis.plot(f, [r["change_analytic"] for r in series], color=color, lw=1.5, label=f"Δt = {dt:+g} ms, closed form")
    axis.errorbar(f, [r["change"] for r in series], yerr=[2 * change_standard_error(r, n, beta, b) for r in series],
                  fmt="o", ms=4, color=color, capsize=2, label=f"Δt = {dt:+g} ms, simulation (±2 SE)")
axis.set_xlabel("pairing frequency (Hz)")
axis.set_ylabel("change in synaptic strength")
axis.set_title(f"{config['plasticity']['preset']} preset: {config['pairing']['pairs']} pairs")
axis.legend(frameon=False, fontsize=8)
save(figure, args.out or os.path.join(args.run_dir, "frequency.png"))
