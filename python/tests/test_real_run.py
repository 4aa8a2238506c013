"""One small real run of Experiments/stdp.yaml through spinesim.run.

Skipped when no binary is found (SPINESIM_BIN, PATH, then the repository's
.build/release/spinesim and last .build/debug/spinesim, which `make test` builds).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import spinesim

REPO = Path(__file__).resolve().parents[2]
EXPERIMENT = REPO / "Experiments" / "stdp.yaml"


def test_small_stdp_run(binary: Path, tmp_path: Path) -> None:
    out = tmp_path / "stdp"
    run = spinesim.run(
        EXPERIMENT, out=out, seed=7, threads=1,
        pairing__delta_t_ms=[-10, 10], pairing__pairs=5, synapses_per_point=200,
    )
    assert run.path == out and run.status == "completed"
    assert list(run.stdp.columns) == ["delta_t_ms", "change", "p_up", "p_down", "change_analytic"]
    assert run.stdp["delta_t_ms"].tolist() == [-10, 10]
    assert run.config["pairing"]["pairs"] == 5
    assert run.config["synapses_per_point"] == 200
    assert run.seed == 7
    assert run.summary is not None
    assert run.overrides["pairing.pairs"] == 5
    # The same directory again needs force=True: the binary refuses a non-empty one.
    with pytest.raises(spinesim.SpinesimError) as caught:
        spinesim.run(EXPERIMENT, out=out, quiet=True, pairing__pairs=5)
    assert caught.value.returncode != 0
    again = spinesim.run(EXPERIMENT, out=out, seed=7, threads=1, force=True, quiet=True,
                         overrides={"pairing.delta_t_ms": [-10, 10], "pairing.pairs": 5,
                                    "synapses_per_point": 200})
    assert again.stdp.equals(run.stdp)  # same seed, same bits


def test_rejected_override(binary: Path, tmp_path: Path) -> None:
    with pytest.raises(spinesim.SpinesimError) as caught:
        spinesim.run(EXPERIMENT, out=tmp_path / "bad", quiet=True, pairing__no_such_key=1)
    assert caught.value.returncode == 2
    assert "no_such_key" in caught.value.message
    assert not (tmp_path / "bad" / "manifest.json").exists()
