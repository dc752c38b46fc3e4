"""A processor for rehearsing failures: the default processor, except where it fails or hangs on purpose.

Two ways to choose the victims, combinable:

* by key: keys matching `BATON_CHAOS_FAIL_GLOB` raise and keys matching `BATON_CHAOS_HANG_GLOB` hang (like an
  external call that never answers) for `BATON_CHAOS_HANG_SECONDS`; this is how the demo and the end-to-end
  tests replay the FIFO stall scenario;
* at random but repeatably: `BATON_CHAOS_FAIL_RATE` and `BATON_CHAOS_HANG_RATE` (0-1) fail or hang that
  fraction of attempts. Each decision is a hash of `BATON_CHAOS_SEED`, the object version and the receive
  count, so the same seed picks the same attempts again (a soak can be replayed) and a retried object gets a
  fresh draw.

Set `BATON_PROCESSOR=consumer.processors.chaos:process`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from consumer.processors.digest import DigestProcessor
from relay_common.config import EnvReader

if TYPE_CHECKING:
    from collections.abc import Mapping

    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext, ProcessorResult, ProcessorSettings

DEFAULT_FAIL_GLOB = "*fail-on-purpose*"
DEFAULT_HANG_GLOB = "*hang-on-purpose*"
DEFAULT_HANG_SECONDS = 900.0


class ChaosError(RuntimeError):
    """The failure the chaos processor raises on purpose."""


class Fault(StrEnum):
    """What the chaos processor does to one attempt."""

    NONE = "none"
    FAIL = "fail"
    HANG = "hang"


@dataclass(frozen=True, slots=True)
class ChaosSettings:
    """Which attempts fail or hang."""

    fail_glob: str = DEFAULT_FAIL_GLOB
    hang_glob: str = DEFAULT_HANG_GLOB
    hang_seconds: float = DEFAULT_HANG_SECONDS
    fail_rate: float = 0.0
    hang_rate: float = 0.0
    seed: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ChaosSettings:
        """Read `BATON_CHAOS_*`; raises `ConfigurationError` naming every problem."""
        env = EnvReader(environ)
        settings = cls(
            fail_glob=env.string("BATON_CHAOS_FAIL_GLOB", DEFAULT_FAIL_GLOB) or DEFAULT_FAIL_GLOB,
            hang_glob=env.string("BATON_CHAOS_HANG_GLOB", DEFAULT_HANG_GLOB) or DEFAULT_HANG_GLOB,
            hang_seconds=env.number("BATON_CHAOS_HANG_SECONDS", DEFAULT_HANG_SECONDS, minimum=0.001),
            fail_rate=env.number("BATON_CHAOS_FAIL_RATE", 0.0, minimum=0.0, maximum=1.0),
            hang_rate=env.number("BATON_CHAOS_HANG_RATE", 0.0, minimum=0.0, maximum=1.0),
            seed=env.integer("BATON_CHAOS_SEED", 0),
        )
        if settings.fail_rate + settings.hang_rate > 1:
            env.errors.append("BATON_CHAOS_FAIL_RATE + BATON_CHAOS_HANG_RATE must not exceed 1")
        env.raise_if_errors("chaos processor")
        return settings

    def fault(self, obj: ObjectRef, receive_count: int) -> Fault:
        """The fault for this attempt at this object version."""
        if fnmatchcase(obj.key, self.fail_glob):
            return Fault.FAIL
        if fnmatchcase(obj.key, self.hang_glob):
            return Fault.HANG
        if not (self.fail_rate or self.hang_rate):
            return Fault.NONE
        draw = _uniform(f"{self.seed}|{obj.bucket}|{obj.key}|{obj.version_token}|{receive_count}")
        if draw < self.fail_rate:
            return Fault.FAIL
        if draw < self.fail_rate + self.hang_rate:
            return Fault.HANG
        return Fault.NONE


class ChaosProcessor(DigestProcessor):
    """The digest processor with faults on purpose."""

    chaos: ChaosSettings

    def setup(self, settings: ProcessorSettings) -> None:
        """The digest processor's setup, plus the chaos settings."""
        self.chaos = ChaosSettings.from_env(settings.environment)
        super().setup(settings)

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        """Fail or hang when this attempt is picked; otherwise digest and record."""
        fault = self.chaos.fault(obj, context.receive_count)
        if fault is Fault.FAIL:
            raise ChaosError(f"failing on purpose for {obj.uri} (receive {context.receive_count})")
        if fault is Fault.HANG:
            time.sleep(self.chaos.hang_seconds)  # an external call that does not answer
        return super().process(obj, context)


def _uniform(material: str) -> float:
    """A number in [0, 1) determined by `material`."""
    return int.from_bytes(hashlib.sha256(material.encode()).digest()[:8], "big") / 2**64


process = ChaosProcessor()
"""`BATON_PROCESSOR=consumer.processors.chaos:process`."""
