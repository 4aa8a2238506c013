"""Figure of an `stdp` run: change in synaptic strength versus spike timing,
stochastic simulation (±2 standard errors) beside the closed-form reduction.

usage: plot_stdp.py RUN_DIR [--out FILE]   (default RUN_DIR/stdp.png)
"""
import argparse
import os

from plotting import change_standard_error, plt, read_run, sample_size, save

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("run_dir")
parser.add_argument("--out")
args = parser.parse_args()

rows, manifest = read_run(args.run_dir, "stdp.csv")
n, beta, b = sample_size(manifest)
config = manifest["configuration"]
dt = [r["delta_t_ms"] for r in rows]
errors = [2 * change_standard_error(r, n, beta, b) for r in rows]

figure, axis = plt.subplots(figsize=(6, 4))
axis.axhline(1, color="0.7", lw=1, ls="--")
axis.axvline(0, color="0.7", lw=1, ls="--")
axis.plot(dt, [r["change_analytic"] for r in rows], color="black", lw=1.5, label="closed form (GB 2012)")
axis.errorbar(dt, [r["change"] for r in rows], yerr=errors, fmt="o", ms=3.5, color="tab:red", capsize=2,
              label=f"simulation, {n} + {n} synapses (±2 SE)")
axis.set_xlabel("Δt = t_post − t_pre (ms)")
axis.set_ylabel("change in synaptic strength")
pairing = config["pairing"]
axis.set_title(f"{config['plasticity']['preset']} preset: {pairing['pairs']} pairs at {pairing['frequency_hz'][0]:g} Hz")
axis.legend(frameon=False, fontsize=8, loc="lower right")
save(figure, args.out or os.path.join(args.run_dir, "stdp.png"))
