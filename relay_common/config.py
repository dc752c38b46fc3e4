"""Settings read from the function's environment and validated once, at cold start.

Every problem found is reported in a single `ConfigurationError`, so one failed deployment shows them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from relay_common.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

DEFAULT_PROCESSOR = "consumer.processors.digest:process"

T = TypeVar("T")


class FailurePolicy(StrEnum):
    """What the FIFO consumer does with the rest of a batch after a message fails."""

    SKIP = "skip"
    """Report only the failed message; later messages of its group are still processed."""
    HOLD_GROUP = "hold_group"
    """Report the failed message and every later message of its group (strict order)."""


class EnvReader:
    """Reads typed values from an environment mapping and collects every error instead of stopping at one."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self.errors: list[str] = []

    def raw(self, name: str) -> str | None:
        """The stripped value of `name`, or None when unset or blank."""
        value = self._environ.get(name, "").strip()
        return value or None

    def string(self, name: str, default: str | None = None) -> str | None:
        """A string value."""
        return self.raw(name) or default

    def _number(self, name: str, default: T, parse: Callable[[str], T], kind: str) -> T:
        raw = self.raw(name)
        if raw is None:
            return default
        try:
            return parse(raw)
        except ValueError:
            self.errors.append(f"{name}={raw!r} is not {kind}")
            return default

    def number(
        self, name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
    ) -> float:
        """A float within [minimum, maximum]."""
        value = self._number(name, default, float, "a number")
        self._check_range(name, value, minimum, maximum)
        return value

    def integer(
        self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        """An int within [minimum, maximum]."""
        value = self._number(name, default, int, "an integer")
        self._check_range(name, value, minimum, maximum)
        return value

    def optional_integer(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """An int within [minimum, maximum], or None when unset."""
        if self.raw(name) is None:
            return None
        return self.integer(name, 0, minimum=minimum, maximum=maximum)

    def optional_number(self, name: str, *, minimum: float | None = None) -> float | None:
        """A float of at least `minimum`, or None when unset or 0."""
        if self.raw(name) is None:
            return None
        value = self.number(name, 0.0, minimum=minimum)
        return value or None

    def flag(self, name: str, default: bool) -> bool:
        """A boolean written as true/false, on/off, yes/no or 1/0."""
        raw = self.raw(name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered in {"1", "true", "on", "yes"}:
            return True
        if lowered in {"0", "false", "off", "no"}:
            return False
        self.errors.append(f"{name}={raw!r} is not a boolean (use true/false, on/off, yes/no or 1/0)")
        return default

    def choice(self, name: str, enum: type[FailurePolicy], default: FailurePolicy) -> FailurePolicy:
        """One of an enum's values."""
        raw = self.raw(name)
        if raw is None:
            return default
        try:
            return enum(raw.lower())
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.errors.append(f"{name}={raw!r} is not one of: {allowed}")
            return default

    def require(self, name: str, value: str | None, why: str) -> str:
        """Record an error when a required value is missing."""
        if value is None:
            self.errors.append(f"{name} is not set: {why}")
            return ""
        return value

    def _check_range(self, name: str, value: float, minimum: float | None, maximum: float | None) -> None:
        if minimum is not None and value < minimum:
            self.errors.append(f"{name}={value:g} is below the minimum of {minimum:g}")
        if maximum is not None and value > maximum:
            self.errors.append(f"{name}={value:g} is above the maximum of {maximum:g}")

    def raise_if_errors(self, what: str) -> None:
        """Raise one `ConfigurationError` listing every problem found."""
        if self.errors:
            problems = "; ".join(self.errors)
            raise ConfigurationError(f"invalid {what} configuration: {problems}")


@dataclass(frozen=True, slots=True)
class CoreSettings:
    """Settings shared by both consumers."""

    queue_url: str
    processor: str = DEFAULT_PROCESSOR
    message_timeout: float = 30.0
    safety_margin: float = 2.0
    deadline_guard: bool = True
    max_receive_count: int | None = None
    idempotency_table: str | None = None
    idempotency_ttl: int = 3600
    tracing: bool = False

    @property
    def queue_name(self) -> str:
        """The queue's name: the last segment of its URL."""
        return self.queue_url.rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def read(cls, env: EnvReader, *, message_timeout_default: float = 30.0) -> CoreSettings:
        """Read the shared settings; errors are collected in `env`."""
        queue_url = env.require(
            "BATON_QUEUE_URL", env.string("BATON_QUEUE_URL"), "the consumer needs its source queue's URL"
        )
        return cls(
            queue_url=queue_url,
            processor=env.string("BATON_PROCESSOR", DEFAULT_PROCESSOR) or DEFAULT_PROCESSOR,
            message_timeout=env.number(
                "BATON_MESSAGE_TIMEOUT_SECONDS", message_timeout_default, minimum=0.05
            ),
            safety_margin=env.number("BATON_SAFETY_MARGIN_SECONDS", 2.0, minimum=0.0, maximum=60.0),
            deadline_guard=env.flag("BATON_DEADLINE_GUARD", True),
            max_receive_count=env.optional_integer("BATON_MAX_RECEIVE_COUNT", minimum=1, maximum=1000),
            idempotency_table=env.string("BATON_IDEMPOTENCY_TABLE"),
            idempotency_ttl=env.integer("BATON_IDEMPOTENCY_TTL_SECONDS", 3600, minimum=60),
            tracing=env.flag("BATON_TRACING", False),
        )


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """Settings of the relay (standard queue) consumer."""

    core: CoreSettings
    wait_time: int = 10
    time_budget: float | None = None
    max_hops: int = 100
    backoff_base: int = 30
    backoff_max: int = 900

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RelaySettings:
        """Read and validate; raises `ConfigurationError` naming every problem."""
        env = EnvReader(environ)
        settings = cls(
            core=CoreSettings.read(env),
            wait_time=env.integer("BATON_WAIT_TIME_SECONDS", 10, minimum=1, maximum=20),
            time_budget=env.optional_number("BATON_TIME_BUDGET_SECONDS", minimum=1.0),
            max_hops=env.integer("BATON_MAX_HOPS", 100, minimum=0),
            backoff_base=env.integer("BATON_RETRY_BACKOFF_SECONDS", 30, minimum=0, maximum=43_200),
            backoff_max=env.integer("BATON_RETRY_BACKOFF_MAX_SECONDS", 900, minimum=0, maximum=43_200),
        )
        if settings.backoff_max < settings.backoff_base:
            env.errors.append(
                f"BATON_RETRY_BACKOFF_MAX_SECONDS={settings.backoff_max} is below "
                f"BATON_RETRY_BACKOFF_SECONDS={settings.backoff_base}"
            )
        env.raise_if_errors("relay")
        return settings


@dataclass(frozen=True, slots=True)
class FifoSettings:
    """Settings of the FIFO (event source mapping) consumer."""

    core: CoreSettings
    failure_policy: FailurePolicy = FailurePolicy.SKIP

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FifoSettings:
        """Read and validate; raises `ConfigurationError` naming every problem."""
        env = EnvReader(environ)
        settings = cls(
            core=CoreSettings.read(env, message_timeout_default=5.0),
            failure_policy=env.choice("BATON_FAILURE_POLICY", FailurePolicy, FailurePolicy.SKIP),
        )
        if settings.failure_policy is FailurePolicy.HOLD_GROUP:
            max_receive = settings.core.max_receive_count
            if max_receive is None or max_receive < 2:
                env.errors.append(
                    "BATON_FAILURE_POLICY=hold_group needs the queue's maxReceiveCount "
                    f"(BATON_MAX_RECEIVE_COUNT, now {max_receive}) to be at least 2: with 1, the failed "
                    "message and every message held behind it are dead-lettered on their first receive, "
                    "before any retry; raise maxReceiveCount or use BATON_FAILURE_POLICY=skip"
                )
        env.raise_if_errors("FIFO")
        return settings
