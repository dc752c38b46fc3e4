"""Typed errors: every failure Baton reports names what went wrong and, where there is one, the message."""

from __future__ import annotations


class BatonError(Exception):
    """Base class of Baton's own errors."""


class ConfigurationError(BatonError):
    """The function's configuration is invalid; raised at cold start, before any message is touched."""


class MessageError(BatonError):
    """A failure tied to one queue message."""

    def __init__(self, message_id: str, reason: str) -> None:
        super().__init__(f"message {message_id}: {reason}")
        self.message_id = message_id
        self.reason = reason

    def __reduce__(self) -> tuple[type[MessageError], tuple[str, str]]:
        # A worker process sends its outcome back pickled; rebuild from the constructor's own arguments.
        return type(self), (self.message_id, self.reason)


class InvalidMessageError(MessageError):
    """The message body is not something Baton can process (empty, not JSON, or of an unknown shape)."""


class UnsupportedEventError(MessageError):
    """The event is well formed but the processor does not handle its kind (for example ObjectRemoved)."""


class DeadlineExceeded(MessageError):  # noqa: N818 - the name says what happened, as asked by the design
    """The processor was still running when the message's deadline came and was interrupted."""

    def __init__(self, message_id: str, seconds: float) -> None:
        super().__init__(
            message_id, f"processing exceeded its deadline of {seconds:.2f}s and was interrupted"
        )
        self.seconds = seconds

    def __reduce__(self) -> tuple[type[DeadlineExceeded], tuple[str, float]]:  # type: ignore[override]
        return type(self), (self.message_id, self.seconds)


class WorkerStopped(MessageError):  # noqa: N818
    """The worker processing the message did not return by its hard deadline (stuck where no Python exception
    reaches, such as a C call or a socket without a timeout): it was killed and replaced."""


class OutOfTime(MessageError):  # noqa: N818
    """No time was left in the invocation to start processing the message; it was not attempted."""


class HeldBehindFailure(MessageError):  # noqa: N818
    """FIFO `hold_group`: an earlier message of the same group failed, so this one was not attempted."""
