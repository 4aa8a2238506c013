"""Shared fixtures: the repository's committed results and small synthetic runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "Results"


@pytest.fixture
def binary() -> Path:
    """The spinesim binary the package finds for this repository, or skip when there is none."""
    experiment = REPO / "Experiments" / "stdp.yaml"
    if not experiment.is_file():
        pytest.skip(f"no {experiment}")
    import spinesim

    try:
        return spinesim.find_binary(experiment)
    except FileNotFoundError as error:
        pytest.skip(str(error))


def results_run(name: str) -> Path:
    """A committed run under Results/, or skip when this checkout lacks it."""
    path = RESULTS / name
    if not (path / "manifest.json").is_file():
        pytest.skip(f"no committed results in {path}")
    return path


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """Build a run directory in tmp_path from Results/stdp's manifest, with changes.

    ``make_run(name, status="completed", command=None, files={"x.csv": "a,b\\n1,2\\n"})``
    """
    source = results_run("stdp")

    def build(
        name: str = "run",
        status: str = "completed",
        command: Optional[list] = None,
        seed: Optional[int] = None,
        files: Optional[Dict[str, Any]] = None,
        copy_results: bool = True,
    ) -> Path:
        directory = tmp_path / name
        directory.mkdir(parents=True)
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
        manifest["status"] = status
        if command is not None:
            manifest["command"] = command
        if seed is not None:
            manifest["seed"] = seed
        (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if copy_results:
            shutil.copy(source / "stdp.csv", directory / "stdp.csv")
            shutil.copy(source / "summary.json", directory / "summary.json")
        for file_name, content in (files or {}).items():
            target = directory / file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return directory

    return build
