"""Running the ``spinesim`` binary from Python: :func:`run`, :func:`find_binary`, overrides."""

from __future__ import annotations

import codecs
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from ._read import PathLike, Run, read_run

#: The environment variable naming the binary to run.
BINARY_ENV = "SPINESIM_BIN"

#: Where a source checkout keeps its binaries, in order of preference
#: (``make test`` builds only the debug one).
BUILD_PRODUCTS: Sequence[str] = (".build/release/spinesim", ".build/debug/spinesim")


class SpinesimError(RuntimeError):
    """The ``spinesim`` binary exited with a non-zero status.

    Attributes
    ----------
    returncode:
        The binary's exit status (2: rejected before anything ran; 1: the run
        failed or its directory is locked; 130: interrupted).
    stderr:
        Everything the binary wrote on stderr.
    command:
        The command line that was run.
    """

    def __init__(self, message: str, returncode: int, stderr: str, command: Sequence[str]) -> None:
        """Build the error; ``message`` is the binary's ``error:`` line(s) or last line."""
        super().__init__(f"spinesim exited with status {returncode}: {message}")
        self.message = message
        self.returncode = returncode
        self.stderr = stderr
        self.command = list(command)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _search_upward(start: Path) -> Iterable[Path]:
    start = start.resolve()
    if start.is_file():
        start = start.parent
    yield start
    yield from start.parents


def find_binary(*starts: PathLike) -> Path:
    """The ``spinesim`` binary to run.

    In order: the environment variable ``SPINESIM_BIN``; ``spinesim`` on
    ``PATH``; ``.build/release/spinesim`` in the nearest directory at or
    above each of ``starts`` (typically the experiment file) and then the
    current directory; last, ``.build/debug/spinesim`` searched the same way.

    Raises
    ------
    FileNotFoundError
        ``SPINESIM_BIN`` names no executable file, or no binary was found.
    """
    from_env = os.environ.get(BINARY_ENV)
    if from_env:
        path = Path(from_env)
        if not _is_executable(path):
            raise FileNotFoundError(f"{BINARY_ENV}={from_env}: no executable file there")
        return path
    on_path = shutil.which("spinesim")
    if on_path:
        return Path(on_path)
    roots: List[Path] = []
    for start in [*starts, Path.cwd()]:
        for directory in _search_upward(Path(start)):
            if directory not in roots:
                roots.append(directory)
    for product in BUILD_PRODUCTS:
        for root in roots:
            candidate = root / product
            if _is_executable(candidate):
                return candidate
    raise FileNotFoundError(
        f"no spinesim binary: set {BINARY_ENV}, put spinesim on PATH, or build it "
        f"(make release) so that one of {', '.join(BUILD_PRODUCTS)} exists in the "
        "repository holding the experiment file or the current directory"
    )


_FLOW_SPECIAL = set(",[]{}:#&*!|>'\"%@`")


def format_value(value: Any, *, nested: bool = False) -> str:
    """A Python value as the right-hand side of ``--set key=value`` (YAML flow style).

    ``True``/``False`` → ``true``/``false``; ``None`` → ``null``; integers and
    floats as Python prints them (``0.1``, ``1e-05``); lists and tuples (and
    numpy arrays) → ``[1, 2]``; dicts → ``{a: 1}``. A string at the top level
    is passed as written (it may itself be YAML); a string inside a list or
    dict is quoted when YAML would otherwise misread it.

    Raises
    ------
    ValueError
        A float that is not finite (SpineSim refuses them).
    TypeError
        A value of another type.
    """
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy scalars and arrays
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r}: not a finite number")
        return repr(value)
    if isinstance(value, str):
        if not nested:
            return value
        needs_quotes = (
            value == ""
            or value != value.strip()
            or any(c in _FLOW_SPECIAL for c in value)
            or value.lower() in ("true", "false", "null", "~", "yes", "no", "on", "off")
        )
        if not needs_quotes:
            try:
                float(value)
                needs_quotes = True  # "1" must stay text
            except ValueError:
                pass
        if needs_quotes:
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return value
    if isinstance(value, Mapping):
        items = (f"{format_value(k, nested=True)}: {format_value(v, nested=True)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v, nested=True) for v in value) + "]"
    raise TypeError(f"{value!r}: cannot be passed to --set (type {type(value).__name__})")


def override_arguments(overrides: Mapping[str, Any]) -> List[str]:
    """``--set`` arguments for keyword overrides.

    A key's double underscores become dots (``session__trials=3`` →
    ``--set session.trials=3``); keys that already contain dots are kept.
    """
    args: List[str] = []
    for key, value in overrides.items():
        path = key.replace("__", ".")
        args += ["--set", f"{path}={format_value(value)}"]
    return args


def _pump(source: IO[bytes], sink: Optional[IO[str]], keep: List[str]) -> None:
    """Copy a child's stream to ``sink`` as it comes (progress lines use ``\\r``), keeping the text."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    fd = source.fileno()
    while True:
        chunk = os.read(fd, 8192)
        text = decoder.decode(chunk, final=not chunk)
        if text:
            keep.append(text)
            if sink is not None:
                try:
                    sink.write(text)
                    sink.flush()
                except (ValueError, OSError):  # a closed sink must not stop the child
                    pass
        if not chunk:
            break


def _error_message(stderr: str) -> str:
    lines = [line.strip() for line in stderr.replace("\r", "\n").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    if errors:
        return "\n".join(errors)
    return lines[-1] if lines else "(no message on stderr)"


def run(
    experiment: PathLike,
    out: Optional[PathLike] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    force: bool = False,
    quiet: bool = False,
    **overrides: Any,
) -> Run:
    """Run an experiment file with the ``spinesim`` binary and read its results.

    Parameters
    ----------
    experiment:
        The experiment file (YAML), e.g. ``"Experiments/stdp.yaml"``.
    out:
        The run directory (``--out``). By default a new temporary directory,
        which is left in place for the caller (``run.path``).
    seed:
        The run seed (``--seed``); the file's seed by default.
    threads:
        Worker threads (``--threads``); by default the CPUs the process may use (its affinity mask, at most ``SLURM_CPUS_PER_TASK``).
    force:
        Replace a previous run in ``out`` (``--force``).
    quiet:
        Pass ``--quiet`` and do not echo the binary's stderr (it is still kept
        for :class:`SpinesimError`).
    **overrides:
        Settings, each passed as ``--set key.path=value``: a double underscore
        in a keyword stands for a dot (``pairing__pairs=30``); a dict given as
        ``overrides={"pairing.pairs": 30}`` is used with its keys as written.
        Values are formatted by :func:`format_value`.

    The binary is found by :func:`find_binary`. Its progress (stderr) is
    streamed to ``sys.stderr`` and its stdout to ``sys.stdout`` as it runs.

    Returns
    -------
    Run
        :func:`read_run` of the run directory.

    Raises
    ------
    SpinesimError
        The binary exited with a non-zero status (its message and status attached).
    FileNotFoundError
        No binary was found.
    """
    settings: Dict[str, Any] = {}
    explicit = overrides.pop("overrides", None)
    if explicit is not None:
        if not isinstance(explicit, Mapping):
            raise TypeError("overrides= must be a mapping of key paths to values")
        settings.update({str(k): v for k, v in explicit.items()})
    settings.update(overrides)

    binary = find_binary(experiment)
    if out is None:
        out = tempfile.mkdtemp(prefix="spinesim-run-")
    command = [str(binary), "run", os.fspath(experiment), "--out", os.fspath(out)]
    if seed is not None:
        command += ["--seed", str(int(seed))]
    if threads is not None:
        command += ["--threads", str(int(threads))]
    if force:
        command.append("--force")
    if quiet:
        command.append("--quiet")
    command += override_arguments(settings)

    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr_text: List[str] = []
    stdout_text: List[str] = []
    assert process.stdout is not None and process.stderr is not None
    pumps = [
        threading.Thread(target=_pump, args=(process.stderr, None if quiet else sys.stderr, stderr_text), daemon=True),
        threading.Thread(target=_pump, args=(process.stdout, None if quiet else sys.stdout, stdout_text), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    try:
        returncode = process.wait()
    except BaseException:
        # KeyboardInterrupt: let the binary stop cleanly (it checkpoints on SIGINT).
        process.terminate()
        process.wait()
        raise
    finally:
        for pump in pumps:
            pump.join()
        process.stdout.close()
        process.stderr.close()
    stderr = "".join(stderr_text)
    if returncode != 0:
        raise SpinesimError(_error_message(stderr), returncode, stderr, command)
    return read_run(out)
