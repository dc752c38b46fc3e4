"""`baton send`: upload files to the ingest bucket, or send test messages to the FIFO queue.

Files: each file is uploaded under `--prefix`; a folder is uploaded recursively with keys relative to it. S3
then notifies the pipeline as it would for any producer.

Test messages (`--fifo-messages N`): the producer of the original design. Each message gets a small object
under `baton-send/<run-id>/<group>/`, uploaded first, and an EventBridge-shaped "Object Created" event for it
is sent to the FIFO queue with the chosen `MessageGroupId` and a unique `MessageDeduplicationId`. The FIFO
stack's EventBridge rule excludes the `baton-send/` prefix, so S3 does not deliver those objects again.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import mimetypes
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from boto3.exceptions import S3UploadFailedError
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from consumer.cli import ui
from consumer.cli.argtypes import int_between
from consumer.cli.aws import Aws, CliError, queue_name, resource
from consumer.cli.resources import CHAOS_PROCESSOR, function_configuration, processor_of, queue_attributes
from consumer.cli.stack import discover
from relay_common.events import MAX_KEY_BYTES

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

SEND_PREFIX = "baton-send/"
"""Where `--fifo-messages` puts its objects. The FIFO stack's EventBridge rule must exclude this prefix: the
messages sent here already announce those objects, and a second event from S3 would process them twice."""

FAIL_MARK = "fail-on-purpose"
HANG_MARK = "hang-on-purpose"
DEFAULT_GROUP = "baton"
BATCH = 10
_GROUP_ID = re.compile(r"^[!-~]{1,128}$")
"""MessageGroupId: 1-128 characters, alphanumeric and punctuation."""
_KEY_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

EPILOG = f"""\
examples:
  baton send report.csv --stack terraform/stacks/relay
  baton send ./incoming --prefix 2026-11-22 --outputs relay.json     keys: 2026-11-22/<path in incoming>
  baton send --fifo-messages 20 --group a --group b --stack terraform/stacks/fifo
  baton send --fifo-messages 30 --group a --group b --group c --spread blocks --fail-at 7 --hang-at 12 \\
      --stack terraform/stacks/fifo

groups: with --spread round-robin (default) message i goes to group i mod G (1:a 2:b 3:a ...); with
--spread blocks the first ceil(N/G) messages go to the first group, the next to the second, and so on.
--fail-at K / --hang-at K (1-based, repeatable) put {FAIL_MARK!r} / {HANG_MARK!r} in message K's key:
the chaos processor (BATON_PROCESSOR={CHAOS_PROCESSOR}) fails or hangs on those; any other processor
simply processes them (baton warns). Test objects live under {SEND_PREFIX}<run-id>/, a prefix the FIFO
stack's EventBridge rule excludes.
"""


@dataclass(frozen=True, slots=True)
class Upload:
    """One file to upload."""

    path: Path
    key: str
    size: int


@dataclass(slots=True)
class TestMessage:
    """One test message for the FIFO queue."""

    index: int
    group: str
    key: str
    purpose: str | None = None
    message_id: str | None = None
    sequence_number: str | None = None


def add_parser(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register `baton send`."""
    parser = subparsers.add_parser(
        "send",
        parents=parents,
        help="upload files to the ingest bucket, or send test messages to the FIFO queue",
        description="Upload files or folders to the ingest bucket (with a progress bar), or send N test\n"
        "messages to the FIFO queue with chosen message groups, some of them failing or hanging on purpose.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (recursively) to upload")
    parser.add_argument(
        "--prefix", default="", help="upload under this key prefix (a folder: 'a/b' puts keys under a/b/)"
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be uploaded or sent")
    fifo = parser.add_argument_group("test messages to the FIFO queue")
    fifo.add_argument("--fifo-messages", type=int_between(1), metavar="N", help="send N test messages")
    fifo.add_argument(
        "--group",
        action="append",
        metavar="ID",
        help=f"MessageGroupId, repeatable to spread messages over groups (default {DEFAULT_GROUP!r})",
    )
    fifo.add_argument(
        "--spread",
        choices=("round-robin", "blocks"),
        default="round-robin",
        help="how messages are spread over the groups (default round-robin)",
    )
    fifo.add_argument(
        "--fail-at", type=int_between(1), action="append", metavar="K", help="message K fails on purpose"
    )
    fifo.add_argument(
        "--hang-at", type=int_between(1), action="append", metavar="K", help="message K hangs on purpose"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, aws: Aws) -> int:
    """`baton send`."""
    if args.fifo_messages is not None:
        if args.paths:
            raise CliError("give either paths to upload or --fifo-messages, not both")
        return send_messages(args, aws)
    if args.group or args.fail_at or args.hang_at:
        raise CliError("--group, --fail-at and --hang-at go with --fifo-messages N")
    if not args.paths:
        raise CliError("nothing to send: give files or folders to upload, or --fifo-messages N")
    return upload(args, aws)


# -- files ------------------------------------------------------------------------------------------------


def normalise_prefix(prefix: str) -> str:
    """'' stays ''; anything else ends with exactly one '/' and has no leading '/'."""
    cleaned = prefix.strip().lstrip("/")
    return cleaned.rstrip("/") + "/" if cleaned.rstrip("/") else ""


def plan_uploads(paths: list[str], prefix: str) -> list[Upload]:
    """Files to upload and their keys: a file under its name, a folder's files under their relative path."""
    uploads: list[Upload] = []
    for name in paths:
        path = Path(name)
        if path.is_file():
            uploads.append(_upload(path, prefix + path.name))
        elif path.is_dir():
            found = sorted(_walk(path))
            if not found:
                raise CliError(f"folder {name} has no files")
            uploads.extend(_upload(file, prefix + file.relative_to(path).as_posix()) for file in found)
        elif path.exists():
            raise CliError(f"{name} is neither a file nor a folder")
        else:
            raise CliError(f"{name} does not exist")
    seen: dict[str, Path] = {}
    for item in uploads:
        if item.key in seen and seen[item.key] != item.path:
            raise CliError(f"{seen[item.key]} and {item.path} would both be uploaded as {item.key!r}")
        seen[item.key] = item.path
    return list({item.key: item for item in uploads}.values())


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    for root, directories, names in os.walk(folder):
        directories.sort()
        files.extend(Path(root) / name for name in names if (Path(root) / name).is_file())
    return files


def _upload(path: Path, key: str) -> Upload:
    try:
        encoded = key.encode("utf-8")
    except UnicodeEncodeError:
        raise CliError(f"file name {str(path)!r} is not valid UTF-8, so it cannot be an S3 key") from None
    if len(encoded) > MAX_KEY_BYTES:
        raise CliError(f"key for {path} is {len(encoded)} bytes long; S3 keys are at most {MAX_KEY_BYTES}")
    return Upload(path=path, key=key, size=path.stat().st_size)


def check_bucket(aws: Aws, bucket: str) -> None:
    """A `CliError` when the bucket does not exist (or is not ours)."""
    with resource(aws, "bucket", bucket):
        aws.s3().head_bucket(Bucket=bucket)


def upload(args: argparse.Namespace, aws: Aws) -> int:
    """Upload files and folders to the ingest bucket."""
    stack = discover(args)
    bucket = stack.require("bucket")
    prefix = normalise_prefix(args.prefix)
    uploads = plan_uploads(args.paths, prefix)
    total = sum(item.size for item in uploads)
    if prefix.startswith(SEND_PREFIX):
        ui.warn(f"keys under {SEND_PREFIX} are not delivered by the FIFO stack's EventBridge rule")
    if args.dry_run:
        _report_uploads(args, bucket, uploads, total, 0.0, dry_run=True)
        return 0
    check_bucket(aws, bucket)
    s3 = aws.s3()
    started = time.monotonic()
    err = ui.err_console()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(f"uploading {ui.plural(len(uploads), 'file')}", total=total or None)
        for item in uploads:
            progress.update(task, description=ui.abbreviate(item.key, 40))
            content_type = mimetypes.guess_type(item.path.name)[0]
            try:
                s3.upload_file(
                    str(item.path),
                    bucket,
                    item.key,
                    ExtraArgs={"ContentType": content_type} if content_type else None,
                    Callback=lambda sent: progress.advance(task, sent),
                )
            except S3UploadFailedError as error:
                raise CliError(f"uploading {item.path} as {item.key!r} failed: {error}") from None
            except OSError as error:
                raise CliError(f"cannot read {item.path}: {error.strerror or error}") from None
    _report_uploads(args, bucket, uploads, total, time.monotonic() - started, dry_run=False)
    return 0


def _report_uploads(
    args: argparse.Namespace,
    bucket: str,
    uploads: list[Upload],
    total: int,
    seconds: float,
    *,
    dry_run: bool,
) -> None:
    if args.json:
        ui.print_json(
            {
                "bucket": bucket,
                "dry_run": dry_run,
                "objects": [{"key": item.key, "size": item.size, "path": str(item.path)} for item in uploads],
                "bytes": total,
                "seconds": round(seconds, 3),
            }
        )
        return
    out = ui.console()
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("key")
    table.add_column("size", justify="right")
    shown = uploads[:50]
    for item in shown:
        table.add_row(item.key, ui.size(item.size))
    if len(uploads) > len(shown):
        table.add_row(f"… and {len(uploads) - len(shown)} more", "")
    out.print(table)
    verb = "would upload" if dry_run else "uploaded"
    timing = "" if dry_run else f" in {ui.duration(seconds)}"
    out.print(f"{verb} {ui.plural(len(uploads), 'file')} ({ui.size(total)}) to s3://{bucket}/{timing}")


# -- FIFO test messages ---------------------------------------------------------------------------------


def plan_messages(
    count: int,
    groups: list[str],
    *,
    spread: str,
    run_id: str,
    fail_at: list[int],
    hang_at: list[int],
) -> list[TestMessage]:
    """Which group and key each test message gets (1-based indexes)."""
    for index in (*fail_at, *hang_at):
        if index > count:
            raise CliError(f"--fail-at/--hang-at {index} is beyond --fifo-messages {count}")
    both = sorted(set(fail_at) & set(hang_at))
    if both:
        raise CliError(f"message {both[0]} cannot both fail and hang")
    for group in groups:
        if not _GROUP_ID.match(group):
            raise CliError(f"--group {group!r}: a MessageGroupId is 1-128 letters, digits or punctuation")
    block = math.ceil(count / len(groups))
    width = max(len(str(count)), 4)
    messages = []
    for index in range(1, count + 1):
        group = groups[(index - 1) % len(groups)] if spread == "round-robin" else groups[(index - 1) // block]
        purpose = "fail" if index in fail_at else "hang" if index in hang_at else None
        mark = {"fail": f"-{FAIL_MARK}", "hang": f"-{HANG_MARK}"}.get(purpose or "", "")
        folder = _KEY_SAFE.sub("_", group)
        key = f"{SEND_PREFIX}{run_id}/{folder}/{index:0{width}d}{mark}.txt"
        messages.append(TestMessage(index=index, group=group, key=key, purpose=purpose))
    return messages


def object_created_event(
    *,
    bucket: str,
    key: str,
    size: int,
    etag: str,
    sequencer: str,
    version_id: str | None,
    account: str,
    region: str,
    when: datetime,
) -> dict[str, Any]:
    """An EventBridge "Object Created" event as S3 sends it (the key URL-encoded with `+` for spaces)."""
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/"),
        "size": size,
        "etag": etag,
        "sequencer": sequencer,
    }
    if version_id and version_id != "null":
        obj["version-id"] = version_id
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": account,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": obj,
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": account,
            "reason": "PutObject",
        },
    }


def send_messages(args: argparse.Namespace, aws: Aws) -> int:
    """Upload an object per message and send its "Object Created" event to the FIFO queue."""
    stack = discover(args)
    queue_url = stack.require("queue_url")
    bucket = stack.require("bucket")
    groups = list(dict.fromkeys(args.group or [DEFAULT_GROUP]))
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    messages = plan_messages(
        args.fifo_messages,
        groups,
        spread=args.spread,
        run_id=run_id,
        fail_at=args.fail_at or [],
        hang_at=args.hang_at or [],
    )
    if args.dry_run:
        _report_messages(args, queue_url, bucket, run_id, messages, dry_run=True)
        return 0
    attributes = queue_attributes(aws, queue_url)
    if attributes.get("FifoQueue") != "true":
        raise CliError(
            f"queue {queue_name(queue_url)} is not a FIFO queue: --fifo-messages needs the FIFO stack's queue"
        )
    check_bucket(aws, bucket)
    if args.fail_at or args.hang_at:
        _check_chaos(aws, stack.function, messages)
    account = attributes.get("QueueArn", "::::000000000000").split(":")[4]
    s3, sqs = aws.s3(), aws.sqs()
    err = ui.err_console()
    with Progress(
        SpinnerColumn(),
        TextColumn("sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("sending", total=len(messages))
        for start in range(0, len(messages), BATCH):
            chunk = messages[start : start + BATCH]
            entries = [
                _entry(aws, s3, message, bucket=bucket, account=account, run_id=run_id) for message in chunk
            ]
            with resource(aws, "queue", queue_url):
                response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
            by_id = {message.index: message for message in chunk}
            for ok in response.get("Successful", []):
                sent = by_id[int(ok["Id"])]
                sent.message_id = ok["MessageId"]
                sent.sequence_number = ok.get("SequenceNumber")
            failed = response.get("Failed", [])
            if failed:
                first = failed[0]
                raise CliError(
                    f"SQS refused {ui.plural(len(failed), 'message')} (message {first['Id']}: "
                    f"{first.get('Code')}: {first.get('Message', '')}); "
                    f"{sum(1 for m in messages if m.message_id)} were sent"
                )
            progress.advance(task, len(chunk))
    _report_messages(args, queue_url, bucket, run_id, messages, dry_run=False)
    return 0


def _entry(
    aws: Aws, s3: Any, message: TestMessage, *, bucket: str, account: str, run_id: str
) -> SendMessageBatchRequestEntryTypeDef:
    body = (
        f"baton send {run_id}: test message {message.index}, group {message.group}"
        f"{', ' + message.purpose + 's on purpose' if message.purpose else ''}\n"
    ).encode()
    with resource(aws, "bucket", bucket):
        put = s3.put_object(Bucket=bucket, Key=message.key, Body=body, ContentType="text/plain")
    event = object_created_event(
        bucket=bucket,
        key=message.key,
        size=len(body),
        etag=str(put.get("ETag", "")).strip('"'),
        sequencer=f"{time.time_ns():016X}{message.index:06X}",
        version_id=put.get("VersionId"),
        account=account,
        region=aws.region,
        when=datetime.now(UTC),
    )
    return {
        "Id": str(message.index),
        "MessageBody": json.dumps(event),
        "MessageGroupId": message.group,
        "MessageDeduplicationId": f"{run_id}-{message.index}",
    }


def _check_chaos(aws: Aws, function: str | None, messages: list[TestMessage]) -> None:
    """Warn when the messages meant to fail or hang will simply be processed."""
    marked = ", ".join(f"{m.index} ({m.purpose})" for m in messages if m.purpose)
    if not function:
        ui.warn(
            f"cannot check the function's processor (no --function or function_name output): messages "
            f"{marked} fail or hang only under {CHAOS_PROCESSOR}"
        )
        return
    try:
        processor = processor_of(function_configuration(aws, function))
    except CliError as error:
        ui.warn(f"cannot check the function's processor ({error.message})")
        return
    if processor != CHAOS_PROCESSOR:
        ui.warn(
            f"function {function} runs {processor}, not the chaos processor ({CHAOS_PROCESSOR}): "
            f"messages {marked} will simply be processed"
        )


def _report_messages(
    args: argparse.Namespace,
    queue_url: str,
    bucket: str,
    run_id: str,
    messages: list[TestMessage],
    *,
    dry_run: bool,
) -> None:
    if args.json:
        ui.print_json(
            {
                "queue_url": queue_url,
                "bucket": bucket,
                "run_id": run_id,
                "dry_run": dry_run,
                "messages": [asdict(message) for message in messages],
            }
        )
        return
    out = ui.console()
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("group")
    table.add_column("messages", justify="right")
    table.add_column("indexes")
    for group in dict.fromkeys(message.group for message in messages):
        indexes = [message.index for message in messages if message.group == group]
        table.add_row(group, str(len(indexes)), _ranges(indexes))
    out.print(table)
    for message in messages:
        if message.purpose:
            out.print(
                f"message {message.index} ({message.group}) {message.purpose}s on purpose: {message.key}"
            )
    verb = "would send" if dry_run else "sent"
    out.print(
        f"{verb} {ui.plural(len(messages), 'message')} to {queue_name(queue_url)} "
        f"(objects under s3://{bucket}/{SEND_PREFIX}{run_id}/)"
    )


def _ranges(indexes: list[int]) -> str:
    """`1-5, 7, 9-10`, or `1, 3, 5 …` for strided lists."""
    if len(indexes) > 1 and all(b - a == indexes[1] - indexes[0] for a, b in itertools.pairwise(indexes)):
        step = indexes[1] - indexes[0]
        if step == 1:
            return f"{indexes[0]}-{indexes[-1]}"
        return f"{indexes[0]}, {indexes[1]}, … {indexes[-1]} (every {step})"
    return ", ".join(str(index) for index in indexes)
