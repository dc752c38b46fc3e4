"""The processor contract: what a processor implements, what it is given, and what it returns.

A processor is the user's part of a pipeline: it handles one S3 object version at a time. Baton does the rest
(parsing the event, the deadline, idempotency, deletes, retries and the DLQ). The contract is small on
purpose, so that a processor can be tested on its own and run locally with `baton try`:

* `setup(settings)` runs once per process before any message (Lambda's INIT, or a worker process): validate
  your own settings (raise `ConfigurationError`, which stops the cold start before a message is taken) and
  create your clients from `settings.clients`, so that cost is not paid inside the first message's deadline.
* `process(obj, context)` does the work under the message's deadline and returns a `ProcessorResult`: its
  status, and whether the object version had been recorded already (`duplicate`). Raise to fail the message;
  it is retried and, after maxReceiveCount receives, dead-lettered.

    class RowCounter(BaseProcessor):
        def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
            ...
            return ProcessorResult(Status.RECORDED, details={"rows": rows})

    processor = RowCounter()  # BATON_PROCESSOR=mypackage.rows:processor

`BATON_PROCESSOR` names `package.module:attribute`, where the attribute is a processor instance, a
processor class (created without arguments), or a plain function `(obj, context) -> ProcessorResult` that
needs no setup.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from relay_common.errors import ConfigurationError

if TYPE_CHECKING:
    from relay_common.clients import Clients
    from relay_common.events import ObjectRef


class Status(StrEnum):
    """The statuses Baton's own processors record; a processor may use others."""

    RECORDED = "recorded"
    """The object version was processed and its result recorded."""
    SUPERSEDED = "superseded"
    """The version the event names was overwritten before it was processed (it is not credited with the newer
    content)."""
    MISSING = "missing"
    """The object was deleted before it was processed."""


@dataclass(frozen=True, slots=True)
class ProcessorResult:
    """What processing one object version came to."""

    status: str
    duplicate: bool = False
    """The object version had been recorded before (a redelivery): nothing new was written."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """JSON-serialisable facts worth logging (sizes, counts); idempotency stores them with the status."""

    def __post_init__(self) -> None:
        if not isinstance(self.status, str) or not self.status:
            raise TypeError(f"ProcessorResult.status must be a non-empty string, got {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        """The JSON shape idempotency stores."""
        return {"status": str(self.status), "duplicate": self.duplicate, "details": dict(self.details)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessorResult:
        """Rebuild a result stored by `to_json`."""
        return cls(str(data["status"]), bool(data.get("duplicate")), dict(data.get("details") or {}))


@dataclass(frozen=True, slots=True)
class ProcessorSettings:
    """What a processor's `setup()` is given."""

    clients: Clients
    """AWS clients with Baton's timeouts, for the account and endpoint the consumer runs against."""
    results_table: str | None = None
    """`BATON_RESULTS_TABLE`: where Baton's processors record results (a processor may ignore it)."""
    message_timeout: float = 30.0
    """The per-message deadline in seconds: keep your own calls' timeouts below it."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """The consumer's environment, for the processor's own settings (read them with `config.EnvReader`)."""


@dataclass(frozen=True, slots=True)
class ProcessingContext:
    """What a processor knows about the message it is working on."""

    message_id: str
    receive_count: int
    deadline: float
    """`time.monotonic()` value at which the guard interrupts the processor."""
    queue: str
    request_id: str | None = None

    def remaining(self) -> float:
        """Seconds until the deadline (for a processor that wants to budget its own calls)."""
        return self.deadline - time.monotonic()


@runtime_checkable
class Processor(Protocol):
    """Handles one object version; see the module docstring."""

    def setup(self, settings: ProcessorSettings) -> None:
        """Once per process, before any message: validate settings, create clients."""
        ...

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        """Process one object version under the message's deadline; raise to fail the message."""
        ...


class BaseProcessor:
    """A convenient base: `setup()` keeps the settings in `self.settings`; subclasses override `process()`."""

    settings: ProcessorSettings

    def setup(self, settings: ProcessorSettings) -> None:
        """Keep the settings; override (and call this) to validate your own and create clients."""
        self.settings = settings

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        """Override: process one object version."""
        raise NotImplementedError(f"{type(self).__name__} must implement process()")


ProcessFunction = Callable[["ObjectRef", ProcessingContext], ProcessorResult]


class FunctionProcessor(BaseProcessor):
    """A plain function as a processor (no setup of its own)."""

    def __init__(self, function: ProcessFunction) -> None:
        self.function = function

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        """Call the function."""
        return self.function(obj, context)

    def __repr__(self) -> str:
        return f"FunctionProcessor({getattr(self.function, '__qualname__', self.function)!r})"


def checked_result(result: object) -> ProcessorResult:
    """A processor's return value, or a `TypeError` that says what it returned instead."""
    if not isinstance(result, ProcessorResult):
        raise TypeError(f"the processor returned {type(result).__name__}, not a ProcessorResult")
    return result


def load_processor(spec: str) -> Processor:
    """Resolve `package.module:attribute` to a processor (not yet set up); raises `ConfigurationError`."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigurationError(f"BATON_PROCESSOR={spec!r} must look like 'package.module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(
            f"BATON_PROCESSOR={spec!r}: cannot import {module_name!r} ({error})"
        ) from None
    target: Any = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ConfigurationError(
                f"BATON_PROCESSOR={spec!r}: {module_name!r} has no {attribute!r}"
            ) from None
    if inspect.isclass(target):
        try:
            target = target()
        except TypeError as error:
            raise ConfigurationError(
                f"BATON_PROCESSOR={spec!r}: the class cannot be created without arguments ({error}); "
                "name an instance instead"
            ) from None
    if isinstance(target, Processor):
        return target
    if callable(target):
        try:
            inspect.signature(target).bind(None, None)
        except TypeError:
            raise ConfigurationError(
                f"BATON_PROCESSOR={spec!r}: a function processor must accept two positional arguments "
                "(obj, context)"
            ) from None
        except ValueError:  # builtins without a signature: accept and let a call fail loudly
            pass
        return FunctionProcessor(target)
    raise ConfigurationError(
        f"BATON_PROCESSOR={spec!r} is a {type(target).__name__}: name a processor (an object with setup() "
        "and process()), a processor class, or a function (obj, context)"
    )
