"""A throw-away AWS account in moto, for `baton try` on a local file.

It holds what a processor finds in a deployed stack: a versioned ingest bucket and a results table with the
results-store module's key schema and `recent` index, so a processor runs on a local file exactly as on an
uploaded one. Everything is in memory and gone when the block ends. The session has fake keys and ignores
any configured endpoint (AWS_ENDPOINT_URL and friends), so nothing can reach an account or LocalStack.

moto is a development dependency: importing this module does not need it; `sandbox()` does, and says in one
line how to install it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from boto3.dynamodb.types import TypeDeserializer

from consumer.cli.aws import CliError
from relay_common.clients import MAX_ATTEMPTS, READ_TIMEOUT, Clients, client_config

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import PutObjectOutputTypeDef

REGION = "us-east-1"
BUCKET = "baton-try"
TABLE = "baton-try-results"
MOTO_INSTALL = "pip install 'moto[s3,dynamodb]>=5.1'"


@dataclass(frozen=True, slots=True)
class Sandbox:
    """The bucket and table of one throw-away account, and the clients that reach them."""

    session: boto3.session.Session
    s3: S3Client
    dynamodb: DynamoDBClient
    bucket: str = BUCKET
    table: str = TABLE

    def clients(self) -> SandboxClients:
        """What the processor's `setup()` is given here."""
        return SandboxClients(self.session)

    def upload(self, path: Path, key: str) -> PutObjectOutputTypeDef:
        """Put a local file in the bucket; the response carries its ETag and VersionId."""
        with path.open("rb") as body:
            return self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def records(self) -> list[dict[str, Any]]:
        """Every item in the results table as plain values (numbers as int or float), sorted by key."""
        deserializer = TypeDeserializer()
        items = [
            {name: plain(deserializer.deserialize(value)) for name, value in item.items()}
            for page in self.dynamodb.get_paginator("scan").paginate(TableName=self.table)
            for item in page.get("Items", [])
        ]
        return sorted(items, key=lambda item: (str(item.get("pk")), str(item.get("sk"))))

    def objects(self, *, besides: str) -> list[dict[str, Any]]:
        """Objects in the bucket other than the key `besides` (what the processor wrote there)."""
        return [
            {"key": item["Key"], "size": item["Size"]}
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
            for item in page.get("Contents", [])
            if item["Key"] != besides
        ]


class SandboxClients(Clients):
    """The processor's clients in the sandbox: Baton's timeouts and retry budget, from the sandbox's session.

    `Clients` makes its session from a profile, which would read the configured endpoint and credentials;
    these clients come from the isolated session instead, so every call the processor makes stays in moto."""

    def __init__(self, session: boto3.session.Session) -> None:
        super().__init__(region=session.region_name)
        self._sandbox = session
        self._made: dict[tuple[str, float, int], Any] = {}

    def fresh(self) -> SandboxClients:
        """New clients from the same session."""
        return SandboxClients(self._sandbox)

    def client(
        self, service: str, *, read_timeout: float = READ_TIMEOUT, max_attempts: int = MAX_ATTEMPTS
    ) -> Any:
        """A client of the sandbox's session (created once per service and settings)."""
        key = (service, read_timeout, max_attempts)
        if key not in self._made:
            self._made[key] = self._sandbox.client(  # type: ignore[call-overload]
                service, config=client_config(read_timeout, max_attempts)
            )
        return self._made[key]


@contextmanager
def sandbox(region: str = REGION) -> Iterator[Sandbox]:
    """A fresh moto account with the bucket and the table, for the block; a `CliError` without moto."""
    try:
        from moto import mock_aws  # noqa: PLC0415 - a development dependency, needed for local files only
    except ImportError:
        raise CliError(
            f"baton try runs a local file in moto, which is not installed: {MOTO_INSTALL}"
        ) from None
    with mock_aws():
        session = isolated_session(region)
        box = Sandbox(session, session.client("s3"), session.client("dynamodb"))
        create_resources(box)
        yield box


def isolated_session(region: str) -> boto3.session.Session:
    """A session only moto can answer: fake keys, and no configured endpoint."""
    core = botocore.session.Session()
    core.set_config_variable("ignore_configured_endpoint_urls", True)
    return boto3.session.Session(
        aws_access_key_id="baton-try",
        aws_secret_access_key="baton-try",  # noqa: S106 - moto's throw-away account
        region_name=region,
        botocore_session=core,
    )


def create_resources(box: Sandbox) -> None:
    """The bucket (versioned, as the stacks default to) and the results table (pk/sk, `recent` index)."""
    box.s3.create_bucket(Bucket=box.bucket)
    box.s3.put_bucket_versioning(Bucket=box.bucket, VersioningConfiguration={"Status": "Enabled"})
    box.dynamodb.create_table(
        TableName=box.table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "day", "processed_at")
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "recent",
                "KeySchema": [
                    {"AttributeName": "day", "KeyType": "HASH"},
                    {"AttributeName": "processed_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def plain(value: Any) -> Any:
    """A deserialized DynamoDB value fit for printing and JSON: numbers as int or float, sets sorted."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(plain(member) for member in value)
    if isinstance(value, list):
        return [plain(member) for member in value]
    if isinstance(value, dict):
        return {name: plain(member) for name, member in value.items()}
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value
