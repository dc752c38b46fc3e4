"""Smoke test of a deployed stack: upload one object, wait for the result record the pipeline writes for it.

Run by `make smoke STACK=<relay|fifo> ENV=<environment>` after an apply (the deploy workflow does this); it
reads the bucket, table, function and region from the stack's `terraform output -json`. The relay variant is
started with an asynchronous invocation instead of waiting for its schedule. Exit status 0 when the record is
there with status `recorded` and the SHA-256 of the uploaded bytes, 1 otherwise. boto3 honours
AWS_ENDPOINT_URL, so the same check runs against LocalStack.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_INTERVAL_SECONDS = 5.0


class SmokeError(Exception):
    """The deployed pipeline did not produce the expected result record."""


@dataclass(frozen=True, slots=True)
class Target:
    """What the smoke test needs from a stack's outputs."""

    variant: str
    bucket: str
    table: str
    function_name: str
    region: str | None


def load_target(outputs: dict[str, Any]) -> Target:
    """The smoke target from `terraform output -json` (a map of name -> {"value": ...})."""

    def value(name: str) -> str:
        entry = outputs.get(name)
        found = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(found, str) or not found:
            raise SmokeError(f"terraform output {name!r} is missing or empty: is the stack applied?")
        return found

    variant = value("variant")
    if variant not in {"relay", "fifo"}:
        raise SmokeError(f"unknown stack variant {variant!r}")
    region = outputs.get("aws_region", {}).get("value") or None
    return Target(
        variant=variant,
        bucket=value("bucket_name"),
        table=value("results_table_name"),
        function_name=value("function_name"),
        region=region,
    )


def run_smoke(
    target: Target,
    *,
    s3: Any,
    dynamodb: Any,
    lambda_client: Any,
    prefix: str = "smoke/",
    suffix: str = ".txt",
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], None] = print,
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
        # Any event starts a new relay chain at hop 0; reserved concurrency makes a concurrent start wait.
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

    # Only the upload goes away (a delete marker in a versioned bucket); the result record stays as evidence.
    s3.delete_object(Bucket=target.bucket, Key=key)
    return record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=Path, required=True, help="file with `terraform output -json`")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds to wait")
    parser.add_argument(
        "--interval", type=float, default=DEFAULT_INTERVAL_SECONDS, help="seconds between polls"
    )
    parser.add_argument("--prefix", default="smoke/", help="key prefix (must pass the stack's filter_prefix)")
    parser.add_argument("--suffix", default=".txt", help="key suffix (must pass the stack's filter_suffix)")
    args = parser.parse_args(argv)

    try:
        target = load_target(json.loads(args.outputs.read_text(encoding="utf-8")))
        session = boto3.session.Session(region_name=target.region)
        run_smoke(
            target,
            s3=session.client("s3"),
            dynamodb=session.client("dynamodb"),
            lambda_client=session.client("lambda"),
            prefix=args.prefix,
            suffix=args.suffix,
            timeout=args.timeout,
            interval=args.interval,
        )
    except SmokeError as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
