"""Processors for `baton try` tests: one that fails, one that hangs, one that shows what setup() received,
and one that writes an object of its own."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from relay_common.processor import BaseProcessor, ProcessorResult, ProcessorSettings

if TYPE_CHECKING:
    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext


class RowError(ValueError):
    """What `fails` raises."""


def fails(obj: ObjectRef, ctx: ProcessingContext) -> ProcessorResult:
    raise RowError(f"row 3 of {obj.key} has 2 fields, the header has 3")


def hangs(obj: ObjectRef, ctx: ProcessingContext) -> ProcessorResult:
    time.sleep(60)  # an external call that never answers
    return ProcessorResult("never")


class ShowsSettings(BaseProcessor):
    """Returns what setup() was given and what the message context said."""

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        env = self.settings.environment
        return ProcessorResult(
            "shown",
            details={
                "greeting": env.get("TRY_GREETING"),
                "results_table": self.settings.results_table,
                "message_timeout": self.settings.message_timeout,
                "queue": context.queue,
                "key": obj.key,
                "version_id": obj.version_id,
                "receive_count": context.receive_count,
            },
        )


shows_settings = ShowsSettings()


class Thumbnailer(BaseProcessor):
    """Writes a derived object next to the one it processes, with the clients setup() was given."""

    def setup(self, settings: ProcessorSettings) -> None:
        super().setup(settings)
        self.s3 = settings.clients.s3()

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        self.s3.put_object(Bucket=obj.bucket, Key=f"thumbnails/{obj.key}", Body=b"small")
        return ProcessorResult("thumbnailed")


thumbnailer = Thumbnailer()
