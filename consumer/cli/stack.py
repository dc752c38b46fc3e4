"""Finding a deployment's resources: Terraform stack outputs, an outputs file, or explicit options.

`--stack DIR` runs `terraform -chdir=DIR output -json` on a deployed stack directory; `--outputs FILE` reads
what that command printed (or a flat `{"name": "value"}` object). Explicit options (`--queue-url`,
`--dlq-url`, `--bucket`, `--function`, `--table`) override the stack's values, or stand alone.

Outputs are strings, except `message_groups` (the FIFO stack's key prefix -> MessageGroupId map), which is an
object of strings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consumer.cli.aws import CliError

if TYPE_CHECKING:
    import argparse

TERRAFORM_TIMEOUT = 120.0
VARIANTS = ("relay", "fifo")
MAP_OUTPUTS = frozenset({"message_groups"})
"""Outputs whose value is an object of strings rather than a string."""
_TERRAFORM_ENTRY = frozenset({"value", "type", "sensitive", "ephemeral"})

# Stack output name -> Stack field, and the option that overrides it.
OUTPUTS: dict[str, tuple[str, str | None]] = {
    "bucket_name": ("bucket", "--bucket"),
    "queue_url": ("queue_url", "--queue-url"),
    "queue_arn": ("queue_arn", None),
    "dlq_url": ("dlq_url", "--dlq-url"),
    "dlq_arn": ("dlq_arn", None),
    "delivery_dlq_url": ("delivery_dlq_url", None),
    "function_name": ("function", "--function"),
    "results_table_name": ("results_table", "--table"),
    "idempotency_table_name": ("idempotency_table", "--idempotency-table"),
    "variant": ("variant", None),
    "aws_region": ("region", None),
    "message_group_id": ("message_group_id", None),
    "message_groups": ("message_groups", None),
}

OutputValue = str | dict[str, str]


@dataclass(frozen=True, slots=True)
class Stack:
    """The resources of one deployment (any may be unknown)."""

    source: str
    """Where the values came from: a stack directory, an outputs file, or `options`."""
    bucket: str | None = None
    queue_url: str | None = None
    queue_arn: str | None = None
    dlq_url: str | None = None
    dlq_arn: str | None = None
    delivery_dlq_url: str | None = None
    """FIFO: the queue that keeps events EventBridge could not deliver to the queue."""
    function: str | None = None
    results_table: str | None = None
    idempotency_table: str | None = None
    variant: str | None = None
    region: str | None = None
    """The region the stack was deployed to (its `aws_region` output)."""
    message_group_id: str | None = None
    """FIFO: the MessageGroupId of every key no `message_groups` prefix claims."""
    message_groups: tuple[tuple[str, str], ...] | None = None
    """FIFO: (key prefix, MessageGroupId) pairs, sorted by prefix; None when the stack has no such output."""

    @property
    def kind(self) -> str:
        """`relay` or `fifo`: the `variant` output, else guessed from the queue's name."""
        if self.variant:
            return self.variant
        return "fifo" if (self.queue_url or "").endswith(".fifo") else "relay"

    def require(self, field: str) -> str:
        """A value the command cannot do without; a `CliError` saying how to give it when missing."""
        value = getattr(self, field)
        if value:
            return str(value)
        output = next(name for name, (attribute, _) in OUTPUTS.items() if attribute == field)
        option = OUTPUTS[output][1]
        how = f"pass {option} or " if option else "pass "
        raise CliError(f"no {field.replace('_', ' ')} known: {how}--stack/--outputs with output {output!r}")


def discover(args: argparse.Namespace) -> Stack:
    """The one stack the options name."""
    return _discover(args, many=False)[0]


def discover_many(args: argparse.Namespace) -> list[Stack]:
    """One or more stacks (`--stack`/`--outputs` repeated)."""
    return _discover(args, many=True)


def _discover(args: argparse.Namespace, *, many: bool) -> list[Stack]:
    stacks = [from_outputs(parse_outputs(terraform_outputs(d), d), d) for d in _list(args, "stack")]
    for name in _list(args, "outputs"):
        stacks.append(from_outputs(parse_outputs(read_outputs_file(name), name), name))
    overrides = {
        attribute: getattr(args, attribute)
        for attribute, option in OUTPUTS.values()
        if option and getattr(args, attribute, None)
    }
    if len(stacks) > 1:
        if not many:
            raise CliError("this command works on one stack: give one --stack or --outputs")
        if overrides:
            given = ", ".join(sorted(_option(attribute) for attribute in overrides))
            raise CliError(f"{given} cannot be combined with several stacks: give one stack")
        return stacks
    if stacks:
        return [replace(stacks[0], **overrides)]
    return [Stack(source="options", **overrides)]


def _list(args: argparse.Namespace, name: str) -> list[str]:
    value = getattr(args, name, None)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _option(attribute: str) -> str:
    return next(option for field, option in OUTPUTS.values() if field == attribute and option)


def terraform_outputs(directory: str) -> Any:
    """`terraform -chdir=DIR output -json`, parsed."""
    path = Path(directory)
    if not path.is_dir():
        raise CliError(f"stack directory {directory} does not exist")
    terraform = shutil.which("terraform")
    if terraform is None:
        raise CliError(
            "terraform is not on PATH: install it, or run `terraform output -json > outputs.json` where it "
            "is and pass --outputs outputs.json"
        )
    try:
        completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [terraform, f"-chdir={path}", "output", "-json"],
            capture_output=True,
            text=True,
            timeout=TERRAFORM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CliError(
            f"`terraform output` in {directory} did not finish in {TERRAFORM_TIMEOUT:g}s"
        ) from None
    if completed.returncode != 0:
        reason = _first_line(completed.stderr) or f"exit status {completed.returncode}"
        raise CliError(f"`terraform output` failed in {directory}: {reason}")
    try:
        return json.loads(completed.stdout or "{}")
    except json.JSONDecodeError:
        raise CliError(f"`terraform output -json` in {directory} did not print JSON") from None


def read_outputs_file(name: str) -> Any:
    """The JSON of an outputs file (`-` reads standard input)."""
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text()
    except FileNotFoundError:
        raise CliError(f"outputs file {name} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read outputs file {name}: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(
            f"outputs file {name} is not JSON ({error.msg} at line {error.lineno}); "
            "write it with `terraform output -json`"
        ) from None


def parse_outputs(raw: Any, source: str) -> dict[str, OutputValue]:
    """Output name -> value (a string, or an object of strings for `MAP_OUTPUTS`), from
    `terraform output -json` or a flat object."""
    if not isinstance(raw, dict):
        raise CliError(f"outputs from {source} are a JSON {type(raw).__name__}, not an object of outputs")
    if not raw:
        raise CliError(
            f"{source} has no outputs: is the stack deployed (terraform apply) and its state reachable?"
        )
    values: dict[str, OutputValue] = {}
    for name, entry in raw.items():
        value = _output_value(entry)
        if value is None:
            continue
        if name in MAP_OUTPUTS:
            values[name] = _string_map(value, name, source)
            continue
        if name in OUTPUTS and not isinstance(value, str):
            raise CliError(f"output {name!r} from {source} is not a string")
        if isinstance(value, str):
            values[name] = value
    if not any(name in values for name in OUTPUTS):
        known = ", ".join(sorted(raw)[:6])
        raise CliError(f"{source} has none of Baton's stack outputs (queue_url, bucket_name, ...): {known}")
    return values


def _output_value(entry: Any) -> Any:
    """The value of one output: `{"value": ..., "type": ..., "sensitive": ...}` from terraform, else as is."""
    if isinstance(entry, dict) and "value" in entry and set(entry) <= _TERRAFORM_ENTRY:
        return entry["value"]
    return entry


def _string_map(value: Any, name: str, source: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise CliError(f"output {name!r} from {source} is not an object of strings")
    return dict(value)


def from_outputs(values: dict[str, OutputValue], source: str) -> Stack:
    """A `Stack` from parsed outputs."""
    variant = values.get("variant")
    if variant is not None and variant not in VARIANTS:
        raise CliError(f"output 'variant' from {source} is {variant!r}, not one of {', '.join(VARIANTS)}")
    known = {field.name for field in fields(Stack)}
    found: dict[str, Any] = {
        attribute: values[name]
        for name, (attribute, _) in OUTPUTS.items()
        if name in values and attribute in known
    }
    groups = found.get("message_groups")
    if isinstance(groups, dict):
        found["message_groups"] = tuple(sorted(groups.items()))
    return Stack(source=source, **found)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        cleaned = line.strip("│╷╵ \t")
        if cleaned:
            return cleaned
    return ""
