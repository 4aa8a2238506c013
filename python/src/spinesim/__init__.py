"""SpineSim from Python: read run directories into pandas, run the binary.

>>> import spinesim
>>> run = spinesim.read_run("Results/memory-stability")
>>> run.retention.head()          # retention.csv as a DataFrame
>>> run.summary["conditions"]     # summary.json
>>> run.config["dendrites"]       # the resolved configuration
>>> spinesim.run("Experiments/stdp.yaml", pairing__pairs=30)   # runs spinesim
"""

from ._gallery import example_setup
from ._read import Run, overrides_from_command, read_run, read_sweep
from ._run import SpinesimError, find_binary, format_value, override_arguments, run

__version__ = "0.1.0"

__all__ = [
    "Run",
    "SpinesimError",
    "example_setup",
    "find_binary",
    "format_value",
    "override_arguments",
    "overrides_from_command",
    "read_run",
    "read_sweep",
    "run",
]
