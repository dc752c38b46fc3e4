"""boto3 clients pointed at a local LocalStack, for the demo and the end-to-end tests.

The clients come from `localstack-client` (`localstack_client.session.Session`): it already knows LocalStack's
test credentials, region and per-service endpoints, so nothing here writes an `endpoint_url` or a key pair by
hand. This module wraps it for one reason: every Baton command that talks to LocalStack is pointed at it with
`AWS_ENDPOINT_URL` (the Makefile sets it from `BATON_LOCALSTACK_PORT`; terraform and the `baton` CLI read
the same variable), and `Session` on its own does not follow that one setting in every case. When
`AWS_ENDPOINT_URL` is set, localstack-client sends every service to it verbatim; when it is not, it falls back
to `LOCALSTACK_HOST` (which is also a setting of the LocalStack server, with another meaning) and then to
`localhost:4566`, and `localhost` may resolve to `::1` first while LocalStack listens on 127.0.0.1. So the
session is always given `localstack_host` derived from the endpoint Baton uses (`AWS_ENDPOINT_URL`, else
`http://127.0.0.1:4566`): both branches of localstack-client then reach the same host and port.

LocalStack puts every request signed with a non-numeric access key (localstack-client's `accesskey`, the
`test` that terraform and the CLI are given) in its default account, 000000000000, so these clients see what
the stacks created.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from localstack_client.session import Session

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
"""LocalStack's gateway as `make localstack-up` starts it without overrides."""
_DEFAULT_PORTS = {"http": 80, "https": 443}


def endpoint_url() -> str:
    """The LocalStack endpoint: `AWS_ENDPOINT_URL`, else 127.0.0.1:4566."""
    return os.environ.get("AWS_ENDPOINT_URL", "").strip() or DEFAULT_ENDPOINT


def localstack_host(endpoint: str) -> str:
    """`host:port` of an endpoint URL, as localstack-client's `localstack_host` takes it (the port written
    out: without one it would assume 4566, where the URL means the scheme's default)."""
    parts = urlsplit(endpoint)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"AWS_ENDPOINT_URL={endpoint!r} is not an http:// or https:// URL with a host")
    return f"{parts.hostname}:{parts.port or _DEFAULT_PORTS[parts.scheme]}"


def localstack_session() -> Session:
    """A localstack-client session for the endpoint in `AWS_ENDPOINT_URL` (else 127.0.0.1:4566)."""
    return Session(localstack_host=localstack_host(endpoint_url()))
