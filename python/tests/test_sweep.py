"""read_sweep: several runs into one long table per name."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import spinesim
from conftest import results_run


def test_two_committed_runs() -> None:
    paths = [results_run("memory-stability"), results_run("memory-reactivation")]
    runs = [spinesim.read_run(p) for p in paths]
    sweep = spinesim.read_sweep(paths)
    assert set(sweep) == set(runs[0].tables) | set(runs[1].tables)
    retention = sweep["retention"]
    assert len(retention) == len(runs[0].retention) + len(runs[1].retention)
    assert list(retention.columns[:2]) == ["run", "seed"]
    assert list(retention.columns[2:]) == list(runs[0].retention.columns)
    assert retention["run"].unique().tolist() == ["memory-stability", "memory-reactivation"]
    for run in runs:
        rows = retention[retention["run"] == run.path.name]
        assert (rows["seed"] == run.seed).all()
        assert len(rows) == len(run.retention)
        pd.testing.assert_frame_equal(
            rows.drop(columns=["run", "seed"]).reset_index(drop=True), run.retention
        )


def test_overrides_become_columns(make_run) -> None:
    base = ["spinesim", "run", "Experiments/stdp.yaml", "--out", "x"]
    a = make_run("a", seed=1, command=base + ["--set", "pairing.pairs=30", "--set=plasticity.theta_p=1.4"])
    b = make_run("b", seed=2, command=base + ["--set", "pairing.pairs=10", "--set", "pairing.delta_t_ms=[-10, 10]"])
    c = make_run("c", seed=3, command=base)
    sweep = spinesim.read_sweep([a, b, c])
    stdp = sweep["stdp"]
    assert list(stdp.columns[:5]) == ["run", "seed", "pairing.pairs", "plasticity.theta_p", "pairing.delta_t_ms"]
    first = stdp.groupby("run", sort=False).first()
    assert first.loc["a", "pairing.pairs"] == 30 and first.loc["b", "pairing.pairs"] == 10
    assert first.loc["a", "plasticity.theta_p"] == 1.4
    assert first.loc["b", "pairing.delta_t_ms"] == "[-10, 10]"
    assert pd.isna(first.loc["c", "pairing.pairs"])
    assert first["seed"].tolist() == [1, 2, 3]


def test_same_directory_names(tmp_path, make_run) -> None:
    one = make_run("x/run")
    two = make_run("y/run")
    stdp = spinesim.read_sweep([one, two])["stdp"]
    assert stdp["run"].unique().tolist() == [str(one), str(two)]


def test_no_runs() -> None:
    with pytest.raises(ValueError, match="no run"):
        spinesim.read_sweep([])


def test_incomplete_in_sweep(make_run) -> None:
    good = make_run("good")
    bad = make_run("bad", status="running")
    with pytest.raises(ValueError, match="bad"):
        spinesim.read_sweep([good, bad])
    assert len(spinesim.read_sweep([good, bad], allow_incomplete=True)["stdp"]) == 2 * len(
        spinesim.read_run(good).stdp
    )


# -- a sweep directory written by `spinesim sweep` ---------------------------

REPO = Path(__file__).resolve().parents[2]
STDP = REPO / "Experiments" / "stdp.yaml"


def _tiny_sweep(tmp_path: Path) -> Path:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        "sweep:\n"
        f"  experiment: {STDP}\n"
        "  set: {synapses_per_point: 100, pairing.delta_t_ms: [-10, 10]}\n"
        "  grid:\n"
        "    pairing.pairs: [5, 8]\n"
        "    plasticity.theta_p: [1.3, 1.5]\n"
        "  seeds: [3, 4]\n"
        "  threads: 1\n",
        encoding="utf-8",
    )
    return spec


def test_sweep_directory(binary: Path, tmp_path: Path) -> None:
    spec, out = _tiny_sweep(tmp_path), tmp_path / "out"
    # Two entries only: the others are left out with a warning.
    for index in (0, 5):
        subprocess.run([str(binary), "sweep", str(spec), "--out", str(out), "--index", str(index), "--quiet"], check=True)
    subprocess.run([str(binary), "sweep", str(spec), "--out", str(out), "--status"], capture_output=True)
    with pytest.warns(UserWarning, match="6 of 8 sweep entries not read"):
        partial = spinesim.read_sweep(out)
    assert partial["stdp"]["run"].unique().tolist() == ["point-0000-seed-3", "point-0002-seed-4"]

    subprocess.run([str(binary), "sweep", str(spec), "--out", str(out), "-j", "2", "--quiet"], check=True)
    index = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in index["entries"]] == ["completed"] * 8
    sweep = spinesim.read_sweep(out)
    stdp = sweep["stdp"]
    assert list(stdp.columns[:5]) == ["run", "point", "seed", "pairing.pairs", "plasticity.theta_p"]
    assert len(stdp) == 8 * 2
    first = stdp.groupby("run", sort=False).first()
    assert first["point"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert first["seed"].tolist() == [3, 4] * 4
    assert first["pairing.pairs"].tolist() == [5, 5, 5, 5, 8, 8, 8, 8]
    assert first["plasticity.theta_p"].tolist() == [1.3, 1.3, 1.5, 1.5] * 2
    # Each entry's rows are those of its run directory.
    run = spinesim.read_run(out / "point-0003-seed-4")
    rows = stdp[stdp["run"] == "point-0003-seed-4"].drop(columns=["run", "point", "seed", "pairing.pairs", "plasticity.theta_p"])
    pd.testing.assert_frame_equal(rows.reset_index(drop=True), run.stdp)
    assert run.config["pairing"]["pairs"] == 8 and run.seed == 4


def test_not_a_sweep_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a sweep directory"):
        spinesim.read_sweep(tmp_path)
