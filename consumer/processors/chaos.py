"""A processor for rehearsing failures: the default processor, except for keys that match a pattern.

Keys matching `BATON_CHAOS_FAIL_GLOB` raise an error and keys matching `BATON_CHAOS_HANG_GLOB` hang (like an
external call that never answers) for `BATON_CHAOS_HANG_SECONDS`. It is how the demo and the integration tests
replay the FIFO stall scenario on a real deployment; set `BATON_PROCESSOR=consumer.processors.chaos:process`.
"""

from __future__ import annotations

import os
import time
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from consumer.processors import digest
from relay_common.errors import ConfigurationError

if TYPE_CHECKING:
    from relay_common.events import ObjectRef
    from relay_common.processing import ProcessingContext

DEFAULT_FAIL_GLOB = "*fail-on-purpose*"
DEFAULT_HANG_GLOB = "*hang-on-purpose*"
DEFAULT_HANG_SECONDS = 900.0


class ChaosError(RuntimeError):
    """The failure the chaos processor raises on purpose."""


def setup() -> None:
    """Called once at cold start by the processor loader."""
    digest.setup()
    _hang_seconds()


def _hang_seconds() -> float:
    raw = os.environ.get("BATON_CHAOS_HANG_SECONDS", "").strip()
    try:
        seconds = float(raw) if raw else DEFAULT_HANG_SECONDS
    except ValueError:
        raise ConfigurationError(f"BATON_CHAOS_HANG_SECONDS={raw!r} is not a number") from None
    if seconds <= 0:
        raise ConfigurationError(f"BATON_CHAOS_HANG_SECONDS={raw!r} must be positive")
    return seconds


def process(obj: ObjectRef, ctx: ProcessingContext) -> dict[str, Any]:
    """Fail or hang on matching keys; otherwise run the default processor."""
    if fnmatchcase(obj.key, os.environ.get("BATON_CHAOS_FAIL_GLOB") or DEFAULT_FAIL_GLOB):
        raise ChaosError(f"failing on purpose for {obj.uri}")
    if fnmatchcase(obj.key, os.environ.get("BATON_CHAOS_HANG_GLOB") or DEFAULT_HANG_GLOB):
        time.sleep(_hang_seconds())  # an external call that does not answer
    return digest.process(obj, ctx)
