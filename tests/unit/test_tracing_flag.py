"""BATON_TRACING has one parser: the settings read it like every other flag, and the Tracer is created exactly
when those settings say so, for every spelling a flag accepts."""

from __future__ import annotations

from typing import Any

import aws_lambda_powertools.tracing
import pytest

from consumer import fifo_handler, relay_handler
from consumer.processors import DEFAULT
from relay_common.config import EnvReader, FifoSettings, RelaySettings
from relay_common.observability import instrument

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/baton"
SPELLINGS = {"yes": True, "no": False, "on": True, "off": False, "true": True, "false": False, "1": True}
SPELLINGS |= {"0": False, "YES": True, "Off": False, " true ": True}


class RecordingTracer:
    """Stands in for Powertools' Tracer (no X-Ray here): counts how often one was created."""

    created = 0

    def __init__(self, **_: Any) -> None:
        RecordingTracer.created += 1

    def capture_lambda_handler(self, handler: Any) -> Any:
        return handler


@pytest.fixture
def tracer(monkeypatch: pytest.MonkeyPatch) -> type[RecordingTracer]:
    RecordingTracer.created = 0
    monkeypatch.setattr(aws_lambda_powertools.tracing, "Tracer", RecordingTracer)
    return RecordingTracer


class Consumer:
    """What a handler module's `_entry` needs of its consumer: settings and `handle`."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def handle(self, event: Any, context: Any) -> dict[str, Any]:
        return {}


@pytest.mark.parametrize(("spelling", "on"), SPELLINGS.items())
def test_settings_and_the_tracer_agree_on_every_spelling(
    spelling: str, on: bool, tracer: type[RecordingTracer]
) -> None:
    environ = {"BATON_QUEUE_URL": QUEUE, "BATON_TRACING": spelling}
    assert EnvReader(environ).flag("BATON_TRACING", not on) is on
    relay = RelaySettings.from_env(environ, default_processor=DEFAULT)
    fifo = FifoSettings.from_env(environ, default_processor=DEFAULT)
    assert relay.core.tracing is on
    assert fifo.core.tracing is on

    # Each handler module instruments its consumer from those settings, and nothing else.
    relay_handler._entry(Consumer(relay))  # type: ignore[arg-type]
    fifo_handler._entry(Consumer(fifo))  # type: ignore[arg-type]
    assert tracer.created == (2 if on else 0)


def test_without_the_setting_there_is_no_tracer(tracer: type[RecordingTracer]) -> None:
    settings = RelaySettings.from_env({"BATON_QUEUE_URL": QUEUE}, default_processor=DEFAULT)
    assert settings.core.tracing is False
    instrument(lambda event, context: None, tracing=settings.core.tracing)
    assert tracer.created == 0


def test_a_spelling_no_flag_accepts_is_a_configuration_error() -> None:
    env = EnvReader({"BATON_TRACING": "enabled"})
    assert env.flag("BATON_TRACING", False) is False
    assert env.errors == ["BATON_TRACING='enabled' is not a boolean (use true/false, on/off, yes/no or 1/0)"]
