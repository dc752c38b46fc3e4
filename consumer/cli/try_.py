"""`baton try`: run a processor once on one file or S3 object, exactly as the function would.

The fastest loop for someone writing a processor: no deployment, no queue. The object is announced by an S3
event notification built the way S3 writes one, and `MessageEngine` processes it: the same parsing, the same
cold-start `setup()` (`MessageEngine.from_settings`), the same deadline guard and the same failure handling
and log line as in the function. What is printed is the processor's result (status, duplicate, details),
how long setup and processing took and, when the message failed, the error as the function logs it.

* A local file runs in moto (a development dependency): a throw-away versioned bucket and results table, laid
  out like the stacks' own, exist for the one run; the file is uploaded to the bucket and the record the
  processor wrote is printed. AWS calls the processor makes to other services go to moto too; nothing
  reaches an account or an endpoint (AWS_ENDPOINT_URL is ignored).
* `s3://bucket/key` runs against AWS or LocalStack with the CLI's profile, region and endpoint, on the
  object's current version (or `--version-id`); the results table comes from `--table`, the stack, or
  BATON_RESULTS_TABLE, as for `baton drain`. In a versioned bucket the record key is the one the pipeline
  uses for that version, so a version the pipeline has already recorded comes back as a duplicate.

Idempotency is not used: every try runs the processor. Settings are those of the function, read from the
environment, `--env KEY=VALUE` and the options (in that order of precedence, lowest first), and are
validated as the function validates them; the process environment itself is never written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from botocore.exceptions import ClientError
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from consumer.cli import sandbox, ui
from consumer.cli.argtypes import env_assignment, positive_float
from consumer.cli.aws import Aws, CliError, error_code, resource
from consumer.cli.drain import LocalContext
from consumer.cli.stack import discover
from consumer.processors import DEFAULT as DEFAULT_PROCESSOR
from relay_common.clients import Clients
from relay_common.config import CoreSettings, EnvReader
from relay_common.deadline import Budget, in_main_thread
from relay_common.errors import ConfigurationError, MessageError
from relay_common.observability import discard_counts, logger
from relay_common.processing import MessageEngine
from relay_common.processor import BaseProcessor, ProcessorResult, checked_result

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from relay_common.events import ObjectRef
    from relay_common.processing import MessageResult
    from relay_common.processor import ProcessingContext, Processor

EXIT_FAILED = 3
"""The message failed: in the function it would be retried and eventually dead-lettered."""

QUEUE_NAME = "baton-try"
MISSING_OBJECT = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchVersion", "NoSuchBucket"})

SET_BY_TRY = {
    "BATON_QUEUE_URL": "baton try sets it",
    "BATON_PROCESSOR": "give the PROCESSOR argument",
    "BATON_RESULTS_TABLE": "use --table or --stack with an s3:// object; a local file gets its own table",
    "BATON_MESSAGE_TIMEOUT_SECONDS": "use --message-timeout",
    "BATON_IDEMPOTENCY_TABLE": "baton try always runs the processor",
}
"""Function settings `--env` may not set, and what to do instead."""

EPILOG = f"""\
examples:
  baton try consumer.processors.digest:process ./report.csv
  baton try consumer.processors.csv_rows:process ./orders.csv --env BATON_CSV_REQUIRED_COLUMNS=id,email
  baton try mypackage.thumbnails:process ./cat.jpg --message-timeout 5 --json
  baton try consumer.processors.digest:process s3://my-ingest/in/report.csv --stack terraform/stacks/relay
  baton try mypackage.rows:process s3://my-bucket/big.csv --version-id 3sL4kqtJlcpXroDTDmJ.rmSpX --table rows

A local file runs in moto ({sandbox.MOTO_INSTALL}): a throw-away bucket ({sandbox.BUCKET}, versioned)
and results table ({sandbox.TABLE}) exist for this run only, and the record the processor wrote is shown.
An s3:// object runs against AWS or LocalStack with the connection options, on its current version or
--version-id, recording into --table, the stack's results table or $BATON_RESULTS_TABLE.
PROCESSOR is package.module:attribute, importable from here (the current directory is on the path). The
processor's own settings: --env KEY=VALUE (repeatable), else the environment.
exit status: 0 processed, 1 error (the processor could not be loaded or set up, a missing file or object),
3 the message failed (the error is logged as the function logs it), 130 interrupted.
"""


def add_parser(subparsers: Any, connection: argparse.ArgumentParser) -> None:
    """Register `baton try`."""
    parser = subparsers.add_parser(
        "try",
        parents=[connection],
        help="run a processor once on a local file or an S3 object, as the function would",
        description="Run a processor once on a local file (in moto) or on an S3 object (AWS or LocalStack),\n"
        "under the function's deadline guard; print its result, the time it took and what it recorded.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("processor", metavar="PROCESSOR", help="package.module:attribute of the processor")
    parser.add_argument("source", metavar="FILE_OR_S3_URI", help="a local file, or s3://bucket/key")
    parser.add_argument(
        "--message-timeout",
        type=positive_float,
        metavar="SECONDS",
        help="the message's deadline (default $BATON_MESSAGE_TIMEOUT_SECONDS or 30)",
    )
    parser.add_argument(
        "--env",
        type=env_assignment,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable for the processor's own settings (repeatable)",
    )
    parser.add_argument(
        "--key", metavar="KEY", help="local file: its key in the throw-away bucket (default: the file's name)"
    )
    parser.add_argument("--version-id", metavar="ID", help="s3:// object: the version to process")
    resources = parser.add_argument_group("s3:// objects: where results are recorded")
    resources.add_argument(
        "--stack",
        action="append",
        metavar="DIR",
        help="deployed Terraform stack directory (its results table)",
    )
    resources.add_argument(
        "--outputs", action="append", metavar="FILE", help="JSON written by `terraform output -json`"
    )
    resources.add_argument("--table", dest="results_table", metavar="NAME", help="results table")
    parser.add_argument("--verbose", action="store_true", help="also print the function's INFO log lines")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


@dataclass(frozen=True, slots=True)
class Target:
    """The object version the message announces."""

    bucket: str
    key: str
    size: int
    etag: str | None
    version_id: str | None

    @property
    def uri(self) -> str:
        """`s3://bucket/key`."""
        return f"s3://{self.bucket}/{self.key}"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "bucket": self.bucket,
            "key": self.key,
            "size": self.size,
            "etag": self.etag,
            "version_id": self.version_id,
        }


@dataclass(slots=True)
class Trial:
    """What one try came to."""

    processor: str
    mode: str
    """`local` (moto) or `s3`."""
    target: Target
    message_timeout: float
    setup_seconds: float
    message: MessageResult
    results: list[ProcessorResult]
    records: list[dict[str, Any]] | None = None
    """Local mode: every item in the throw-away results table after the run."""
    written: list[dict[str, Any]] = field(default_factory=list)
    """Local mode: objects the processor put in the throw-away bucket."""

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        error = self.message.error
        return {
            "processor": self.processor,
            "mode": self.mode,
            "object": self.target.as_dict(),
            "message_id": self.message.message_id,
            "outcome": str(self.message.outcome),
            "succeeded": self.message.succeeded,
            "results": [result.to_json() for result in self.results],
            "error": None if error is None else error_summary(error),
            "message_timeout": self.message_timeout,
            "setup_seconds": round(self.setup_seconds, 4),
            "seconds": round(self.message.seconds, 4),
            "records": self.records,
            "objects_written": self.written,
        }


def error_summary(error: MessageError) -> dict[str, str | None]:
    """What failed the message: Baton's typed error, and the processor's own exception when it raised one."""
    cause = error.__cause__
    return {
        "type": type(error).__name__,
        "message": error.reason,
        "exception": None if cause is None else type(cause).__name__,
    }


class ResultTap(BaseProcessor):
    """Runs the processor the engine loaded and keeps each result it returns (the engine only counts them)."""

    def __init__(self, processor: Processor) -> None:
        self.inner = processor
        self.results: list[ProcessorResult] = []

    def process(self, obj: ObjectRef, context: ProcessingContext) -> ProcessorResult:
        """Delegate, and keep the result."""
        result = checked_result(self.inner.process(obj, context))
        self.results.append(result)
        return result


def run(args: argparse.Namespace, aws: Aws) -> int:
    """`baton try`."""
    if not in_main_thread():
        raise CliError("baton try must run in the main thread (the deadline guard uses SIGALRM)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # PROCESSOR modules of the project baton is run from
    overrides = own_settings(args.env)
    level = logger.log_level
    logger.setLevel("INFO" if args.verbose else "WARNING")
    try:
        if args.source.startswith("s3://"):
            trial = try_object(args, aws, overrides)
        else:
            trial = try_file(args, aws, overrides)
    finally:
        logger.setLevel(level)
        discard_counts()  # nothing publishes metrics locally
    report(args, trial)
    return 0 if trial.message.succeeded else EXIT_FAILED


def own_settings(assignments: list[tuple[str, str]]) -> dict[str, str]:
    """The `--env` values (the last of a repeated name wins); refuses the settings `baton try` sets itself."""
    refused = [f"{name} ({SET_BY_TRY[name]})" for name, _ in assignments if name in SET_BY_TRY]
    if refused:
        raise CliError(f"--env cannot set {', '.join(dict.fromkeys(refused))}")
    return dict(assignments)


# -- the two sources --------------------------------------------------------------------------------------


def try_file(args: argparse.Namespace, aws: Aws, overrides: Mapping[str, str]) -> Trial:
    """Upload a local file to a throw-away moto bucket and process it there."""
    given = [option for option, value in (("--table", args.results_table), ("--stack", args.stack)) if value]
    given += ["--outputs"] if args.outputs else []
    given += ["--version-id"] if args.version_id else []
    if given:
        raise CliError(
            f"{', '.join(given)} go with an s3:// object; a local file runs in a throw-away moto account"
        )
    path = Path(args.source)
    if not path.exists():
        raise CliError(f"{args.source} does not exist (give a file, or s3://bucket/key)")
    if not path.is_file():
        raise CliError(f"{args.source} is not a file")
    key = args.key or path.name
    region = aws.session.region_name or sandbox.REGION
    with sandbox.sandbox(region) as box:
        put = box.upload(path, key)
        target = Target(
            bucket=box.bucket,
            key=key,
            size=path.stat().st_size,
            etag=put["ETag"].strip('"'),
            version_id=put.get("VersionId"),
        )
        clients = box.clients()
        trial = run_once(args, target, clients, overrides, box.table, region=region, mode="local")
        trial.records = box.records()
        trial.written = box.objects(besides=key)
        return trial


def try_object(args: argparse.Namespace, aws: Aws, overrides: Mapping[str, str]) -> Trial:
    """Process an object that exists on AWS or LocalStack."""
    if args.key:
        raise CliError("--key goes with a local file; an s3:// URI names its key")
    bucket, key = parse_s3_uri(args.source)
    target = head(aws, bucket, key, args.version_id)
    stack = discover(args)
    table = stack.results_table or os.environ.get("BATON_RESULTS_TABLE") or None
    if table:
        with resource(aws, "results table", table):
            aws.dynamodb().describe_table(TableName=table)
    clients = Clients(profile=aws.options.profile, region=aws.region, endpoint_url=aws.endpoint_url)
    return run_once(args, target, clients, overrides, table, region=aws.region, mode="s3")


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of `s3://bucket/key`; the key is taken as written (not URL-decoded)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise CliError(f"{uri!r} is not s3://bucket/key")
    return bucket, key


def head(aws: Aws, bucket: str, key: str, version_id: str | None) -> Target:
    """The object version to announce; a `CliError` naming what does not exist."""
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    s3 = aws.s3()
    try:
        response = s3.head_object(**request)
    except ClientError as error:
        if error_code(error) not in MISSING_OBJECT and error_code(error) != "400":
            raise
        with resource(aws, "bucket", bucket):
            s3.head_bucket(Bucket=bucket)
        version = f" version {version_id}" if version_id else ""
        raise CliError(f"object s3://{bucket}/{key}{version} does not exist in {aws.where}") from None
    found = response.get("VersionId")
    return Target(
        bucket=bucket,
        key=key,
        size=int(response.get("ContentLength", 0)),
        etag=(response.get("ETag") or "").strip('"') or None,
        version_id=found if found and found != "null" else None,
    )


# -- one run of the engine --------------------------------------------------------------------------------


def run_once(
    args: argparse.Namespace,
    target: Target,
    clients: Clients,
    overrides: Mapping[str, str],
    table: str | None,
    *,
    region: str,
    mode: str,
) -> Trial:
    """Set the processor up and process one message announcing `target`, as the function does."""
    settings = trial_settings(args.processor, table, args.message_timeout, overrides, region)
    started = time.monotonic()
    try:
        engine = MessageEngine.from_settings(settings, clients)
    except ConfigurationError as error:
        hint = "" if table else "; no results table is known (pass --table or --stack)"
        raise CliError(f"{error}{hint}") from None
    setup_seconds = time.monotonic() - started
    tap = ResultTap(engine.processor)
    engine = MessageEngine(settings, tap)
    budget = Budget(
        LocalContext(settings.message_timeout + settings.safety_margin + 1.0),
        safety_margin=settings.safety_margin,
    )
    message = engine.process(
        f"baton-try-{uuid.uuid4()}", notification(target, region), receive_count=1, budget=budget
    )
    return Trial(
        processor=settings.processor,
        mode=mode,
        target=target,
        message_timeout=settings.message_timeout,
        setup_seconds=setup_seconds,
        message=message,
        results=tap.results,
    )


def trial_settings(
    spec: str,
    table: str | None,
    message_timeout: float | None,
    overrides: Mapping[str, str],
    region: str,
) -> CoreSettings:
    """The function's core settings for this run, validated as the function validates them."""
    given = {
        "BATON_QUEUE_URL": f"https://sqs.{region}.amazonaws.com/000000000000/{QUEUE_NAME}",
        "BATON_PROCESSOR": spec,
        "BATON_RESULTS_TABLE": table or "",
        "BATON_IDEMPOTENCY_TABLE": "",
    }
    if message_timeout is not None:
        given["BATON_MESSAGE_TIMEOUT_SECONDS"] = str(message_timeout)
    env = EnvReader({**os.environ, **overrides, **given})
    settings = CoreSettings.read(env, default_processor=DEFAULT_PROCESSOR)
    env.raise_if_errors("baton try")
    return settings


def notification(target: Target, region: str) -> str:
    """The S3 event notification S3 would send for `target` (key URL-encoded, spaces as `+`)."""
    obj: dict[str, Any] = {"key": quote_plus(target.key, safe="/"), "size": target.size}
    if target.etag:
        obj["eTag"] = target.etag
    if target.version_id:
        obj["versionId"] = target.version_id
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "baton-try"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "baton-try",
            "bucket": {"name": target.bucket, "arn": f"arn:aws:s3:::{target.bucket}"},
            "object": obj,
        },
    }
    return json.dumps({"Records": [record]})


# -- output -----------------------------------------------------------------------------------------------


def report(args: argparse.Namespace, trial: Trial) -> None:
    """The result as a table (or JSON)."""
    if args.json:
        ui.print_json(trial.as_dict())
        return
    out = ui.console()
    out.print(f"[bold]baton try[/bold] · {escape(trial.processor)} · {escape(trial.target.uri)}")
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in _rows(trial):
        table.add_row(Text(name), Text(value))  # values are data, never markup
    out.print(table)
    if trial.records is not None:
        out.print(f"\n[bold]record{'s' if len(trial.records) != 1 else ''} written[/bold] ({sandbox.TABLE})")
        if trial.records:
            for item in trial.records:
                out.print(json.dumps(item, indent=2, default=str, ensure_ascii=False), markup=False)
        else:
            out.print("none")
    if trial.written:
        out.print(f"\n[bold]objects written[/bold] ({sandbox.BUCKET})")
        for item in trial.written:
            out.print(f"  {item['key']}  {ui.size(item['size'])}", markup=False)


def _rows(trial: Trial) -> Iterator[tuple[str, str]]:
    message = trial.message
    if trial.target.version_id:
        yield "version", trial.target.version_id
    yield "outcome", str(message.outcome)
    for index, result in enumerate(trial.results):
        prefix = f"[{index + 1}] " if len(trial.results) > 1 else ""
        yield f"{prefix}status", str(result.status)
        yield f"{prefix}duplicate", "yes (the version was recorded before)" if result.duplicate else "no"
        for name, value in result.details.items():
            yield f"{prefix}  {name}", _text(value)
    if message.error is not None:
        error = message.error
        # A processor's own exception is wrapped in a plain MessageError whose reason names it already.
        named = "" if type(error) is MessageError else f"{type(error).__name__}: "
        yield "error", f"{named}{error.reason}"
    yield "setup", f"{trial.setup_seconds:.3f}s"
    yield "processing", f"{message.seconds:.3f}s (deadline {trial.message_timeout:g}s)"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)
