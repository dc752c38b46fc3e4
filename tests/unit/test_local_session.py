"""The LocalStack clients of the demo and the end-to-end tests (consumer/local/session.py) go where
AWS_ENDPOINT_URL points, and to 127.0.0.1:4566 without it; no client here sends a request."""

from __future__ import annotations

import pytest

from consumer.local.session import DEFAULT_ENDPOINT, endpoint_url, localstack_host, localstack_session


@pytest.mark.parametrize("service", ["s3", "sqs", "dynamodb", "lambda", "logs"])
def test_every_client_goes_to_the_port_in_aws_endpoint_url(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4568")
    client = localstack_session().client(service)
    assert client.meta.endpoint_url == "http://127.0.0.1:4568"
    assert client.meta.region_name == "us-east-1"


def test_without_aws_endpoint_url_the_clients_go_to_127_0_0_1_4566(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # LocalStack's own LOCALSTACK_HOST (what the server advertises) must not move the clients.
    monkeypatch.setenv("LOCALSTACK_HOST", "localhost.localstack.cloud:4999")
    assert endpoint_url() == DEFAULT_ENDPOINT == "http://127.0.0.1:4566"
    assert localstack_session().client("sqs").meta.endpoint_url == "http://127.0.0.1:4566"


def test_a_blank_aws_endpoint_url_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "  ")
    assert endpoint_url() == "http://127.0.0.1:4566"


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [
        ("http://127.0.0.1:4568", "127.0.0.1:4568"),
        ("http://localstack:4566/", "localstack:4566"),
        ("http://127.0.0.1", "127.0.0.1:80"),
        ("https://ls.example.test", "ls.example.test:443"),
    ],
)
def test_the_localstack_host_is_the_endpoints_host_and_port(endpoint: str, host: str) -> None:
    assert localstack_host(endpoint) == host


@pytest.mark.parametrize("endpoint", ["127.0.0.1:4566", "ftp://127.0.0.1:4566", "http://:4566"])
def test_an_endpoint_that_is_not_an_http_url_is_refused(endpoint: str) -> None:
    with pytest.raises(ValueError, match="AWS_ENDPOINT_URL"):
        localstack_host(endpoint)
