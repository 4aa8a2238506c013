"""read_run on the committed results and on synthetic run directories."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pandas as pd
import pytest

import spinesim
from conftest import results_run

# README.md, "What a run writes", experiment `memory`.
RETENTION_COLUMNS = [
    "condition", "task", "day_after_training", "fraction_learned_alive",
    "fraction_learned_potentiated", "size_pattern_correlation", "recall_dprime",
    "fraction_all_alive",
]
SIZE_FIT_COLUMNS = ["condition", "day", "n_spines", "lognormal_mu", "lognormal_sigma", "ks_statistic"]
OH2015_HEADER = (
    "n_stimulated,store_release,distance_bin_um,neighbours,volume_change_rel_mean,"
    "volume_change_rel_sem,delta_rho_mean,stimulated_potentiated_fraction"
)
STDP_COLUMNS = ["delta_t_ms", "change", "p_up", "p_down", "change_analytic"]


def test_memory_stability_tables_and_columns() -> None:
    run = spinesim.read_run(results_run("memory-stability"))
    assert isinstance(run, spinesim.Run)
    on_disk = sorted(p.name[: -len(".csv")] for p in run.path.glob("*.csv"))
    assert run.tables == on_disk
    assert {"retention", "size_fit", "density", "size_histograms", "schedule"} <= set(run.tables)
    assert list(run.retention.columns) == RETENTION_COLUMNS
    assert list(run.size_fit.columns) == SIZE_FIT_COLUMNS
    assert list(run.density.columns) == ["condition", "day", "spine_density_per_um"]
    assert len(run.retention) > 0
    assert run.retention["recall_dprime"].dtype.kind == "f"
    assert set(run.retention["condition"]) == set(run.summary["conditions"])


def test_memory_stability_summary_manifest_config() -> None:
    run = spinesim.read_run(results_run("memory-stability"))
    assert run.manifest["status"] == "completed"
    assert run.config is run.manifest["configuration"]
    assert run.config["experiment"] == "memory"
    assert run.config["dendrites"]["count"] == 40
    conditions = run.summary["conditions"]
    assert conditions, "summary.json lists no conditions"
    for name, condition in conditions.items():
        for key in ("final_day", "final_lognormal_mu", "final_lognormal_sigma",
                    "final_spine_density_per_um", "final_spines", "tasks"):
            assert key in condition, f"{name}: summary has no {key}"
        for task in condition["tasks"].values():
            for key in ("learned_spines", "half_life_days", "final_recall_dprime",
                        "final_fraction_learned_alive", "training_end_day"):
                assert key in task


def test_tables_are_read_lazily_once() -> None:
    run = spinesim.read_run(results_run("memory-stability"))
    assert run._frames == {}
    first = run.retention
    assert list(run._frames) == ["retention"]
    assert run.retention is first
    assert run["retention"] is first and run.table("retention") is first
    assert "retention" in run and "nope" not in run
    assert "retention" in dir(run)


def test_oh2015_header_exact() -> None:
    run = spinesim.read_run(results_run("heterosynaptic-oh2015"))
    assert ",".join(run.oh2015.columns) == OH2015_HEADER
    assert ",".join(run.oh2015_expressed.columns) == OH2015_HEADER
    # Bins such as "0-2" stay text; store_release stays on/off.
    assert run.oh2015["distance_bin_um"].iloc[0] == "0-2"
    assert set(run.oh2015["store_release"]) <= {"on", "off"}


def test_stdp_and_repr() -> None:
    run = spinesim.read_run(results_run("stdp"))
    assert list(run.stdp.columns) == STDP_COLUMNS
    assert len(run.stdp) == len(run.config["pairing"]["delta_t_ms"])
    text = repr(run)
    assert text.startswith("Run(") and "stdp" in text and "completed" in text and str(run.path) in text
    assert run.seed == 20120301 and run.experiment == "stdp" and run.status == "completed"


def test_unknown_table_errors() -> None:
    run = spinesim.read_run(results_run("stdp"))
    with pytest.raises(AttributeError, match="stdp"):
        run.retention
    with pytest.raises(KeyError, match="no table 'retention'"):
        run["retention"]


def test_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="manifest.json") as caught:
        spinesim.read_run(tmp_path)
    assert str(tmp_path) in str(caught.value)
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="no such directory") as caught:
        spinesim.read_run(missing)
    assert str(missing) in str(caught.value)


def test_bad_manifest(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="manifest.json"):
        spinesim.read_run(tmp_path)


@pytest.mark.parametrize("status", ["running", "failed: interrupted"])
def test_incomplete_run(make_run, status: str) -> None:
    directory = make_run("partial", status=status)
    with pytest.raises(ValueError) as caught:
        spinesim.read_run(directory)
    message = str(caught.value)
    assert str(directory) in message and repr(status) in message and "completed" in message
    run = spinesim.read_run(directory, allow_incomplete=True)
    assert run.status == status
    assert list(run.stdp.columns) == STDP_COLUMNS


def test_gz_subdirectories_and_cells(make_run) -> None:
    table = "condition,day,volume_um3,regime\nnone,0,,NA\nlearning,1,0.5,null\n"
    directory = make_run(
        files={
            "extra.csv.gz": gzip.compress(table.encode()),
            "final_state/inner.csv": "a\n1\n",
            ".partial/hidden.csv": "a\n1\n",
            "notes.txt": "not a table",
        }
    )
    run = spinesim.read_run(directory)
    assert run.tables == ["extra", "stdp"]
    extra = run.extra
    assert list(extra.columns) == ["condition", "day", "volume_um3", "regime"]
    # Only an empty cell is missing: "none", "NA" and "null" are words of the run.
    assert extra["condition"].tolist() == ["none", "learning"]
    assert extra["regime"].tolist() == ["NA", "null"]
    assert math.isnan(extra["volume_um3"].iloc[0]) and extra["volume_um3"].iloc[1] == 0.5
    assert extra["day"].dtype.kind == "i"


def test_no_summary(make_run) -> None:
    directory = make_run(copy_results=False, files={"a.csv": "x\n1\n"})
    run = spinesim.read_run(directory)
    assert run.summary is None
    assert run.a["x"].tolist() == [1]


def test_reserved_table_name(make_run) -> None:
    directory = make_run(files={"summary.csv": "x\n1\n"})
    run = spinesim.read_run(directory)
    assert isinstance(run.summary, dict)  # the attribute, not the table
    assert isinstance(run["summary"], pd.DataFrame)
