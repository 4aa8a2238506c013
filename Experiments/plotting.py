"""Shared helpers of the SpineSim plotting scripts: reading a run directory
(through the `spinesim` Python package of python/) and writing a figure
atomically (temporary file, then rename)."""
import functools
import math
import os
import sys

import matplotlib
import spinesim

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@functools.cache
def run_of(directory):
    """The run, read once per script (its tables load lazily)."""
    return spinesim.read_run(directory, allow_incomplete=True)


def read_table(directory, csv_name):
    """Rows of a result CSV as dictionaries: numbers as floats, text as
    strings and empty cells as empty strings (read by `spinesim.read_run`)."""
    frame = run_of(directory).table(csv_name.removesuffix(".csv"))
    def value(cell):
        if isinstance(cell, str):
            return cell
        cell = float(cell)
        return "" if math.isnan(cell) else cell
    return [{k: value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def read_run(directory, csv_name):
    """Rows of a result CSV (see read_table) and the run's manifest."""
    rows = read_table(directory, csv_name)
    if not rows:
        sys.exit(f"{directory}/{csv_name} has no rows")
    return rows, run_of(directory).manifest


def read_summary(directory):
    """The run's summary.json as a dictionary."""
    return run_of(directory).summary


def read_config(directory):
    """The run's resolved configuration (the manifest's `configuration`)."""
    return run_of(directory).config


def change_standard_error(row, n, beta, b):
    """Binomial standard error of the simulated change (linear in UP, DOWN)."""
    norm = beta + (1 - beta) * b
    d_up = beta * (b - 1) / norm
    d_down = (1 - beta) * (1 - b) / norm
    var_up = row["p_up"] * (1 - row["p_up"]) / n
    var_down = row["p_down"] * (1 - row["p_down"]) / n
    return (d_up**2 * var_up + d_down**2 * var_down) ** 0.5


def sample_size(manifest):
    """Synapses per initial state, and the preset's beta and b."""
    config = manifest["configuration"]
    plasticity = config["plasticity"]
    return config["synapses_per_point"] // 2, plasticity["beta"], plasticity["b"]


def save(figure, path):
    """Writes the figure to a temporary file in the same folder, then renames it."""
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.tmp-{os.getpid()}.png")
    figure.savefig(temporary, dpi=150, bbox_inches="tight")
    os.replace(temporary, path)
    plt.close(figure)
    print(f"wrote {path}")
