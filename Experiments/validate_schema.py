"""Validate experiment and sweep files against the committed JSON Schema.

    python Experiments/validate_schema.py [FILE.yaml ...]

Without arguments: every Experiments/*.yaml and examples/*.yaml. Each file
must start with the yaml-language-server line that points editors at
docs/spinesim.schema.json, and must validate against it; as a check of the
schema itself, a shipped file with one unknown key added must be rejected,
and a shipped memory file must be accepted when initial_state (either form)
replaces its dendrites and initial_population, and rejected with both.
Exit status 1 on any failure (make test runs this script).
"""

import argparse
import copy
import json
import os
import re
import sys
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "docs" / "spinesim.schema.json"


class CoreLoader(yaml.SafeLoader):
    """YAML 1.2 core schema numbers (as spinesim reads them): PyYAML's
    YAML 1.1 resolver reads 1e-3 (no dot) as text."""


CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"),
    list("-+0123456789."),
)


def schema_line(path: Path) -> str:
    """The first line a file at `path` must have."""
    relative = os.path.relpath(SCHEMA, path.resolve().parent)
    return f"# yaml-language-server: $schema={relative}"


def problems(path: Path, validator: jsonschema.protocols.Validator) -> list:
    text = path.read_text(encoding="utf-8")
    found = []
    if text.splitlines()[0] != schema_line(path):
        found.append(f"{path}: the first line must be «{schema_line(path)}»")
    document = yaml.load(text, Loader=CoreLoader)
    for error in validator.iter_errors(document):
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        found.append(f"{path}: {where}: {error.message}")
    mutated = copy.deepcopy(document)
    mutated["no_such_key"] = 1
    if validator.is_valid(mutated):
        found.append(f"{path}: the schema accepts the file with an unknown key 'no_such_key'")
    if document.get("experiment") == "memory":
        found += initial_state_problems(path, document, validator)
    return found


def initial_state_problems(path: Path, document: dict, validator) -> list:
    """A memory file started from another run (initial_state, in its text
    and its mapping form, instead of dendrites and initial_population) must
    be accepted; initial_state beside dendrites must be rejected."""
    found = []
    started = {k: v for k, v in document.items() if k not in ("dendrites", "initial_population")}
    for form in ("Results/memory-stability", {"run": "Results/memory-stability", "condition": "learning_noise_on"}):
        for error in validator.iter_errors({**started, "initial_state": form}):
            found.append(f"{path} with initial_state: {form!r}: {error.message}")
    if "dendrites" in document and validator.is_valid({**document, "initial_state": "Results/memory-stability"}):
        found.append(f"{path}: the schema accepts initial_state beside dendrites")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or sorted(ROOT.glob("Experiments/*.yaml")) + sorted(ROOT.glob("examples/*.yaml"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    found = [problem for path in files for problem in problems(path, validator)]
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"{len(files)} files checked against {SCHEMA.relative_to(ROOT)}: {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
