"""What every script of the example gallery (``examples/``) sets up first."""

import argparse
import os
from pathlib import Path
from typing import Optional, Tuple

SIZES = ("full", "smallest")


def example_setup(name: str, file: Optional[str], description: Optional[str] = None) -> Tuple[str, Path, Path]:
    """The size, repository root and output directory of a gallery example.

    Parameters
    ----------
    name:
        The example's experiment (``stdp`` for ``Experiments/stdp.yaml``).
    file:
        The script's ``__file__``, or None in a notebook. A script draws
        without a display (matplotlib's Agg backend) and finds the repository
        from its own place; a notebook from the working directory.
    description:
        The command line's help text (default: run a reduced
        ``Experiments/NAME.yaml`` and draw its figure).

    Returns
    -------
    tuple
        ``SIZE`` (``$SPINESIM_EXAMPLE_SIZE``: ``full``, the default, or
        ``smallest``), ``ROOT`` (the repository: the first directory upwards
        holding ``Experiments/``) and ``OUT`` (``--out DIR``, else
        ``$SPINESIM_EXAMPLE_OUT``, else ``ROOT/examples/out``).

    Raises
    ------
    SystemExit
        An unknown size, or no ``Experiments/`` directory above.
    """
    size = os.environ.get("SPINESIM_EXAMPLE_SIZE", "full")
    if size not in SIZES:
        raise SystemExit(f"SPINESIM_EXAMPLE_SIZE must be 'full' or 'smallest', not {size!r}")
    if file is not None:
        import matplotlib.pyplot as plt

        plt.switch_backend("Agg")
    here = Path(file).resolve().parent if file is not None else Path.cwd()
    root = next((p for p in (here, *here.parents) if (p / "Experiments").is_dir()), None)
    if root is None:
        raise SystemExit(f"no Experiments/ directory above {here}: run the example inside the SpineSim repository")
    parser = argparse.ArgumentParser(description=description or f"Run a reduced Experiments/{name}.yaml and draw its figure.")
    parser.add_argument("--out", default=os.environ.get("SPINESIM_EXAMPLE_OUT", root / "examples" / "out"),
                        help=f"directory for the run (OUT/{name}/) and the figure (OUT/{name}.png)")
    args, _ = parser.parse_known_args()  # a notebook kernel passes its own arguments
    return size, root, Path(args.out)
