"""read_sweep: several runs into one long table per name."""

from __future__ import annotations

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
