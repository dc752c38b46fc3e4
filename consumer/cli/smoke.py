"""`baton smoke`: after a deploy, prove the pipeline works end to end on one object.

It uploads one small object to the stack's bucket, starts the relay (an asynchronous invocation, as the
schedule would; a chain already running picks the object up instead) and waits for the result record the
default processor writes for it: status `recorded`, the SHA-256 of the uploaded bytes, and the uploaded
version. The upload is removed afterwards (a delete marker in a versioned bucket); the record stays as
evidence. The deploy workflow runs it after every apply (`make smoke STACK=... ENV=...`); it works against
LocalStack the same way (`AWS_ENDPOINT_URL`).
"""

from __future__ import annotations

import argparse
import hashlib
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from consumer.cli import ui
from consumer.cli.argtypes import positive_float
from consumer.cli.aws import Aws, CliError, resource
from consumer.cli.stack import VARIANTS, discover

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

    from consumer.cli.stack import Stack

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_INTERVAL_SECONDS = 5.0
EXIT_FAILED = 1

EPILOG = """\
examples:
  baton smoke --stack terraform/stacks/relay
  terraform -chdir=terraform/stacks/fifo output -json > fifo.json
  baton smoke --outputs fifo.json --prefix in/ --wait 600

The key prefix and suffix must pass the stack's filter_prefix / filter_suffix. exit status: 0 the record is
there and right, 1 it is missing or wrong (one line on stderr)."""


class SmokeError(CliError):
    """The deployed pipeline did not produce the expected result record."""

    def __init__(self, message: str) -> None:
        super().__init__(f"smoke: FAILED: {message}", EXIT_FAILED)


@dataclass(frozen=True, slots=True)
class Target:
    """What the smoke test needs from a stack."""

    variant: str
    bucket: str
    table: str
    function_name: str

    @classmethod
    def of(cls, stack: Stack) -> Target:
        """From a deployed stack's outputs; a `CliError` naming what is missing."""
        variant = stack.require("variant")
        if variant not in VARIANTS:
            raise CliError(f"unknown stack variant {variant!r}")
        return cls(
            variant, stack.require("bucket"), stack.require("results_table"), stack.require("function")
        )


def add_parser(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register `baton smoke`."""
    parser = subparsers.add_parser(
        "smoke",
        parents=parents,
        help="upload one object to a deployed stack and wait for its result record",
        description=__doc__.splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--wait",
        dest="smoke_timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"how long to wait for the record (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--interval",
        type=positive_float,
        default=DEFAULT_INTERVAL_SECONDS,
        metavar="SECONDS",
        help=f"seconds between looks at the table (default {DEFAULT_INTERVAL_SECONDS:g})",
    )
    parser.add_argument("--prefix", default="smoke/", help="key prefix (default smoke/)")
    parser.add_argument("--suffix", default=".txt", help="key suffix (default .txt)")
    parser.add_argument("--json", action="store_true", help="print the result record as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, aws: Aws) -> int:
    """`baton smoke`."""
    stack = discover(args)
    if stack.region and not aws.options.region:
        aws = Aws(replace(aws.options, region=stack.region))  # the stack's own region, unless told otherwise
    target = Target.of(stack)
    with resource(aws, "bucket", target.bucket):
        aws.s3().head_bucket(Bucket=target.bucket)
    record = run_smoke(
        target,
        s3=aws.s3(),
        dynamodb=aws.dynamodb(),
        lambda_client=aws.lambda_(),
        prefix=args.prefix,
        suffix=args.suffix,
        timeout=args.smoke_timeout,
        interval=args.interval,
        log=ui.err_console().print if args.json else ui.console().print,
    )
    if args.json:
        ui.print_json(record)
    return 0


def run_smoke(
    target: Target,
    *,
    s3: S3Client,
    dynamodb: DynamoDBClient,
    lambda_client: LambdaClient,
    prefix: str = "smoke/",
    suffix: str = ".txt",
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Upload an object, start the relay if needed, wait for its result record and check it."""
    stamp = datetime.now(UTC)
    key = f"{prefix}{stamp:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}{suffix}"
    body = f"Baton smoke test\nkey {key}\nuploaded {stamp.isoformat()}\n".encode()
    expected_sha256 = hashlib.sha256(body).hexdigest()

    put = s3.put_object(Bucket=target.bucket, Key=key, Body=body, ContentType="text/plain")
    version_id = put.get("VersionId")
    log(f"smoke: uploaded s3://{target.bucket}/{key}" + (f" (version {version_id})" if version_id else ""))

    if target.variant == "relay":
        # Any event starts a chain; if one is running it holds the chain lease and picks the object up.
        lambda_client.invoke(FunctionName=target.function_name, InvocationType="Event", Payload=b"{}")
        log(f"smoke: started a relay chain of {target.function_name}")

    pk = f"{target.bucket}/{key}"
    deadline = clock() + timeout
    while True:
        items = dynamodb.query(
            TableName=target.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        ).get("Items", [])
        if items:
            break
        if clock() >= deadline:
            raise SmokeError(f"no result record for {pk} in {target.table} after {timeout:g} s")
        sleep(interval)

    record = {name: next(iter(attribute.values())) for name, attribute in items[0].items()}
    problems = []
    if record.get("status") != "recorded":
        problems.append(f"status {record.get('status')!r} (expected 'recorded')")
    if record.get("sha256") != expected_sha256:
        problems.append(f"sha256 {record.get('sha256')!r} (expected {expected_sha256!r})")
    if version_id and record.get("sk") != f"v#{version_id}":
        problems.append(f"sk {record.get('sk')!r} (expected 'v#{version_id}')")
    if problems:
        raise SmokeError(f"result record for {pk} is wrong: " + "; ".join(problems))
    log(f"smoke: {pk} recorded by the {target.variant} pipeline (sha256 {expected_sha256[:16]}...)")

    s3.delete_object(Bucket=target.bucket, Key=key)
    return record
