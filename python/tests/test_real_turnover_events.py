"""The per-event turnover log of a small real population run, plain and gzip.

``recording.turnover_events: gzip`` writes ``turnover.csv.gz`` (one gzip member
per simulated day); ``run.turnover`` reads it as it reads ``turnover.csv``.
Skipped when no binary is found (see test_real_run.py).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

import spinesim

REPO = Path(__file__).resolve().parents[2]
EXPERIMENT = REPO / "Experiments" / "turnover-ca1.yaml"


def _small_run(out: Path, turnover_events: str) -> spinesim.Run:
    return spinesim.run(
        EXPERIMENT, out=out, seed=3, threads=1, quiet=True,
        dendrites__count=3, duration_days=10, recording__size_distribution_days=[0, 10],
        recording__turnover_events=turnover_events,
    )


def test_turnover_from_gzip_as_from_csv(binary: Path, tmp_path: Path) -> None:
    plain = _small_run(tmp_path / "plain", "csv")
    compressed = _small_run(tmp_path / "compressed", "gzip")
    assert (plain.path / "turnover.csv").is_file()
    assert (compressed.path / "turnover.csv.gz").is_file()
    assert not (compressed.path / "turnover.csv").exists()
    assert "turnover" in plain.tables and "turnover" in compressed.tables
    assert compressed.config["recording"]["turnover_events"] == "gzip"

    # The same rows: the gzip file decompresses to the plain file's bytes.
    raw = (plain.path / "turnover.csv").read_bytes()
    assert gzip.decompress((compressed.path / "turnover.csv.gz").read_bytes()) == raw
    assert list(compressed.turnover.columns) == [
        "day", "spine_id", "dendrite", "position_um", "event", "cause", "volume_um3"]
    assert len(compressed.turnover) > 0
    assert set(compressed.turnover["event"]) <= {"birth", "death"}
    assert compressed.turnover.equals(plain.turnover)


def test_no_event_log_when_off(binary: Path, tmp_path: Path) -> None:
    off = _small_run(tmp_path / "off", "false")
    assert "turnover" not in off.tables
    assert "turnover_daily" in off.tables
    assert off.config["recording"]["turnover_events"] is False
