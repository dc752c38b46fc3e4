"""Reads of the deployed resources shared by several commands."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from consumer import processors
from consumer.cli.aws import Aws, CliError, queue_name, resource

if TYPE_CHECKING:
    from mypy_boto3_lambda.type_defs import FunctionConfigurationResponseTypeDef

CHAOS_PROCESSOR = "consumer.processors.chaos:process"


def queue_attributes(aws: Aws, url: str, kind: str = "queue") -> dict[str, str]:
    """Every attribute of a queue; a `CliError` when it does not exist or is in another region."""
    aws.check_queue_region(url)
    with resource(aws, kind, url):
        response = aws.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    return {str(name): value for name, value in response.get("Attributes", {}).items()}


def redrive_policy(attributes: dict[str, str]) -> dict[str, Any]:
    """The queue's parsed RedrivePolicy ({} when it has none)."""
    raw = attributes.get("RedrivePolicy")
    if not raw:
        return {}
    try:
        policy = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return policy if isinstance(policy, dict) else {}


def max_receive_count(attributes: dict[str, str]) -> int | None:
    """The redrive policy's maxReceiveCount, if the queue has one."""
    value = redrive_policy(attributes).get("maxReceiveCount")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def dlq_url_for(aws: Aws, attributes: dict[str, str]) -> str | None:
    """The URL of the dead-letter queue a source queue's redrive policy names, if any."""
    arn = redrive_policy(attributes).get("deadLetterTargetArn")
    if not isinstance(arn, str) or arn.count(":") < 5:
        return None
    _, _, _, _, account, name = arn.split(":", 5)
    with resource(aws, "dead-letter queue", arn):
        return aws.sqs().get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


def resolve_dlq(aws: Aws, dlq_url: str | None, queue_url: str | None) -> str:
    """The DLQ URL given, or the one the source queue's redrive policy names."""
    if dlq_url:
        return dlq_url
    if not queue_url:
        raise CliError("no dead-letter queue known: pass --dlq-url, --queue-url or --stack/--outputs")
    found = dlq_url_for(aws, queue_attributes(aws, queue_url))
    if found is None:
        raise CliError(f"queue {queue_name(queue_url)} has no redrive policy, so no dead-letter queue")
    return found


def function_configuration(aws: Aws, name: str) -> FunctionConfigurationResponseTypeDef:
    """The function's configuration; a `CliError` when it does not exist."""
    with resource(aws, "function", name):
        return aws.lambda_().get_function_configuration(FunctionName=name)


def processor_of(configuration: FunctionConfigurationResponseTypeDef) -> str:
    """The processor the function runs (BATON_PROCESSOR, or the default)."""
    variables = configuration.get("Environment", {}).get("Variables", {})
    return variables.get("BATON_PROCESSOR") or processors.DEFAULT
