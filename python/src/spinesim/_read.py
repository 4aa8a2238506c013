"""Reading SpineSim run directories: :class:`Run`, :func:`read_run`, :func:`read_sweep`."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import pandas as pd

PathLike = Union[str, "os.PathLike[str]"]

#: File name endings of the tables of a run, in order of preference when a
#: table exists under both (``x.csv`` wins over ``x.csv.gz``).
TABLE_SUFFIXES: Sequence[str] = (".csv", ".csv.gz")

#: Attribute names of :class:`Run` itself; a table with one of these names is
#: reached through ``run["name"]`` or :meth:`Run.table` only.
_RESERVED = frozenset(
    {"path", "manifest", "config", "summary", "tables", "table", "status", "seed", "experiment", "overrides"}
)


def _read_json(path: Path) -> Any:
    with path.open("r", encoding="utf-8") as handle:
        return json.load(handle)


def _parse_scalar(text: str) -> Any:
    """The value of a ``--set`` right-hand side as YAML would read a plain scalar.

    Integers, floats and ``true``/``false``/``null`` become Python values;
    anything else (flow lists, words) stays the text as written.
    """
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "~", ""):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def overrides_from_command(command: Sequence[str]) -> Dict[str, Any]:
    """The ``--set key.path=value`` overrides of a recorded command line, in order.

    ``--set k=v`` and ``--set=k=v`` are both recognised; a later setting of the
    same key wins, as it does in the binary. Values are parsed as YAML plain
    scalars (see :func:`_parse_scalar`); lists stay their text.
    """
    result: Dict[str, Any] = {}
    items = list(command)
    i = 0
    while i < len(items):
        arg = items[i]
        assignment: Optional[str] = None
        if arg == "--set" and i + 1 < len(items):
            assignment = items[i + 1]
            i += 1
        elif arg.startswith("--set="):
            assignment = arg[len("--set="):]
        if assignment is not None and "=" in assignment:
            key, value = assignment.split("=", 1)
            result[key.strip()] = _parse_scalar(value)
        i += 1
    return result


class Run:
    """One SpineSim run directory.

    Attributes
    ----------
    path:
        The run directory.
    manifest:
        ``manifest.json`` as a dict.
    config:
        The resolved configuration (the manifest's ``configuration``).
    summary:
        ``summary.json`` as a dict, or ``None`` when the run wrote none.
    tables:
        The names of the run's CSV tables (file names without ``.csv`` or
        ``.csv.gz``), sorted.

    Every table is a :class:`pandas.DataFrame`, read on first access and then
    kept: ``run.retention``, ``run["size_fit"]`` or ``run.table("oh2015")``.
    Column names are exactly those of the file's header (units in the names);
    an empty cell is NaN and every other cell keeps its text or number
    (``none`` or ``NA`` are not read as missing). Subdirectories of the run
    (``final_state/``, ``.partial/``, ``checkpoints/``) are not read.
    """

    path: Path
    manifest: Dict[str, Any]

    def __init__(self, path: PathLike, *, allow_incomplete: bool = False) -> None:
        """Open the run at ``path``; see :func:`read_run`."""
        self.path = Path(path)
        if not self.path.is_dir():
            raise FileNotFoundError(f"{self.path}: not a SpineSim run: no such directory")
        manifest_path = self.path / "manifest.json"
        if not manifest_path.is_file():
            raise FileNotFoundError(
                f"{self.path}: not a SpineSim run: it has no manifest.json"
            )
        try:
            manifest = _read_json(manifest_path)
        except json.JSONDecodeError as error:
            raise ValueError(f"{manifest_path}: not valid JSON ({error})") from error
        if not isinstance(manifest, dict):
            raise ValueError(f"{manifest_path}: not a SpineSim manifest (not a JSON object)")
        self.manifest = manifest
        status = manifest.get("status")
        if status != "completed" and not allow_incomplete:
            raise ValueError(
                f"{self.path}: the run's status is {status!r}, not 'completed', so its "
                "manifest does not vouch for the results; pass allow_incomplete=True "
                "to read what is there"
            )
        self._files: Dict[str, Path] = {}
        for suffix in reversed(TABLE_SUFFIXES):  # preferred suffix last: it wins
            for entry in self.path.iterdir():
                name = entry.name
                if name.startswith(".") or not name.endswith(suffix) or not entry.is_file():
                    continue
                stem = name[: -len(suffix)]
                if stem and not any(stem.endswith(s) for s in TABLE_SUFFIXES):
                    self._files[stem] = entry
        self._frames: Dict[str, pd.DataFrame] = {}
        self._summary_loaded = False
        self._summary: Optional[Dict[str, Any]] = None

    # -- manifest entries -------------------------------------------------

    @property
    def config(self) -> Dict[str, Any]:
        """The resolved configuration: the manifest's ``configuration`` entry."""
        config = self.manifest.get("configuration")
        if not isinstance(config, dict):
            raise ValueError(f"{self.path / 'manifest.json'}: it has no 'configuration' entry")
        return config

    @property
    def status(self) -> Optional[str]:
        """The manifest's status (``completed``, ``running``, ``failed…``)."""
        return self.manifest.get("status")

    @property
    def seed(self) -> Optional[int]:
        """The run seed recorded in the manifest."""
        return self.manifest.get("seed")

    @property
    def experiment(self) -> Optional[str]:
        """The experiment kind recorded in the manifest (``stdp``, ``memory``…)."""
        return self.manifest.get("experiment")

    @property
    def overrides(self) -> Dict[str, Any]:
        """The ``--set`` overrides of the command that started the run (key → value)."""
        command = self.manifest.get("command") or []
        return overrides_from_command([str(c) for c in command])

    @property
    def summary(self) -> Optional[Dict[str, Any]]:
        """``summary.json`` as a dict, or ``None`` when the run has none."""
        if not self._summary_loaded:
            summary_path = self.path / "summary.json"
            self._summary = _read_json(summary_path) if summary_path.is_file() else None
            self._summary_loaded = True
        return self._summary

    # -- tables -----------------------------------------------------------

    @property
    def tables(self) -> List[str]:
        """The names of the run's tables, sorted."""
        return sorted(self._files)

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (file ``name.csv`` or ``name.csv.gz``) as a DataFrame."""
        frame = self._frames.get(name)
        if frame is not None:
            return frame
        file = self._files.get(name)
        if file is None:
            raise KeyError(
                f"{self.path}: no table {name!r}; the run has {', '.join(self.tables) or 'no tables'}"
            )
        frame = pd.read_csv(file, engine="c", keep_default_na=False, na_values=[""])
        self._frames[name] = frame
        return frame

    def __getitem__(self, name: str) -> pd.DataFrame:
        """``run["size_fit"]``: the same as :meth:`table`."""
        return self.table(name)

    def __contains__(self, name: object) -> bool:
        """Whether the run has a table of this name."""
        return name in self._files

    def __getattr__(self, name: str) -> pd.DataFrame:
        """``run.retention``: a table by its name (for names that are identifiers)."""
        # Only called when normal lookup fails; guard the attributes __init__ sets.
        if name.startswith("_") or name in _RESERVED:
            raise AttributeError(name)
        files = self.__dict__.get("_files", {})
        if name in files:
            return self.table(name)
        raise AttributeError(
            f"{type(self).__name__} has no attribute or table {name!r}; "
            f"its tables: {', '.join(sorted(files)) or 'none'}"
        )

    def __dir__(self) -> Iterable[str]:
        """Attributes and table names, for completion."""
        names = set(super().__dir__())
        names.update(n for n in self._files if n.isidentifier() and n not in _RESERVED)
        return sorted(names)

    def __repr__(self) -> str:
        """``Run('Results/stdp', experiment='stdp', status='completed', seed=…, tables=[…])``."""
        return (
            f"Run({str(self.path)!r}, experiment={self.experiment!r}, status={self.status!r}, "
            f"seed={self.seed!r}, tables={self.tables!r})"
        )


def read_run(path: PathLike, *, allow_incomplete: bool = False) -> Run:
    """Open a SpineSim run directory.

    Parameters
    ----------
    path:
        A directory written by ``spinesim run`` (it holds ``manifest.json``).
    allow_incomplete:
        Read a run whose manifest status is not ``completed`` (running,
        stopped, failed) instead of refusing it.

    Raises
    ------
    FileNotFoundError
        ``path`` is not a directory or has no ``manifest.json``.
    ValueError
        The manifest is not valid JSON, or the run is not ``completed`` and
        ``allow_incomplete`` is false.
    """
    return Run(path, allow_incomplete=allow_incomplete)


def _run_labels(runs: Sequence[Run]) -> List[str]:
    """The ``run`` column of each run: its directory name, or its full path when names repeat."""
    names = [run.path.resolve().name for run in runs]
    if len(set(names)) == len(names):
        return names
    return [str(run.path) for run in runs]


#: The index a ``spinesim sweep`` writes into its directory.
SWEEP_INDEX = "sweep.json"


def _read_sweep_directory(
    path: Path, *, allow_incomplete: bool
) -> Tuple[List[Run], List[Dict[str, Any]], List[str]]:
    """The runs of a ``spinesim sweep`` directory: (runs, their front columns, grid keys).

    Entries come from ``sweep.json``; whether an entry completed is read from
    its own manifest (``sweep.json`` is only rewritten by the process that runs
    the whole sweep, so it may be older than the runs of a job array).
    """
    index_path = path / SWEEP_INDEX
    try:
        index = _read_json(index_path)
    except json.JSONDecodeError as error:
        raise ValueError(f"{index_path}: not valid JSON ({error})") from error
    if not isinstance(index, dict) or not isinstance(index.get("entries"), list):
        raise ValueError(f"{index_path}: not a SpineSim sweep index (no 'entries' list)")
    keys = [str(axis["key"]) for axis in index.get("grid", [])]
    runs: List[Run] = []
    fronts: List[Dict[str, Any]] = []
    skipped: List[str] = []
    for entry in index["entries"]:
        directory = path / str(entry["directory"])
        manifest = directory / "manifest.json"
        status = None
        if manifest.is_file():
            try:
                status = _read_json(manifest).get("status")
            except (json.JSONDecodeError, AttributeError):
                status = None
        if status is None or (status != "completed" and not allow_incomplete):
            skipped.append(f"{entry['directory']} ({status or 'missing'})")
            continue
        run = Run(directory, allow_incomplete=allow_incomplete)
        overrides = entry.get("overrides") or {}
        front: Dict[str, Any] = {"run": str(entry["directory"]), "point": entry["point"], "seed": entry["seed"]}
        front.update({key: _parse_scalar(str(overrides[key])) if key in overrides else None for key in keys})
        runs.append(run)
        fronts.append(front)
    if skipped:
        warnings.warn(
            f"{path}: {len(skipped)} of {len(index['entries'])} sweep entries not read "
            f"(not completed): {', '.join(skipped)}",
            stacklevel=3,
        )
    if not runs:
        raise ValueError(f"{path}: no completed run in the sweep ({', '.join(skipped) or 'no entries'})")
    return runs, fronts, keys


def read_sweep(
    paths: Union[PathLike, Iterable[Union[PathLike, Run]]], *, allow_incomplete: bool = False
) -> Dict[str, pd.DataFrame]:
    """Read several runs into one long DataFrame per table.

    ``paths`` is either a sweep directory written by ``spinesim sweep`` (it
    holds ``sweep.json``) or a list of run directories.

    *A sweep directory*: every entry of ``sweep.json`` whose run completed
    (its own ``manifest.json`` says so) is read; entries that did not complete
    are left out with a :class:`UserWarning` naming them. Each row carries, in
    front of the table's own columns, ``run`` (the entry's directory,
    ``point-NNNN-seed-S``), ``point`` (the grid point, from 0), ``seed`` and
    one column per grid key in the sweep file's order (``size_dynamics.stationary_sd``),
    its value parsed like a YAML scalar (numbers as numbers; lists stay text).

    *A list of run directories* (or :class:`Run` objects): each row carries
    ``run`` (the run directory's name; its path as given when two directories
    share a name), ``seed`` (the manifest's seed) and one column per ``--set``
    override found in any run's recorded command, named by its key
    (``pairing.pairs``; empty for a run that did not set it).

    A table that only some runs have holds only their rows.

    Parameters
    ----------
    paths:
        A sweep directory, or run directories (or :class:`Run` objects) in the
        order wanted.
    allow_incomplete:
        Passed to :func:`read_run`; for a sweep directory, also read entries
        whose run did not complete (entries never started are still left out).

    Returns
    -------
    dict
        Table name → DataFrame, in sorted order of the names.

    Raises
    ------
    FileNotFoundError
        A run directory or ``sweep.json`` entry has no manifest (lists only).
    ValueError
        No runs were given (or none of a sweep completed), ``sweep.json`` is
        not a sweep index, or a table already has a column that would be
        added (``run``, ``point``, ``seed``, a grid or override key).
    """
    fronts: List[Dict[str, Any]]
    if isinstance(paths, (str, os.PathLike)) and (Path(paths) / SWEEP_INDEX).is_file():
        runs, fronts, _ = _read_sweep_directory(Path(paths), allow_incomplete=allow_incomplete)
    else:
        if isinstance(paths, (str, os.PathLike)):
            raise ValueError(
                f"read_sweep: {paths} is not a sweep directory (it has no {SWEEP_INDEX}); "
                "give a sweep directory or a list of run directories"
            )
        runs = [p if isinstance(p, Run) else read_run(p, allow_incomplete=allow_incomplete) for p in paths]
        if not runs:
            raise ValueError("read_sweep: no run directories given")
        labels = _run_labels(runs)
        override_keys: List[str] = []
        for run in runs:
            for key in run.overrides:
                if key not in override_keys:
                    override_keys.append(key)
        fronts = []
        for run, label in zip(runs, labels):
            overrides = run.overrides
            front: Dict[str, Any] = {"run": label, "seed": run.seed}
            front.update({key: overrides.get(key) for key in override_keys})
            fronts.append(front)
    names = sorted({name for run in runs for name in run.tables})
    result: Dict[str, pd.DataFrame] = {}
    for name in names:
        parts: List[pd.DataFrame] = []
        for run, front in zip(runs, fronts):
            if name not in run:
                continue
            frame = run.table(name)
            clash = [c for c in front if c in frame.columns]
            if clash:
                raise ValueError(
                    f"{run.path}: table {name!r} already has the column(s) {clash}, "
                    "which read_sweep would add"
                )
            part = frame.copy()
            for position, (column, value) in enumerate(front.items()):
                part.insert(position, column, [value] * len(part))
            parts.append(part)
        result[name] = pd.concat(parts, ignore_index=True)
    return result
