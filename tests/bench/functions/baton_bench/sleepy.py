"""A processor that stands for an external API: the default processor, plus a fixed wait per object.

It records exactly what the default processor records (one GetObject, one conditional PutItem per object
version) and then sleeps `BATON_BENCH_SLEEP_SECONDS` (default 0.05), as if it had called a service that takes
that long to answer. The work is I/O-bound, so it shows what parallel workers buy when the time goes into
waiting rather than CPU.

`BATON_PROCESSOR=baton_bench.sleepy:process` (packaged with the bench artifact only).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from consumer.processors.digest import DigestProcessor
from relay_common.errors import ConfigurationError

if TYPE_CHECKING:
    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext, ProcessorResult, ProcessorSettings

DEFAULT_SLEEP_SECONDS = 0.05
MAX_SLEEP_SECONDS = 60.0


def sleep_seconds(environment: dict[str, str] | None) -> float:
    """`BATON_BENCH_SLEEP_SECONDS` (0-60), or the default; raises `ConfigurationError` for anything else."""
    text = (environment or {}).get("BATON_BENCH_SLEEP_SECONDS", "").strip()
    if not text:
        return DEFAULT_SLEEP_SECONDS
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(f"BATON_BENCH_SLEEP_SECONDS={text!r} is not a number") from None
    if not 0 <= value <= MAX_SLEEP_SECONDS:
        raise ConfigurationError(
            f"BATON_BENCH_SLEEP_SECONDS={text!r} must be between 0 and {MAX_SLEEP_SECONDS:g}"
        )
    return value


class SleepyProcessor(DigestProcessor):
    """The digest processor, then a fixed sleep standing for an external call."""

    sleep = DEFAULT_SLEEP_SECONDS

    def setup(self, settings: ProcessorSettings) -> None:
        """The digest processor's setup, and the sleep from the environment."""
        super().setup(settings)
        self.sleep = sleep_seconds(dict(settings.environment))

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        """Record the object as the default processor does, then wait like an external API."""
        result = super().process(obj, context)
        time.sleep(self.sleep)
        return result


process = SleepyProcessor()
"""`BATON_PROCESSOR=baton_bench.sleepy:process`."""
