"""Fixtures for tests against a running LocalStack (``make localstack-up``)."""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import boto3
import pytest

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
REGION = "us-east-1"


def _health(endpoint: str) -> dict[str, Any] | None:
    """LocalStack's health document, or None when nothing answers."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{endpoint}/_localstack/health", timeout=3) as response:
            document = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


@pytest.fixture(scope="session")
def localstack_endpoint() -> str:
    """The endpoint of a running LocalStack; skips the test when none answers."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", DEFAULT_ENDPOINT).rstrip("/")
    health = _health(endpoint)
    if health is None:
        pytest.skip(f"LocalStack is not reachable at {endpoint}: start it with `make localstack-up`")
    return endpoint


@pytest.fixture(scope="session")
def aws_session(localstack_endpoint: str) -> boto3.Session:
    """A boto3 session with LocalStack's test credentials and region."""
    return boto3.Session(
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - LocalStack's fixed test credentials
        region_name=REGION,
    )


@pytest.fixture(scope="session")
def aws_client(aws_session: boto3.Session, localstack_endpoint: str) -> Any:
    """A factory of boto3 clients pointed at LocalStack: ``aws_client("sqs")``."""

    def make(service: str) -> Any:
        return aws_session.client(service, endpoint_url=localstack_endpoint)  # type: ignore[call-overload]

    return make
