"""An offline DynamoDB for LocalStack on the host: every operation answered by LocalStack's moto.

LocalStack's own DynamoDB runs DynamoDB Local, a Java program it downloads (with a Java 21 runtime) on
first use; with no internet that download fails and every DynamoDB call returns 500. This provider, selected
with ``PROVIDER_OVERRIDE_DYNAMODB=baton_moto``, routes all DynamoDB operations to moto-ext, which LocalStack
already ships and uses for several of its own services. It is test infrastructure for host mode only; the
Docker mode keeps LocalStack's default DynamoDB.
"""

from __future__ import annotations

from typing import Any

from localstack.aws.api.dynamodb import DynamodbApi
from localstack.services.plugins import Service, ServiceLifecycleHook, aws_provider

PROVIDER_NAME = "baton_moto"


class MotoDynamoDBProvider(DynamodbApi, ServiceLifecycleHook):
    """Implements nothing itself: the moto fallback dispatcher answers every operation."""


@aws_provider(api="dynamodb", name=PROVIDER_NAME)
def dynamodb_moto() -> Any:
    """The DynamoDB service backed by moto."""
    from localstack.services.moto import MotoFallbackDispatcher

    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=MotoFallbackDispatcher)
