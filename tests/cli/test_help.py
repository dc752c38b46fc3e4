"""`--help` for every command, and the output formatting."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from consumer.cli import ui

if TYPE_CHECKING:
    from tests.cli.conftest import Runner

COMMANDS = [
    [],
    ["status"],
    ["send"],
    ["backfill"],
    ["drain"],
    ["dlq"],
    ["dlq", "peek"],
    ["dlq", "redrive"],
    ["try"],
    ["smoke"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "baton")
def test_help(baton: Runner, command: list[str]) -> None:
    result = baton(*command, "--help")

    assert result.code == 0
    assert result.out.startswith(f"usage: baton {' '.join(command)}".rstrip())
    assert "examples:" in result.out
    assert "--endpoint-url URL" in result.out
    if command and command != ["dlq"]:
        assert "--stack DIR" in result.out
        assert "--json" in result.out


def test_connection_options_work_before_and_after_the_command(baton: Runner) -> None:
    before = baton(
        "--region", "eu-west-1", "status", "--queue-url", "https://sqs.us-east-1.amazonaws.com/1/q"
    )
    after = baton("status", "--region", "eu-west-1", "--queue-url", "https://sqs.us-east-1.amazonaws.com/1/q")

    assert before.code == after.code == 1
    assert before.err == after.err
    assert "in region us-east-1, but baton uses eu-west-1" in before.err


def test_no_command_prints_usage(baton: Runner) -> None:
    for argv in ([], ["dlq"]):
        result = baton(*argv)
        assert result.code == 2
        assert "usage: baton" in result.err


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "n/a"), (0.4, "0.4s"), (7, "7s"), (59.6, "1m 00s"), (125, "2m 05s"), (3 * 3600 + 240, "3h 04m")],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert ui.duration(seconds) == text


def test_size_and_abbreviate() -> None:
    assert (ui.size(0), ui.size(1536), ui.size(5 * 1024**3)) == ("0 B", "1.5 KiB", "5.0 GiB")
    assert ui.abbreviate("a\n  b   c", 10) == "a b c"
    assert ui.abbreviate("x" * 20, 8) == "xxxxxxx…"
