"""Figure of an `stdp-frequency` run with the chindemi-2022 preset: (a) the
change at 10 Hz for each spike timing (Markram 1997's sign), (b) the change
versus pairing frequency for each spike timing (Chindemi 2022 Fig. 3d at
Δt = +5 ms), simulation ±2 standard errors, and the change expressed in the
weight 40 minutes after the protocol.

usage: plot_chindemi.py RUN_DIR [--out FILE]   (default RUN_DIR/chindemi.png)
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
pairing = config["pairing"]

figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
timings = sorted({r["delta_t_ms"] for r in rows})

ten = sorted((r for r in rows if r["frequency_hz"] == 10), key=lambda r: r["delta_t_ms"])
left.axhline(1, color="0.7", lw=1, ls="--")
if ten:
    x = range(len(ten))
    left.bar(x, [r["change"] - 1 for r in ten], bottom=1, color=["tab:blue" if r["change"] < 1 else "tab:red" for r in ten],
             yerr=[2 * change_standard_error(r, n, beta, b) for r in ten], capsize=3)
    left.plot(x, [r["change_expressed_40min"] for r in ten], "k_", ms=18, label="expressed in w at 40 min")
    left.set_xticks(list(x), [f"{r['delta_t_ms']:+g}" for r in ten])
    left.legend(frameon=False, fontsize=8)
left.set_xlabel("Δt = t_post − t_pre (ms), 10 Hz")
left.set_ylabel("change in synaptic strength")
left.set_title("(a) Markram 1997 sign at 10 Hz")

right.axhline(1, color="0.7", lw=1, ls="--")
for index, dt in enumerate(timings):
    series = sorted((r for r in rows if r["delta_t_ms"] == dt), key=lambda r: r["frequency_hz"])
    f = [r["frequency_hz"] for r in series]
    right.errorbar(f, [r["change"] for r in series], yerr=[2 * change_standard_error(r, n, beta, b) for r in series],
                   fmt="o-", ms=4, lw=2 if dt == 5 else 1, color=f"C{index}", capsize=2, label=f"Δt = {dt:+g} ms (±2 SE)")
right.set_xlabel("pairing frequency (Hz)")
right.set_ylabel("change in synaptic strength")
right.set_title("(b) frequency dependence (Chindemi 2022 Fig. 3d: Δt = +5 ms)")
right.legend(frameon=False, fontsize=8)
figure.suptitle(f"{config['plasticity']['preset']} ({config['plasticity']['dendrite_type']}): "
                f"{pairing['bursts']} bursts of {pairing['pairs']} pairs, {n} + {n} synapses per point")
save(figure, args.out or os.path.join(args.run_dir, "chindemi.png"))
