"""Designs and suites, read from tests/bench/suites.toml: a new run is a table there, not a new script.

A design is something to deploy: a Terraform root (`relay` or `fifo`: Baton's stacks; `bench`: the bench-only
root on the relay stack's infrastructure), its variables, and how a run is started (`invoke`: one
asynchronous invoke, as the schedule would; `enable_mapping`: turn the event source mapping on; `schedule`:
nothing, the EventBridge schedule starts it; `poll`: the harness stands in for a FIFO mapping that mixes
message groups in a batch, see `poller`). A `matrix` table expands one design into one per value
(`matrix = { workers = [1, 2, 4] }` gives `name[workers=1]`, ...), each value set as a Terraform variable.
`environment = { workers = "BATON_WORKERS" }` passes a variable to the function as that environment variable
(through the stack's `extra_environment_variables`) instead, for a setting the stack has no variable for yet;
once it has, deleting that line makes the same value a Terraform variable.

A suite names a kind of run (`drain`, `fifo_stall`, `soak`), the designs it runs, and the kind's settings.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SUITES_FILE = Path(__file__).resolve().parents[1] / "suites.toml"
ROOTS = ("relay", "fifo", "bench")
STARTS = ("invoke", "enable_mapping", "schedule", "poll")
KINDS = ("drain", "fifo_stall", "soak")


class SpecError(ValueError):
    """suites.toml is wrong; the message lists every problem."""


@dataclass(frozen=True)
class Design:
    """One deployable design."""

    name: str
    description: str
    root: str
    start: str
    variables: dict[str, Any] = field(default_factory=dict)
    mapping: bool = False
    """Consumed by an event source mapping (or the harness's stand-in for one): the function makes no SQS call
    of its own, and the mapping's happen inside LocalStack, unlogged (the stand-in's are the harness's)."""
    wait_time_seconds: float = 10.0
    """Longest a run can still be busy after the queue is empty (a final empty long poll)."""
    message_groups: int | None = None
    """FIFO: the harness enqueues EventBridge-shaped messages itself, spread over this many MessageGroupIds
    (objects uploaded under the stack's excluded prefix, so its own route does not announce them too). A
    matrix may vary it like a variable (`matrix = { message_groups = [1, 4] }`); it stays the harness's."""

    @property
    def slug(self) -> str:
        """A Terraform-name-safe form of the name (`baton-relay-workers-4`)."""
        cleaned = "".join(c if c.isalnum() else "-" for c in self.name.lower())
        return "-".join(part for part in cleaned.split("-") if part)


@dataclass(frozen=True)
class Suite:
    """A kind of run over some designs, with the kind's settings."""

    name: str
    kind: str
    description: str
    designs: tuple[Design, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def only(self, names: list[str]) -> tuple[Suite, list[str]]:
        """This suite with the designs `names` select, and the names that select none. A name is a design's
        full name (`relay-50ms[workers=8]`) or a matrix design's base name (`relay-50ms`: all its points)."""
        chosen = [d for d in self.designs if any(_selects(name, d.name) for name in names)]
        unknown = [name for name in names if not any(_selects(name, d.name) for d in self.designs)]
        return replace(self, designs=tuple(chosen)), unknown


def _selects(name: str, design: str) -> bool:
    return design == name or design.startswith(f"{name}[")


def _expand(name: str, table: dict[str, Any], problems: list[str]) -> list[Design]:
    where = f"designs.{name}"
    root, start = table.get("root"), table.get("start", "invoke")
    if root not in ROOTS:
        problems.append(f"{where}.root must be one of {', '.join(ROOTS)}, not {root!r}")
    if start not in STARTS:
        problems.append(f"{where}.start must be one of {', '.join(STARTS)}, not {start!r}")
    unknown = set(table) - {
        "description",
        "root",
        "start",
        "variables",
        "matrix",
        "mapping",
        "wait_time_seconds",
        "environment",
        "message_groups",
    }
    problems.extend(f"{where}: unknown key {key!r}" for key in sorted(unknown))
    variables = dict(table.get("variables", {}))
    matrix: dict[str, list[Any]] = table.get("matrix", {})
    environment: dict[str, str] = table.get("environment", {})
    for key, variable in environment.items():
        if not isinstance(variable, str) or not variable.isupper():
            problems.append(f"{where}.environment.{key} must name an environment variable (upper case)")
    for key, values in matrix.items():
        if not isinstance(values, list) or not values:
            problems.append(f"{where}.matrix.{key} must be a non-empty list")
    groups = table.get("message_groups")
    for value in [groups, *(matrix.get("message_groups") or [])]:
        if value is not None and (not isinstance(value, int) or value < 1 or root != "fifo"):
            problems.append(f"{where}.message_groups must be a whole number >= 1, on the fifo root")
            break
    if problems:
        return []
    common = {
        "description": str(table.get("description", "")),
        "root": str(root),
        "start": str(start),
        "mapping": bool(table.get("mapping", start in ("enable_mapping", "poll"))),
        "wait_time_seconds": float(table.get("wait_time_seconds", variables.get("wait_time_seconds", 10))),
    }
    keys = sorted(matrix)
    designs = []
    for values in itertools.product(*(matrix[key] for key in keys)):  # one empty product without a matrix
        chosen = dict(zip(keys, values, strict=True))
        label = ",".join(f"{key}={value}" for key, value in chosen.items())
        design_groups = chosen.pop("message_groups", groups)  # the harness's, not a Terraform variable
        designs.append(
            Design(
                name=f"{name}[{label}]" if label else name,
                variables=as_environment({**variables, **chosen}, environment),
                message_groups=design_groups,
                **common,
            )
        )
    return designs


def as_environment(variables: dict[str, Any], environment: dict[str, str]) -> dict[str, Any]:
    """`variables` with those named in `environment` moved into `extra_environment_variables` (as strings)."""
    moved = {name: variables[key] for key, name in environment.items() if key in variables}
    if not moved:
        return variables
    kept = {key: value for key, value in variables.items() if key not in environment}
    extra = {**kept.get("extra_environment_variables", {}), **{k: str(v) for k, v in moved.items()}}
    return {**kept, "extra_environment_variables": extra}


def load(path: Path = SUITES_FILE) -> dict[str, Suite]:
    """Every suite in the file, with its designs expanded; raises `SpecError` listing every problem."""
    return parse(tomllib.loads(path.read_text()))


def parse(document: dict[str, Any]) -> dict[str, Suite]:
    """Suites from a parsed TOML document."""
    problems: list[str] = []
    designs: dict[str, list[Design]] = {}
    for name, table in document.get("designs", {}).items():
        designs[name] = _expand(name, table, problems)
    suites: dict[str, Suite] = {}
    for name, table in document.get("suites", {}).items():
        kind = table.get("kind")
        if kind not in KINDS:
            problems.append(f"suites.{name}.kind must be one of {', '.join(KINDS)}, not {kind!r}")
        chosen: list[Design] = []
        for design in table.get("designs", []):
            if design not in designs:
                problems.append(f"suites.{name} names an unknown design {design!r}")
            else:
                chosen.extend(designs[design])
        if not chosen:
            problems.append(f"suites.{name} has no designs")
        settings = {k: v for k, v in table.items() if k not in {"kind", "description", "designs"}}
        suites[name] = Suite(name, str(kind), str(table.get("description", "")), tuple(chosen), settings)
    if problems:
        raise SpecError("suites.toml: " + "; ".join(problems))
    return suites
