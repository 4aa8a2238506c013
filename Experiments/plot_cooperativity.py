"""Figure of a `cooperativity` run (the Harvey & Svoboda 2007 protocol):
fraction of trials in which a subthreshold protocol potentiates a test spine,
against the delay after a neighbouring LTP, per distance, with the control
(no prior LTP).

usage: plot_cooperativity.py RUN_DIR [--out FILE]   (default RUN_DIR/cooperativity.png)
"""
import argparse
import os

from matplotlib import cm

from plotting import plt, read_table, save

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("run_dir")
parser.add_argument("--out")
args = parser.parse_args()

rows = read_table(args.run_dir, "cooperativity.csv")
distances = sorted({r["distance_um"] for r in rows})
figure, (delay_axis, distance_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
for i, d in enumerate(distances):
    colour = cm.plasma(i / max(len(distances) - 1, 1))
    points = sorted((r["delay_min"], r["fraction_potentiated"], r["fraction_potentiated_control"]) for r in rows if r["distance_um"] == d)
    delay_axis.plot([p[0] for p in points], [p[1] for p in points], "o-", color=colour, label=f"{d:g} µm")
    delay_axis.plot([p[0] for p in points], [p[2] for p in points], ":", color=colour, lw=1)
delays = sorted({r["delay_min"] for r in rows})
for i, t in enumerate(delays):
    colour = cm.viridis(i / max(len(delays) - 1, 1))
    points = sorted((r["distance_um"], r["fraction_potentiated"]) for r in rows if r["delay_min"] == t)
    distance_axis.plot(*zip(*points), "o-", color=colour, label=f"{t:g} min")
control = sum(r["fraction_potentiated_control"] for r in rows) / len(rows)
distance_axis.axhline(control, color="0.4", ls=":", lw=1, label="control (mean)")
delay_axis.set_xlabel("delay after the neighbouring LTP (min)")
delay_axis.set_ylabel("test spines potentiated (fraction)")
delay_axis.set_title("Cooperative LTP vs delay (dotted: control, no prior LTP)", fontsize=10)
delay_axis.legend(title="distance", frameon=False, fontsize=8, title_fontsize=8)
distance_axis.set_xlabel("distance from the LTP spine (µm)")
distance_axis.set_ylabel("test spines potentiated (fraction)")
distance_axis.set_title("Cooperative LTP vs distance", fontsize=10)
distance_axis.legend(title="delay", frameon=False, fontsize=8, title_fontsize=8)
for axis in (delay_axis, distance_axis):
    axis.set_ylim(-0.02, 1.02)
figure.tight_layout()
save(figure, args.out or os.path.join(args.run_dir, "cooperativity.png"))
