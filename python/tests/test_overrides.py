"""--set formatting and the command line run() builds (with a stand-in binary)."""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import spinesim

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "value, text",
    [
        (3, "3"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (0.1, "0.1"),
        (1e-05, "1e-05"),
        (1.0, "1.0"),
        (-2.5, "-2.5"),
        ([1, 2], "[1, 2]"),
        ((-10, 10.5), "[-10, 10.5]"),
        ([True, None], "[true, null]"),
        ([[1, 2], []], "[[1, 2], []]"),
        ({"from": -100, "to": 100, "step": 5}, "{from: -100, to: 100, step: 5}"),
        (["on", "a b", "x,y", "1", "plain"], '["on", a b, "x,y", "1", plain]'),
        ("DPD", "DPD"),
        ("[1, 2]", "[1, 2]"),
        (np.int64(7), "7"),
        (np.float64(0.25), "0.25"),
        (np.bool_(True), "true"),
        (np.array([1, 2]), "[1, 2]"),
    ],
)
def test_format_value(value, text: str) -> None:
    assert spinesim.format_value(value) == text


def test_format_value_rejects() -> None:
    with pytest.raises(ValueError):
        spinesim.format_value(float("nan"))
    with pytest.raises(ValueError):
        spinesim.format_value([1, float("inf")])
    with pytest.raises(TypeError):
        spinesim.format_value(object())


def test_override_arguments() -> None:
    args = spinesim.override_arguments(
        {"session__trials": 3, "schedule__0__home_cage__days": 60, "plasticity.theta_p": 1.4,
         "diffusion__enabled": False, "pairing__delta_t_ms": [-10, 10]}
    )
    assert args == [
        "--set", "session.trials=3",
        "--set", "schedule.0.home_cage.days=60",
        "--set", "plasticity.theta_p=1.4",
        "--set", "diffusion.enabled=false",
        "--set", "pairing.delta_t_ms=[-10, 10]",
    ]


def test_overrides_from_command_round_trip() -> None:
    command = ["spinesim", "run", "f.yaml", "--set", "a.b=3", "--set=c=true", "--seed", "4",
               "--set", "d=[1, 2]", "--set", "e=0.5", "--set", "f=DPD", "--set", "a.b=4"]
    assert spinesim.overrides_from_command(command) == {
        "a.b": 4, "c": True, "d": "[1, 2]", "e": 0.5, "f": "DPD",
    }


FAKE = r'''#!{python}
# A stand-in for spinesim: records its arguments, talks on both streams, and
# writes a completed run (or fails when FAKE_FAIL is set).
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "w") as log:
    json.dump(args, log)
sys.stderr.write("progress 50%\rprogress 100%\n")
if os.environ.get("FAKE_FAIL"):
    sys.stderr.write("error: stdp.yaml: nope: unknown key; allowed keys here: \"pairing\"\n")
    sys.exit(2)
out = args[args.index("--out") + 1]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({{"status": "completed", "seed": 5, "experiment": "stdp", "command": ["spinesim"] + args,
               "configuration": {{"experiment": "stdp"}}}}, f)
with open(os.path.join(out, "stdp.csv"), "w") as f:
    f.write("delta_t_ms,change\n-10,0.5\n")
print("results in " + out)
'''


@pytest.fixture
def fake_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    binary = tmp_path / "bin" / "spinesim"
    binary.parent.mkdir()
    binary.write_text(FAKE.format(python=sys.executable), encoding="utf-8")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SPINESIM_BIN", str(binary))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "args.json"))
    return binary


def test_run_command_line(fake_binary: Path, tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    run = spinesim.run(
        "Experiments/stdp.yaml", out=out, seed=11, threads=1, force=True,
        pairing__pairs=5, synapses_per_point=200, overrides={"pairing.delta_t_ms": [-10, 10]},
    )
    args = json.loads((tmp_path / "args.json").read_text())
    assert args == [
        "run", "Experiments/stdp.yaml", "--out", str(out), "--seed", "11", "--threads", "1", "--force",
        "--set", "pairing.delta_t_ms=[-10, 10]", "--set", "pairing.pairs=5", "--set", "synapses_per_point=200",
    ]
    assert isinstance(run, spinesim.Run) and run.path == out
    assert run.stdp["change"].tolist() == [0.5]
    assert run.overrides == {"pairing.delta_t_ms": "[-10, 10]", "pairing.pairs": 5, "synapses_per_point": 200}
    captured = capfd.readouterr()
    assert "progress 100%" in captured.err
    assert "results in" in captured.out


def test_run_default_out_and_quiet(
    fake_binary: Path, tmp_path: Path, capfd: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the default out goes here, not /tmp
    run = spinesim.run("Experiments/stdp.yaml", quiet=True)
    assert run.path.parent == tmp_path
    args = json.loads((tmp_path / "args.json").read_text())
    assert "--quiet" in args and "--force" not in args and "--seed" not in args
    assert run.path.is_dir() and run.path.name.startswith("spinesim-run-")
    assert "progress" not in capfd.readouterr().err


def test_run_failure(fake_binary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_FAIL", "1")
    with pytest.raises(spinesim.SpinesimError) as caught:
        spinesim.run("Experiments/stdp.yaml", out=tmp_path / "out", nope__x=1)
    error = caught.value
    assert error.returncode == 2
    assert error.message.startswith("error: stdp.yaml: nope: unknown key")
    assert "status 2" in str(error) and "unknown key" in str(error)
    assert "progress 100%" in error.stderr
    assert error.command[-2:] == ["--set", "nope.x=1"]


def test_find_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINESIM_BIN", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="SPINESIM_BIN"):
        spinesim.find_binary()
    # Without the variable and PATH: the repository's build products, release first.
    monkeypatch.delenv("SPINESIM_BIN")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    repo = tmp_path / "repo"
    experiment = repo / "Experiments" / "stdp.yaml"
    experiment.parent.mkdir(parents=True)
    experiment.write_text("experiment: stdp\n")
    with pytest.raises(FileNotFoundError, match="no spinesim binary"):
        spinesim.find_binary(experiment)
    for product in (".build/debug/spinesim", ".build/release/spinesim"):
        binary = repo / product
        binary.parent.mkdir(parents=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
        assert spinesim.find_binary(experiment) == binary
