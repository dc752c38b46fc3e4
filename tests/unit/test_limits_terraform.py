"""The Terraform pipeline module refuses at plan what the function would refuse at cold start.

`relay_common.limits.LIMITS` is the one table of numeric bounds. From it this module renders a
`terraform test` suite for the pipeline module: a value below the minimum, above the maximum, or a fraction
where only whole numbers are allowed must fail its variable's validation, and each bound itself must pass.
The test here checks that the committed suite is exactly what the table renders, so a bound changed on one
side only fails; `make test-terraform` runs the suite, so a validation that disagrees with the table fails
there.

Regenerate after changing a limit: `python -m tests.unit.test_limits_terraform --write`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from relay_common.limits import LIMITS, Limit

SUITE = Path(__file__).resolve().parents[2] / "terraform/modules/pipeline/tests/limits.tftest.hcl"

BASE_SUITE = SUITE.with_name("pipeline.tftest.hcl")

PREAMBLE = """\
# Generated from relay_common/limits.py by tests/unit/test_limits_terraform.py: do not edit by hand.
# Regenerate with `python -m tests.unit.test_limits_terraform --write`. Each bound of the table must pass
# plan, each value outside it must fail the variable's own validation (and no other). The mocked provider,
# overrides and base variables are those of tests/pipeline.tftest.hcl (the relay stack's defaults).

"""


def header() -> str:
    """The preamble, then the pipeline suite's mocked provider, overrides and variables (before its runs)."""
    base = BASE_SUITE.read_text()
    return PREAMBLE + base[base.index("mock_provider") : base.index('\nrun "') + 1]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


ROOM_ABOVE_MINIMUM = {"time_budget_seconds": 1.0}
"""Limits whose minimum itself conflicts with another setting's minimum (a time budget must exceed the wait
time, which is at least 1): their valid case is this far above the minimum."""


def cases(limit: Limit) -> list[tuple[str, float, bool]]:
    """(run name suffix, value, valid) for one limit."""
    found: list[tuple[str, float, bool]] = []
    step = 1.0 if limit.integer else (0.01 if (limit.minimum or 1) < 1 else 0.5)
    if limit.minimum is not None:
        room = ROOM_ABOVE_MINIMUM.get(limit.variable, 0.0)
        found.append(("at_minimum" if not room else "just_above_minimum", limit.minimum + room, True))
        found.append(("below_minimum", limit.minimum - step, False))
    if limit.maximum is not None:
        found.append(("at_maximum", limit.maximum, True))
        found.append(("above_maximum", limit.maximum + step, False))
    if limit.integer:
        base = limit.minimum if limit.minimum is not None else 0
        found.append(("fraction", base + 1.5, False))
    return found


def _overrides(limit: Limit, value: float) -> dict[str, str]:
    """The variables a case sets: the limit's, and what keeps the other settings' cross-checks satisfied."""
    values = {limit.variable: _number(value)}
    if limit.variable == "time_budget_seconds":
        values["wait_time_seconds"] = "1"
    if limit.variable == "retry_backoff_seconds":
        values["retry_backoff_max_seconds"] = "43200"
    if limit.variable == "retry_backoff_max_seconds":
        values["retry_backoff_seconds"] = "0"
    if limit.variable == "workers":
        values["memory_size"] = "2048"
    return values


def render() -> str:
    """The suite for the current table."""
    blocks = [header()]
    blocks.append(
        "\n".join(
            [
                'run "time_budget_seconds_not_above_wait_time" {',
                "  command = plan",
                "  variables {",
                "    time_budget_seconds = 10",
                "    wait_time_seconds   = 10",
                "  }",
                "  expect_failures = [var.time_budget_seconds]",
                "}",
            ]
        )
        + "\n"
    )
    for limit in LIMITS:
        for suffix, value, valid in cases(limit):
            lines = [f'run "{limit.variable}_{suffix}" {{', "  command = plan", "  variables {"]
            overrides = _overrides(limit, value)
            width = max(len(name) for name in overrides)
            lines += [f"    {name.ljust(width)} = {text}" for name, text in overrides.items()]
            lines.append("  }")
            if not valid:
                lines.append(f"  expect_failures = [var.{limit.variable}]")
            lines.append("}")
            blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def test_the_committed_suite_is_what_the_limits_render() -> None:
    assert SUITE.exists(), f"{SUITE} is missing: run python -m tests.unit.test_limits_terraform --write"
    assert SUITE.read_text() == render(), (
        "terraform/modules/pipeline/tests/limits.tftest.hcl is out of date with relay_common/limits.py: "
        "run python -m tests.unit.test_limits_terraform --write, then make test-terraform"
    )


def test_every_limit_has_a_failing_case() -> None:
    for limit in LIMITS:
        assert any(not valid for _, _, valid in cases(limit)), limit.variable


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        SUITE.parent.mkdir(parents=True, exist_ok=True)
        SUITE.write_text(render())
        print(f"wrote {SUITE}")
    else:
        sys.stdout.write(render())
