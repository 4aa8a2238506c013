#!/usr/bin/env python3
"""Strong scaling of one memory-stability run over MPI ranks and threads.

Runs Experiments/memory-stability.yaml (reduced: fewer days and trials, the
same 40 dendrites) with the MPI build at 1 rank x 1 thread, 2 ranks x 1
thread and 1 rank x 2 threads; checks that the three write the same result
files; prints the wall times and the bytes each rank sent to rank 0 per
simulated day (from the manifests), and writes them to OUT/mpi-scaling.csv.
Standard library only (`make bench-mpi-scaling`).
"""
import argparse
import csv
import json
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
TRAINING_DAYS, HOME_CAGE_DAYS = 4, 20
OVERRIDES = {"session.trials": 20, "recording.histogram_days": f"[0, {TRAINING_DAYS}, {TRAINING_DAYS + HOME_CAGE_DAYS}]"}
for regime in ("learning", "notask"):
    OVERRIDES[f"schedule.0.fork.{regime}.0.session.days"] = TRAINING_DAYS
    for noise in ("noise_on", "noise_off"):
        OVERRIDES[f"schedule.0.fork.{regime}.1.fork.{noise}.0.home_cage.days"] = HOME_CAGE_DAYS
# Days simulated over all branches (each shared phase once): the gathers per run.
SIMULATED_DAYS = 2 * TRAINING_DAYS + 4 * HOME_CAGE_DAYS
CONFIGURATIONS = [(1, 1), (2, 1), (1, 2)]   # (ranks, threads per rank)


def results(directory):
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and p.name != "manifest.json" and "checkpoints" not in p.parts}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=str(ROOT / ".build-mpi/release/spinesim"))
    parser.add_argument("--mpirun", default="mpirun")
    parser.add_argument("--out", default=str(ROOT / "Results/bench"))
    args = parser.parse_args()
    sets = [item for key, value in OVERRIDES.items() for item in ("--set", f"{key}={value}")]
    rows, reference = [], None
    with tempfile.TemporaryDirectory() as scratch:
        for ranks, threads in CONFIGURATIONS:
            out = pathlib.Path(scratch) / f"np{ranks}-t{threads}"
            command = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", str(ranks), args.binary,
                       "run", str(ROOT / "Experiments/memory-stability.yaml"), "--out", str(out), "--threads", str(threads),
                       "--quiet", *sets]
            start = time.monotonic()
            subprocess.run(command, check=True)
            wall = time.monotonic() - start
            manifest = json.loads((out / "manifest.json").read_text())
            files = results(out)
            reference = reference or files
            if files != reference:
                raise SystemExit(f"error: {ranks} ranks x {threads} threads wrote other results than the first run")
            sent = manifest["bytes_gathered_per_rank"]
            rows.append({"ranks": ranks, "threads_per_rank": threads, "wall_s": round(wall, 2),
                         "run_wall_s": round(manifest["wall_seconds"], 2), "simulated_days": SIMULATED_DAYS,
                         "max_bytes_per_rank_per_day": max(sent) // SIMULATED_DAYS if ranks > 1 else 0})
            print(f"{ranks} rank(s) x {threads} thread(s): {wall:.2f} s wall (run {manifest['wall_seconds']:.2f} s), "
                  f"bytes sent to rank 0 per rank per simulated day: {[b // SIMULATED_DAYS for b in sent] if ranks > 1 else 0}")
    target = pathlib.Path(args.out)
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "mpi-scaling.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"written {target / 'mpi-scaling.csv'}")


if __name__ == "__main__":
    main()
