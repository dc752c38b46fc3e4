"""Powertools idempotency around the processor, keyed by object version (opt-in).

The processor's own conditional write is what guarantees one result per object version; this layer keeps a
duplicate delivery from re-reading the object at all and stops two concurrent deliveries of one version from
running the processor twice (the second fails with `IdempotencyAlreadyInProgressError` and is retried). It
costs two DynamoDB writes on every message (the in-progress record and its completion) to save one re-read
on a rare duplicate, hence off unless `BATON_IDEMPOTENCY_TABLE` is set. The key is the object version, not the
message id, so it survives a DLQ redrive (which gives the message a new id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relay_common.processor import ProcessorResult, checked_result

if TYPE_CHECKING:
    from relay_common.clients import Clients
    from relay_common.config import CoreSettings
    from relay_common.deadline import LambdaContextLike
    from relay_common.events import ObjectRef
    from relay_common.processor import ProcessingContext, Processor

KEY_PREFIX = "baton-object"
_REPLAYED = "__replayed__"


class Idempotency:
    """Runs the processor at most once per object version while the record lives."""

    def __init__(self, config: Any, persistence: Any) -> None:
        from aws_lambda_powertools.utilities.idempotency import idempotent_function  # noqa: PLC0415

        self._config = config
        # Built once: Powertools hashes only the `identity` keyword and hands the others to the function.
        self._guarded = idempotent_function(
            _run_once,
            data_keyword_argument="identity",
            persistence_store=persistence,
            config=config,
            key_prefix=KEY_PREFIX,
        )

    @classmethod
    def create(cls, settings: CoreSettings, clients: Clients) -> Idempotency:
        """A DynamoDB persistence layer on `settings.idempotency_table`."""
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415 - only when configured
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
        )

        config = IdempotencyConfig(
            expires_after_seconds=settings.idempotency_ttl,
            raise_on_no_idempotency_key=True,
            use_local_cache=True,
            response_hook=_mark_replayed,
        )
        persistence = DynamoDBPersistenceLayer(
            table_name=settings.idempotency_table or "", boto3_client=clients.dynamodb()
        )
        return cls(config, persistence)

    def register(self, context: LambdaContextLike) -> None:
        """Bind in-progress records to this invocation's remaining time."""
        self._config.register_lambda_context(context)

    def run(self, processor: Processor, ref: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        """Run the processor once per object version; a result replayed from the store is a duplicate."""
        stored = self._guarded(identity=ref.identity(), processor=processor, ref=ref, context=context)
        result = ProcessorResult.from_json(stored["result"])
        if stored.get(_REPLAYED) and not result.duplicate:
            return ProcessorResult(result.status, True, result.details)
        return result


def _run_once(
    *, identity: dict[str, str], processor: Processor, ref: ObjectRef, context: ProcessingContext
) -> dict[str, Any]:
    """What Powertools guards: one processor call, its result in the JSON shape it stores."""
    return {"result": checked_result(processor.process(ref, context)).to_json()}


def _mark_replayed(response: Any, idempotent_data: Any) -> Any:
    """Powertools calls this only when it answers from a stored record instead of running the function."""
    if isinstance(response, dict):
        return {**response, _REPLAYED: True}
    return response
