"""The bench's 50 ms processor records like the default processor, then waits the configured time."""

from __future__ import annotations

from typing import Any

import pytest

from consumer.processors.digest import DigestProcessor
from relay_common.errors import ConfigurationError
from relay_common.processor import ProcessorResult, Status
from tests.bench.functions.baton_bench import sleepy


def test_the_sleep_comes_from_the_environment_with_a_default() -> None:
    assert sleepy.sleep_seconds({}) == sleepy.DEFAULT_SLEEP_SECONDS == 0.05
    assert sleepy.sleep_seconds({"BATON_BENCH_SLEEP_SECONDS": " 0.2 "}) == 0.2
    for bad in ("soon", "-1", "61"):
        with pytest.raises(ConfigurationError, match="BATON_BENCH_SLEEP_SECONDS"):
            sleepy.sleep_seconds({"BATON_BENCH_SLEEP_SECONDS": bad})


def test_it_records_first_then_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    recorded = ProcessorResult(Status.RECORDED, details={"size": 3})

    def record(self: DigestProcessor, obj: object, context: object) -> ProcessorResult:
        calls.append("record")
        return recorded

    monkeypatch.setattr(DigestProcessor, "process", record)
    monkeypatch.setattr(sleepy.time, "sleep", lambda seconds: calls.append(("sleep", seconds)))
    processor = sleepy.SleepyProcessor()
    processor.sleep = 0.05
    assert processor.process(object(), object()) is recorded  # type: ignore[arg-type]
    assert calls == ["record", ("sleep", 0.05)]
    assert isinstance(sleepy.process, sleepy.SleepyProcessor)
