"""Settings read from the function's environment and validated once, at cold start.

Every problem found is reported in a single `ConfigurationError`, so one failed deployment shows them all.
Numeric bounds come from `limits`, which the Terraform module enforces too. Which processor runs by default is
the consumer layer's choice (`default_processor`), not the core's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from relay_common import limits
from relay_common.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from relay_common.limits import Limit

T = TypeVar("T")

DEFAULT_WORKERS = 4


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

    def bounded(self, limit: Limit, default: float) -> float:
        """A number within `limit` (whole when the limit says so)."""
        if limit.integer:
            return self.bounded_integer(limit, int(default))
        return self.number(limit.env, default, minimum=limit.minimum, maximum=limit.maximum)

    def bounded_integer(self, limit: Limit, default: int) -> int:
        """A whole number within `limit`."""
        return self.integer(limit.env, default, minimum=_int(limit.minimum), maximum=_int(limit.maximum))

    def optional_bounded(self, limit: Limit) -> float | None:
        """A number within `limit`, or None when unset (a 0 outside the limit is an error, not "unset")."""
        if self.raw(limit.env) is None:
            return None
        return self.bounded(limit, 0.0)

    def optional_bounded_integer(self, limit: Limit) -> int | None:
        """A whole number within `limit`, or None when unset."""
        if self.raw(limit.env) is None:
            return None
        return self.bounded_integer(limit, 0)

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

    @property
    def environ(self) -> Mapping[str, str]:
        """The mapping values are read from."""
        return self._environ

    def raise_if_errors(self, what: str) -> None:
        """Raise one `ConfigurationError` listing every problem found."""
        if self.errors:
            problems = "; ".join(self.errors)
            raise ConfigurationError(f"invalid {what} configuration: {problems}")


@dataclass(frozen=True, slots=True)
class CoreSettings:
    """Settings shared by both consumers."""

    queue_url: str
    processor: str
    """`package.module:attribute` of the processor (`BATON_PROCESSOR`, else the consumer's default)."""
    results_table: str | None = None
    message_timeout: float = 30.0
    safety_margin: float = 2.0
    deadline_guard: bool = True
    max_receive_count: int | None = None
    idempotency_table: str | None = None
    idempotency_ttl: int = 3600
    tracing: bool = False
    workers: int = DEFAULT_WORKERS
    """Worker processes (`BATON_WORKERS`); 1 processes in the consumer's own process."""
    environment: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """What the settings were read from; handed to the processor for its own settings."""

    @property
    def queue_name(self) -> str:
        """The queue's name: the last segment of its URL."""
        return self.queue_url.rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def read(
        cls, env: EnvReader, *, default_processor: str, message_timeout_default: float = 30.0
    ) -> CoreSettings:
        """Read the shared settings; errors are collected in `env`."""
        queue_url = env.require(
            "BATON_QUEUE_URL", env.string("BATON_QUEUE_URL"), "the consumer needs its source queue's URL"
        )
        return cls(
            queue_url=queue_url,
            processor=env.string("BATON_PROCESSOR", default_processor) or default_processor,
            results_table=env.string("BATON_RESULTS_TABLE"),
            message_timeout=env.bounded(limits.MESSAGE_TIMEOUT, message_timeout_default),
            safety_margin=env.bounded(limits.SAFETY_MARGIN, 2.0),
            deadline_guard=env.flag("BATON_DEADLINE_GUARD", True),
            max_receive_count=env.optional_bounded_integer(limits.MAX_RECEIVE_COUNT),
            idempotency_table=env.string("BATON_IDEMPOTENCY_TABLE"),
            idempotency_ttl=env.bounded_integer(limits.IDEMPOTENCY_TTL, 3600),
            tracing=tracing_enabled(env),
            workers=env.bounded_integer(limits.WORKERS, DEFAULT_WORKERS),
            environment=dict(env.environ),
        )


def tracing_enabled(env: EnvReader) -> bool:
    """`BATON_TRACING`, read with the same rules as every other flag."""
    return env.flag("BATON_TRACING", False)


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """Settings of the relay (standard queue) consumer."""

    core: CoreSettings
    wait_time: int = 10
    time_budget: float | None = None
    max_hops: int = 100
    backoff_base: int = 30
    backoff_max: int = 900
    max_messages_per_second: float | None = None
    """`BATON_MAX_MESSAGES_PER_SECOND`: the chain never starts more messages per second (None: no cap)."""
    chain_lease: bool = True
    """`BATON_CHAIN_LEASE`: hold a lease so that a second chain never starts beside a running one."""
    lease_table: str | None = None
    """`BATON_LEASE_TABLE`, else the results table: where the chain lease lives (None: no lease)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, default_processor: str) -> RelaySettings:
        """Read and validate; raises `ConfigurationError` naming every problem."""
        env = EnvReader(environ)
        settings = cls(
            core=CoreSettings.read(env, default_processor=default_processor),
            wait_time=env.bounded_integer(limits.WAIT_TIME, 10),
            time_budget=env.optional_bounded(limits.TIME_BUDGET),
            max_hops=env.bounded_integer(limits.MAX_HOPS, 100),
            backoff_base=env.bounded_integer(limits.RETRY_BACKOFF, 30),
            backoff_max=env.bounded_integer(limits.RETRY_BACKOFF_MAX, 900),
            max_messages_per_second=env.optional_bounded(limits.MAX_MESSAGES_PER_SECOND),
            chain_lease=env.flag("BATON_CHAIN_LEASE", True),
            lease_table=env.string("BATON_LEASE_TABLE") or env.string("BATON_RESULTS_TABLE"),
        )
        env.errors.extend(settings.conflicts())
        env.raise_if_errors("relay")
        return settings

    def conflicts(self) -> list[str]:
        """Settings that are each valid but do not work together."""
        found = []
        if self.backoff_max < self.backoff_base:
            found.append(
                f"BATON_RETRY_BACKOFF_MAX_SECONDS={self.backoff_max} is below "
                f"BATON_RETRY_BACKOFF_SECONDS={self.backoff_base}"
            )
        if self.time_budget is not None and self.time_budget <= self.wait_time:
            found.append(
                f"BATON_TIME_BUDGET_SECONDS={self.time_budget:g} is not above "
                f"BATON_WAIT_TIME_SECONDS={self.wait_time}: every run would stop on its budget before its "
                "first receive; raise the budget or lower the wait time"
            )
        return found


@dataclass(frozen=True, slots=True)
class FifoSettings:
    """Settings of the FIFO (event source mapping) consumer."""

    core: CoreSettings
    failure_policy: FailurePolicy = FailurePolicy.SKIP

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, default_processor: str) -> FifoSettings:
        """Read and validate; raises `ConfigurationError` naming every problem."""
        env = EnvReader(environ)
        settings = cls(
            core=CoreSettings.read(env, default_processor=default_processor, message_timeout_default=5.0),
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
