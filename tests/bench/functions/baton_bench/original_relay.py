"""The original relay design, ported to Python for the side-by-side benchmark.

One invocation: one `ReceiveMessage` (10 messages, long poll 1 s), process each message, one
`DeleteMessageBatch`, one `GetQueueAttributes(ApproximateNumberOfMessages)`, and an asynchronous self-invoke
(`InvocationType=Event`) when that number is above 0. Nothing else: no rounds, no time budget, no reading of
the delete's `Failed` list, no hop limit, no backoff.

Only the original's obvious bugs are fixed:

* `MaxNumberOfMessages: 0` (an invalid value) is 10;
* the handler's calls were not awaited, so the invocation could end before they ran: here every call
  completes, in order, before the handler returns;
* delete entries were built with `id`, which SQS rejects: here `Id`;
* a receive that returns nothing makes no `DeleteMessageBatch` call (an empty batch is an error).

Each message is processed by Baton's `MessageEngine` with the configured processor (the default digest
processor, plus Powertools idempotency when the stack turns it on): the parser, deadline and per-message work
are Baton's, so a comparison measures the relay strategy alone. A message whose processing fails is not
deleted; it returns after the visibility timeout, as in the original (which had no failure handling).
"""

from __future__ import annotations

import functools
import json
import os
import time
from typing import TYPE_CHECKING, Any

from consumer import processors
from relay_common import clients
from relay_common.config import CoreSettings, EnvReader
from relay_common.deadline import Budget
from relay_common.processing import MessageEngine

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

MAX_MESSAGES = 10
WAIT_TIME_SECONDS = 1


@functools.cache
def _settings() -> CoreSettings:
    env = EnvReader()
    settings = CoreSettings.read(env, default_processor=processors.DEFAULT)
    env.raise_if_errors("original relay")
    return settings


@functools.cache
def _engine() -> MessageEngine:
    return MessageEngine.from_settings(_settings())


def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """One run of the original design."""
    settings, engine = _settings(), _engine()
    aws = clients.default()
    sqs, started = aws.sqs(), time.monotonic()
    engine.start_invocation(context)
    budget = Budget(context, safety_margin=settings.safety_margin)
    response = aws.sqs_long_poll().receive_message(
        QueueUrl=settings.queue_url,
        MaxNumberOfMessages=MAX_MESSAGES,
        WaitTimeSeconds=WAIT_TIME_SECONDS,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    )
    messages = response.get("Messages", [])
    done = []
    for message in messages:
        result = engine.process(
            message["MessageId"],
            message.get("Body"),
            receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            budget=budget,
            request_id=context.aws_request_id,
        )
        if result.succeeded:
            done.append(message)
    if done:
        sqs.delete_message_batch(
            QueueUrl=settings.queue_url,
            Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(done)],
        )
    attributes = sqs.get_queue_attributes(
        QueueUrl=settings.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    remaining = int(attributes.get("ApproximateNumberOfMessages", "0"))
    relayed = False
    if remaining > 0:
        aws.lambda_().invoke(FunctionName=context.invoked_function_arn, InvocationType="Event", Payload=b"{}")
        relayed = True
    summary = {
        "received": len(messages),
        "processed": len(done),
        "remaining": remaining,
        "relayed": relayed,
        "seconds": round(time.monotonic() - started, 3),
    }
    print(json.dumps({"message": "original relay run finished", "summary": summary}))
    return summary


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    _engine()  # cold start: load the processor (as Baton's handlers do), outside the first message's time
