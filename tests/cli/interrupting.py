"""Processors for `baton drain` tests that press Ctrl-C (send SIGINT to this process) while they run."""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

from relay_common.processor import ProcessorResult

if TYPE_CHECKING:
    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext

calls: list[str] = []


def once(obj: ObjectRef, ctx: ProcessingContext) -> ProcessorResult:
    """Ctrl-C during the first message: the round must finish, and no other round start."""
    calls.append(obj.key)
    if len(calls) == 1:
        os.kill(os.getpid(), signal.SIGINT)
    return ProcessorResult("ok")


def twice(obj: ObjectRef, ctx: ProcessingContext) -> ProcessorResult:
    """Ctrl-C twice during the first message: the run aborts at once."""
    calls.append(obj.key)
    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGINT)
    return ProcessorResult("ok")
