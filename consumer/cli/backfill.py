"""`baton backfill s3://bucket/prefix`: enqueue the objects already in a bucket, as the stack's route would
have announced them, so a backlog drains through the same consumer, workers and rate cap as new uploads.

Teams adopt Baton with files already in the bucket; S3 notifies only what is written after the route exists.
Each current object under the prefix becomes one message, in the shape of the stack's variant: an S3 event
notification (`{"Records": [...]}`, `ObjectCreated:Put`, the key URL-encoded with `+` for spaces) for the
relay's standard queue, an EventBridge "Object Created" event with the MessageGroupId the stack's routing
gives the key for the FIFO queue. Messages go out with `SendMessageBatch`, 10 at a time, in key order.

The record is the one an upload would get. Its sort key is the object's version token
(`ObjectRef.version_token`): the versionId, else the notification's sequencer, else the ETag. A listing has
no sequencer, so:

* in a versioned bucket (versioning enabled or suspended) the objects are listed with `ListObjectVersions`,
  current versions only, and each message carries its versionId: the consumer reads that exact version and
  the record is the very one the object's own notification would make, so a notification and a backfill of
  the same version give one record;
* otherwise (`ListObjectsV2`) each message carries the ETag and no sequencer: the consumer reads with
  `IfMatch` (an object overwritten since the listing is recorded as `superseded`, never credited with newer
  content) and the record's sort key is `e#<etag>`. A real notification of the same upload has a sequencer
  and would be recorded a second time under `s#<sequencer>`. So objects written at or after the cutoff
  (`--modified-before`, by default the moment the backfill starts) are skipped: their uploads notify the
  pipeline themselves. Objects written between the route going live and the backfill are the operator's to
  exclude, with `--modified-before` set to when the route was deployed.

Running a backfill twice is harmless: the second run's messages carry the same version tokens and are
recorded as duplicates. FIFO messages also get a MessageDeduplicationId per object version, because the
event's body (a fresh event id each time) defeats the queue's content-based deduplication: a batch resent
after a lost response, or a run resumed a little too early, is dropped by SQS within its 5-minute window
instead of being processed again.

Skipped, and counted: objects in an archive storage class (GLACIER, DEEP_ARCHIVE; reading them fails until
they are restored, `--include-archived` sends them anyway); on the FIFO variant, the `baton send` test
objects under `baton-send/` (the FIFO route excludes that prefix by default); on the relay variant, keys
outside the prefix/suffix filter of the bucket's notification to the queue.

Failed batch entries are retried once; what still fails is reported and the exit status is 1. A batch in
which nothing succeeded even after the retry stops the run (SQS refuses everything: access, KMS, throttling)
rather than listing the rest of the bucket into the same failure. The summary gives the key to pass to
`--start-after` to resume: every object up to it was enqueued (or skipped on purpose).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from botocore.exceptions import BotoCoreError, ClientError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from consumer.cli import ui
from consumer.cli.argtypes import int_between
from consumer.cli.aws import Aws, CliError, ResourceError, error_code, error_message, queue_name, resource
from consumer.cli.resources import queue_attributes
from consumer.cli.send import SEND_PREFIX, object_created_event
from consumer.cli.stack import discover
from relay_common.events import MAX_KEY_BYTES

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

    from consumer.cli.stack import Stack

BATCH = 10
"""SendMessageBatch takes at most 10 entries."""
ARCHIVED = frozenset({"GLACIER", "DEEP_ARCHIVE"})
"""Storage classes GetObject refuses (InvalidObjectState) until the object is restored."""
EXIT_INTERRUPTED = 130
SHOWN_FAILURES = 10
EVENT_NAME = "ObjectCreated:Put"
MARK = "baton-backfill"
"""Where a backfilled message says so (the notification's configurationId and principal)."""
_GROUP_ID = re.compile(r"^[!-~]{1,128}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

EPILOG = """\
examples:
  baton backfill s3://my-ingest-bucket/ --stack terraform/stacks/relay --dry-run
  baton backfill s3://my-ingest-bucket/2026/ --stack terraform/stacks/relay
  baton backfill s3://my-ingest-bucket/ --outputs fifo.json --start-after '2026/11/report 0999.csv'
  baton backfill s3://my-ingest-bucket/tenant-a/ --stack terraform/stacks/fifo --group tenant-a --limit 1000
  baton backfill s3://my-ingest-bucket/ --stack terraform/stacks/relay --modified-before 2026-11-22T09:30:00Z

One message per current object under the prefix (a plain key prefix, as in `aws s3 ls`), in key order, in
the shape the stack's variant uses: an S3 notification for the relay, an EventBridge "Object Created" event
with the MessageGroupId of the stack's message_groups routing for the FIFO variant (--group overrides).
A versioned bucket is listed by version, so each message names the exact version it is about. Objects
written at or after --modified-before (default: when the backfill starts) are skipped: their uploads notify
the pipeline themselves. Archived objects (GLACIER, DEEP_ARCHIVE) are skipped unless --include-archived.
The summary gives the key for --start-after to resume an interrupted or limited run; running again is
harmless (the results table records each object version once).
exit status: 0 every object enqueued, 1 some could not be (the summary says which), 130 interrupted.
"""


def add_parser(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register `baton backfill`."""
    parser = subparsers.add_parser(
        "backfill",
        parents=parents,
        help="enqueue the objects already in the bucket, as the stack's route would have",
        description="List the objects already under an S3 prefix and enqueue one message per object, in the\n"
        "shape the stack's route sends, so they are processed and recorded exactly like uploads.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("uri", metavar="s3://BUCKET/PREFIX", help="the objects to enqueue (prefix optional)")
    parser.add_argument(
        "--start-after", default="", metavar="KEY", help="begin after this key (resume a previous run)"
    )
    parser.add_argument("--limit", type=int_between(1), metavar="N", help="enqueue at most N objects")
    parser.add_argument(
        "--modified-before",
        type=_timestamp,
        metavar="TIME",
        help="only objects last modified before TIME (ISO 8601, UTC unless it says; default: now)",
    )
    parser.add_argument(
        "--include-archived",
        action="store_true",
        help="also enqueue GLACIER and DEEP_ARCHIVE objects (restored ones can be read)",
    )
    parser.add_argument(
        "--group",
        metavar="ID",
        help="FIFO: send every message with this MessageGroupId instead of the stack's routing",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count objects and bytes per group; send nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-11-22T09:30:00Z or 2026-11-22)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- what to list ------------------------------------------------------------------------------------------


def utc_now() -> datetime:
    """The current time (the default cutoff)."""
    return datetime.now(UTC)


def parse_uri(text: str) -> tuple[str, str]:
    """(bucket, key prefix) of `s3://bucket/prefix`; a `CliError` for anything else."""
    if not text.startswith("s3://"):
        raise CliError(f"{text!r} is not an S3 URI: give s3://BUCKET/PREFIX (the prefix may be empty)")
    bucket, _, prefix = text[len("s3://") :].partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise CliError(f"{text!r} does not name a valid bucket: give s3://BUCKET/PREFIX")
    if len(prefix.encode("utf-8")) > MAX_KEY_BYTES:
        raise CliError(f"the prefix is longer than an S3 key can be ({MAX_KEY_BYTES} bytes)")
    return bucket, prefix


@dataclass(frozen=True, slots=True)
class Listed:
    """One current object version, as listed."""

    key: str
    size: int
    etag: str
    last_modified: datetime
    version_id: str | None = None
    storage_class: str = "STANDARD"

    @property
    def version_token(self) -> str:
        """The token the consumer records it under (as `ObjectRef.version_token` computes it)."""
        if self.version_id and self.version_id != "null":
            return f"v#{self.version_id}"
        return f"e#{self.etag}"


def list_objects(
    aws: Aws, bucket: str, prefix: str, start_after: str, *, versioned: bool
) -> Iterator[list[Listed]]:
    """The current objects under `prefix` after `start_after`, one list per page, in key order."""
    s3 = aws.s3()
    with resource(aws, "bucket", bucket):
        if versioned:
            yield from _version_pages(s3, bucket, prefix, start_after)
        else:
            yield from _object_pages(s3, bucket, prefix, start_after)


def _object_pages(s3: S3Client, bucket: str, prefix: str, start_after: str) -> Iterator[list[Listed]]:
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if start_after:
        params["StartAfter"] = start_after
    for page in s3.get_paginator("list_objects_v2").paginate(**params):
        yield [
            Listed(
                key=item["Key"],
                size=int(item.get("Size", 0)),
                etag=str(item.get("ETag", "")).strip('"'),
                last_modified=item["LastModified"],
                storage_class=str(item.get("StorageClass") or "STANDARD"),
            )
            for item in page.get("Contents", [])
            if item["Key"] > start_after
        ]


def _version_pages(s3: S3Client, bucket: str, prefix: str, start_after: str) -> Iterator[list[Listed]]:
    # With KeyMarker and no VersionIdMarker S3 starts with the keys after the marker (StartAfter's meaning).
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if start_after:
        params["KeyMarker"] = start_after
    for page in s3.get_paginator("list_object_versions").paginate(**params):
        yield [
            Listed(
                key=item["Key"],
                size=int(item.get("Size", 0)),
                etag=str(item.get("ETag", "")).strip('"'),
                last_modified=item["LastModified"],
                version_id=item.get("VersionId"),
                storage_class=str(item.get("StorageClass") or "STANDARD"),
            )
            for item in page.get("Versions", [])
            if item.get("IsLatest") and item["Key"] > start_after and item["Key"].startswith(prefix)
        ]


def is_versioned(aws: Aws, bucket: str) -> bool:
    """Whether versioning is (or was) on: suspended buckets still hold objects with real version ids."""
    with resource(aws, "bucket", bucket):
        status = aws.s3().get_bucket_versioning(Bucket=bucket).get("Status")
    return status in ("Enabled", "Suspended")


def check_bucket(aws: Aws, bucket: str) -> None:
    """A `CliError` when the bucket does not exist or is in another region than the CLI's."""
    with resource(aws, "bucket", bucket):
        response = aws.s3().head_bucket(Bucket=bucket)
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    region = response.get("BucketRegion") or headers.get("x-amz-bucket-region")
    if region and region != aws.region:
        raise ResourceError(
            f"bucket {bucket} is in region {region}, but baton uses {aws.region}: pass --region {region} "
            "(the pipeline's queue and function are in the bucket's region)"
        )


# -- where each object goes --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupRouting:
    """The MessageGroupId the FIFO stack's EventBridge rules give a key: the group of the one prefix that
    matches it (prefixes never overlap), else the default group."""

    default: str
    prefixes: tuple[tuple[str, str], ...] = ()

    def group_for(self, key: str) -> str:
        """The key's MessageGroupId."""
        for prefix, group in self.prefixes:
            if key.startswith(prefix):
                return group
        return self.default

    @classmethod
    def from_stack(cls, stack: Stack, override: str | None) -> GroupRouting:
        """`--group` if given, else the stack's `message_groups` and `message_group_id` outputs."""
        if override is not None:
            _check_group(override, "--group")
            return cls(default=override)
        if not stack.message_group_id:
            raise CliError(
                "no message group known for the FIFO queue: pass --group or --stack/--outputs with output "
                "'message_group_id'"
            )
        _check_group(stack.message_group_id, "output 'message_group_id'")
        prefixes = tuple(stack.message_groups or ())
        for prefix, group in prefixes:
            if not prefix:
                raise CliError("output 'message_groups' has an empty prefix")
            _check_group(group, f"output 'message_groups' ({prefix!r})")
        for (first, _), (second, _) in _pairs(prefixes):
            if second.startswith(first) or first.startswith(second):
                raise CliError(
                    f"output 'message_groups' has overlapping prefixes {first!r} and {second!r}: a key "
                    "under both would be routed twice"
                )
        return cls(default=stack.message_group_id, prefixes=prefixes)


def _pairs(items: tuple[tuple[str, str], ...]) -> Iterator[tuple[tuple[str, str], tuple[str, str]]]:
    for index, first in enumerate(items):
        for second in items[index + 1 :]:
            yield first, second


def _check_group(group: str, what: str) -> None:
    if not _GROUP_ID.match(group):
        raise CliError(f"{what} {group!r}: a MessageGroupId is 1-128 letters, digits or punctuation")


@dataclass(frozen=True, slots=True)
class KeyFilter:
    """The prefix/suffix filters of the bucket's notifications to the relay queue (any one admits a key)."""

    rules: tuple[tuple[str, str], ...] = (("", ""),)

    def admits(self, key: str) -> bool:
        """Whether S3 would have notified the queue of this key."""
        return any(key.startswith(prefix) and key.endswith(suffix) for prefix, suffix in self.rules)

    @property
    def filtered(self) -> bool:
        """Whether any key can be left out."""
        return ("", "") not in self.rules


def notification_filter(aws: Aws, bucket: str, queue_arn: str) -> KeyFilter:
    """What the bucket's notification configuration sends the queue; every key when it cannot be read."""
    try:
        with resource(aws, "bucket", bucket):
            configuration = aws.s3().get_bucket_notification_configuration(Bucket=bucket)
    except ClientError as error:  # AccessDenied most likely: s3:GetBucketNotification is not granted
        ui.warn(
            f"cannot read the notification configuration of bucket {bucket} ({error_code(error)}: "
            f"{error_message(error)}): every object under the prefix is enqueued"
        )
        return KeyFilter()
    rules: list[tuple[str, str]] = []
    for queue in configuration.get("QueueConfigurations", []):
        if queue.get("QueueArn") != queue_arn:
            continue
        if not any(str(event).startswith("s3:ObjectCreated:") for event in queue.get("Events", [])):
            continue
        found = {
            str(rule.get("Name", "")).lower(): str(rule.get("Value", ""))
            for rule in queue.get("Filter", {}).get("Key", {}).get("FilterRules", [])
        }
        rules.append((found.get("prefix", ""), found.get("suffix", "")))
    if not rules:
        ui.warn(
            f"bucket {bucket} sends no object-created notifications to queue {queue_arn.rsplit(':', 1)[-1]}: "
            "new uploads do not reach it"
        )
        return KeyFilter()
    return KeyFilter(tuple(rules))


# -- the messages ------------------------------------------------------------------------------------------


def iso_time(moment: datetime, *, millis: bool) -> str:
    """UTC `2026-11-22T10:00:00.000Z` (notifications) or `2026-11-22T10:00:00Z` (EventBridge)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (f".{utc.microsecond // 1000:03d}Z" if millis else "Z")


def notification_record(
    obj: Listed, *, bucket: str, region: str, account: str, run_id: str
) -> dict[str, Any]:
    """The S3 event notification record S3 sends for a PUT of `obj`, less the sequencer it does not have."""
    details: dict[str, Any] = {"key": quote_plus(obj.key, safe="/"), "size": obj.size, "eTag": obj.etag}
    if obj.version_id and obj.version_id != "null":
        details["versionId"] = obj.version_id
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_time(obj.last_modified, millis=True),
        "eventName": EVENT_NAME,
        "userIdentity": {"principalId": MARK},
        "requestParameters": {"sourceIPAddress": "s3.amazonaws.com"},
        "responseElements": {"x-amz-request-id": run_id, "x-amz-id-2": MARK},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": MARK,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": account},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": details,
        },
    }


def eventbridge_event(obj: Listed, *, bucket: str, region: str, account: str) -> dict[str, Any]:
    """The EventBridge "Object Created" event for `obj`, less the sequencer a listing does not give."""
    event = object_created_event(
        bucket=bucket,
        key=obj.key,
        size=obj.size,
        etag=obj.etag,
        sequencer="",
        version_id=obj.version_id,
        account=account,
        region=region,
        when=obj.last_modified.astimezone(UTC),
    )
    del event["detail"]["object"]["sequencer"]  # the consumer then records it by versionId or ETag
    return event


def deduplication_id(bucket: str, obj: Listed) -> str:
    """One id per object version (SQS allows 128 characters; a digest keeps any key within that)."""
    digest = hashlib.sha256(f"{bucket}\n{obj.key}\n{obj.version_token}".encode()).hexdigest()
    return f"backfill-{digest}"


@dataclass(frozen=True, slots=True)
class Route:
    """How the stack's route would have announced an object: the body, and for FIFO its group and dedup id."""

    variant: str
    bucket: str
    region: str
    account: str
    run_id: str
    routing: GroupRouting | None = None

    def group(self, obj: Listed) -> str | None:
        """The MessageGroupId (FIFO), or None (relay)."""
        return self.routing.group_for(obj.key) if self.routing is not None else None

    def entry(self, obj: Listed, entry_id: str) -> SendMessageBatchRequestEntryTypeDef:
        """The SendMessageBatch entry for `obj`."""
        if self.routing is None:
            record = notification_record(
                obj, bucket=self.bucket, region=self.region, account=self.account, run_id=self.run_id
            )
            return {"Id": entry_id, "MessageBody": json.dumps({"Records": [record]})}
        event = eventbridge_event(obj, bucket=self.bucket, region=self.region, account=self.account)
        return {
            "Id": entry_id,
            "MessageBody": json.dumps(event),
            "MessageGroupId": self.routing.group_for(obj.key),
            "MessageDeduplicationId": deduplication_id(self.bucket, obj),
        }


# -- sending -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class BatchOutcome:
    """One batch after its retry: keys sent, and why the others were not."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def send_batch(sqs: SQSClient, queue_url: str, route: Route, batch: Sequence[Listed]) -> BatchOutcome:
    """Send up to 10 objects' messages; failed entries (or all, when the call fails) are retried once."""
    outcome = BatchOutcome()
    pending = {str(index): obj for index, obj in enumerate(batch)}
    reasons: dict[str, str] = {}
    for _attempt in (1, 2):
        entries = [route.entry(obj, entry_id) for entry_id, obj in pending.items()]
        try:
            response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except (ClientError, BotoCoreError) as error:
            reasons = {entry_id: _reason(error) for entry_id in pending}
        else:
            outcome.sent.extend(pending[item["Id"]].key for item in response.get("Successful", []))
            reasons = {
                item["Id"]: f"{item.get('Code', 'Unknown')}: {item.get('Message', '')}".rstrip(": ")
                for item in response.get("Failed", [])
            }
        pending = {entry_id: pending[entry_id] for entry_id in reasons}
        if not pending:
            break
    outcome.failed = {pending[entry_id].key: reason for entry_id, reason in reasons.items()}
    return outcome


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{error_code(error) or 'ClientError'}: {error_message(error)}"
    return f"{type(error).__name__}: {error}"


# -- the run -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class GroupCount:
    """Objects and bytes of one message group (or of the relay queue)."""

    objects: int = 0
    bytes: int = 0


@dataclass(slots=True)
class Summary:
    """What a backfill listed, sent, skipped and could not send."""

    bucket: str
    prefix: str
    queue: str
    variant: str
    dry_run: bool
    versioned: bool
    cutoff: str
    start_after: str
    run_id: str
    listed: int = 0
    selected: int = 0
    sent: int = 0
    bytes: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: dict[str, str] = field(default_factory=dict)
    groups: dict[str, GroupCount] = field(default_factory=dict)
    """Objects and bytes by MessageGroupId (FIFO) or under the queue's name (relay)."""
    resume_after: str | None = None
    """Every object up to this key was enqueued or skipped on purpose: the next run's --start-after."""
    complete: bool = False
    """The whole listing was gone through (no --limit, no stop)."""
    stopped: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "queue": self.queue,
            "variant": self.variant,
            "dry_run": self.dry_run,
            "versioned": self.versioned,
            "modified_before": self.cutoff,
            "start_after": self.start_after,
            "run_id": self.run_id,
            "listed": self.listed,
            "selected": self.selected,
            "sent": self.sent,
            "failed": len(self.failed),
            "bytes": self.bytes,
            "skipped": dict(self.skipped),
            "groups": {name: {"objects": c.objects, "bytes": c.bytes} for name, c in self.groups.items()},
            "failures": self.failed,
            "resume_after": self.resume_after,
            "complete": self.complete,
            "stopped": self.stopped,
            "seconds": round(self.seconds, 3),
        }


SKIP_REASONS = {
    "modified": "modified at or after the cutoff (their uploads notify the pipeline)",
    "archived": "in GLACIER or DEEP_ARCHIVE (restore them, then --include-archived)",
    "test_objects": f"`baton send` test objects under {SEND_PREFIX} (the FIFO route excludes them)",
    "route_filter": "outside the prefix/suffix filter of the bucket's notification to the queue",
}


@dataclass(slots=True)
class Plan:
    """What one run does with each listed object."""

    route: Route
    cutoff: datetime
    include_archived: bool
    skip_test_objects: bool
    key_filter: KeyFilter

    def skip_reason(self, obj: Listed) -> str | None:
        """Why `obj` is not enqueued, or None."""
        if self.skip_test_objects and obj.key.startswith(SEND_PREFIX):
            return "test_objects"
        if not self.key_filter.admits(obj.key):
            return "route_filter"
        if obj.last_modified >= self.cutoff:
            return "modified"
        if obj.storage_class in ARCHIVED and not self.include_archived:
            return "archived"
        return None


class Backfill:
    """Lists, selects and sends, keeping the counts and the resume point."""

    def __init__(self, aws: Aws, queue_url: str, plan: Plan, summary: Summary, limit: int | None) -> None:
        self.aws = aws
        self.queue_url = queue_url
        self.plan = plan
        self.summary = summary
        self.limit = limit
        self._batch: list[tuple[Listed, str | None]] = []
        """Objects to send, each with the key listed just before it (where to resume if it fails)."""
        self._last: str | None = summary.start_after or None
        """The last key gone through."""
        self._broken = False
        """An object could not be enqueued: the resume point stays before it."""

    def run(self, progress: Progress) -> None:
        """Go through the listing (until --limit or a stop), sending as batches fill."""
        summary = self.summary
        listed = progress.add_task("listed", total=None)
        sent = progress.add_task("would send" if summary.dry_run else "sent", total=0)
        pages = list_objects(
            self.aws, summary.bucket, summary.prefix, summary.start_after, versioned=summary.versioned
        )
        for page in pages:
            for obj in page:
                if self.limit is not None and summary.selected >= self.limit:
                    summary.stopped = f"--limit {self.limit} reached"
                    self._flush(progress, sent)
                    return
                summary.listed += 1
                progress.advance(listed)
                self._take(obj, progress, sent)
                if len(self._batch) == BATCH and not self._flush(progress, sent):
                    return
        if self._flush(progress, sent):
            summary.complete = True
            summary.stopped = "listed everything under the prefix"

    def _take(self, obj: Listed, progress: Progress, task: TaskID) -> None:
        summary = self.summary
        reason = self.plan.skip_reason(obj)
        if reason is not None:
            summary.skipped[reason] += 1
        else:
            summary.selected += 1
            progress.update(task, total=summary.selected)
            count = summary.groups.setdefault(self.plan.route.group(obj) or summary.queue, GroupCount())
            count.objects += 1
            count.bytes += obj.size
            summary.bytes += obj.size
            self._batch.append((obj, self._last))
        self._last = obj.key
        if not self._batch and not self._broken:
            summary.resume_after = obj.key

    def _flush(self, progress: Progress, task: TaskID) -> bool:
        """Send the pending batch; False when the run must stop (nothing in it could be sent)."""
        if not self._batch:
            return True
        objects = [obj for obj, _ in self._batch]
        if self.summary.dry_run:
            outcome = BatchOutcome(sent=[obj.key for obj in objects])
        else:
            outcome = send_batch(self.aws.sqs(), self.queue_url, self.plan.route, objects)
        self.summary.sent += len(outcome.sent)
        self.summary.failed.update(outcome.failed)
        progress.advance(task, len(outcome.sent))
        for obj, before in self._batch:
            if obj.key in outcome.failed and not self._broken:
                self._broken = True
                self.summary.resume_after = before
        if not self._broken:
            self.summary.resume_after = self._last
        self._batch.clear()
        if not outcome.sent:
            first = next(iter(outcome.failed.values()))
            self.summary.stopped = f"SQS refused a whole batch, even when retried ({first})"
            return False
        return True


def run(args: argparse.Namespace, aws: Aws) -> int:
    """`baton backfill`."""
    bucket, prefix = parse_uri(args.uri)
    stack = discover(args)
    if stack.bucket and stack.bucket != bucket:
        raise CliError(
            f"s3://{bucket} is not the stack's ingest bucket ({stack.bucket}): the consumer reads "
            f"{stack.bucket}; pass --bucket {bucket} if that is really meant"
        )
    queue_url = stack.require("queue_url")
    variant = stack.kind
    if args.group is not None and variant != "fifo":
        raise CliError("--group is for the FIFO variant; the relay's standard queue has no message groups")
    attributes = queue_attributes(aws, queue_url)
    is_fifo = attributes.get("FifoQueue") == "true"
    if is_fifo != (variant == "fifo"):
        kind = "a FIFO" if is_fifo else "a standard"
        raise CliError(f"queue {queue_name(queue_url)} is {kind} queue, but the stack's variant is {variant}")
    routing = GroupRouting.from_stack(stack, args.group) if is_fifo else None
    queue_arn = attributes.get("QueueArn", "")
    account = queue_arn.split(":")[4] if queue_arn.count(":") >= 5 else "000000000000"
    check_bucket(aws, bucket)
    versioned = is_versioned(aws, bucket)
    key_filter = KeyFilter() if is_fifo or not queue_arn else notification_filter(aws, bucket, queue_arn)
    started = utc_now()
    # S3's LastModified has whole seconds: an upload in the second the run starts counts as after it.
    cutoff = args.modified_before or started.replace(microsecond=0)
    run_id = f"BACKFILL-{started.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8].upper()}"
    route = Route(variant, bucket, aws.region, account, run_id, routing)
    plan = Plan(
        route=route,
        cutoff=cutoff,
        include_archived=args.include_archived,
        skip_test_objects=is_fifo and not prefix.startswith(SEND_PREFIX),
        key_filter=key_filter,
    )
    summary = Summary(
        bucket=bucket,
        prefix=prefix,
        queue=queue_name(queue_url),
        variant=variant,
        dry_run=args.dry_run,
        versioned=versioned,
        cutoff=cutoff.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        start_after=args.start_after,
        run_id=run_id,
        resume_after=args.start_after or None,
    )
    backfill = Backfill(aws, queue_url, plan, summary, args.limit)
    clock = time.monotonic()
    err = ui.err_console()
    interrupted = False
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description:>10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not err.is_terminal,
        ) as progress:
            backfill.run(progress)
    except KeyboardInterrupt:
        interrupted = True
        summary.stopped = "interrupted (a batch in flight may or may not have been sent)"
    summary.seconds = time.monotonic() - clock
    report(args, summary, key_filter)
    if interrupted:
        resume = f": resume with --start-after {summary.resume_after!r}" if summary.resume_after else ""
        ui.notice(f"interrupted{resume}")
        return EXIT_INTERRUPTED
    if summary.failed:
        first_key, first_reason = next(iter(summary.failed.items()))
        resume = f"; resume with --start-after {summary.resume_after!r}" if summary.resume_after else ""
        raise CliError(
            f"{ui.plural(len(summary.failed), 'object')} could not be enqueued (first {first_key!r}: "
            f"{first_reason}){resume}"
        )
    return 0


def report(args: argparse.Namespace, summary: Summary, key_filter: KeyFilter) -> None:
    """The summary: a table, or JSON with --json."""
    if args.json:
        ui.print_json(summary.as_dict())
        return
    out = ui.console()
    if summary.groups and (summary.variant == "fifo" or summary.dry_run):
        groups = Table(show_edge=False, pad_edge=False)
        groups.add_column("group" if summary.variant == "fifo" else "queue")
        groups.add_column("objects", justify="right")
        groups.add_column("bytes", justify="right")
        for name, count in sorted(summary.groups.items()):
            groups.add_row(name, str(count.objects), ui.size(count.bytes))
        out.print(groups)
    title = f"baton backfill · s3://{summary.bucket}/{summary.prefix} → {summary.queue} ({summary.variant})"
    table = Table(title=title, title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("listed", f"{summary.listed} objects")
    verb = "would send" if summary.dry_run else "sent"
    table.add_row(verb, f"{summary.sent} ({ui.size(summary.bytes)} of objects)")
    if not summary.dry_run:
        table.add_row("failed", str(len(summary.failed)))
    for reason, skipped in sorted(summary.skipped.items()):
        table.add_row("skipped", f"{skipped} {SKIP_REASONS[reason]}")
    table.add_row("modified before", summary.cutoff)
    table.add_row(
        "versions",
        "versioned bucket: each message names its object's versionId"
        if summary.versioned
        else "unversioned bucket: each message carries its object's ETag",
    )
    if key_filter.filtered:
        shown = ", ".join(f"{prefix}*{suffix}" for prefix, suffix in key_filter.rules)
        table.add_row("route filter", shown)
    table.add_row("resume after", repr(summary.resume_after) if summary.resume_after else "-")
    table.add_row("stopped", summary.stopped)
    table.add_row("seconds", f"{summary.seconds:.1f}")
    out.print(table)
    for key, reason in list(summary.failed.items())[:SHOWN_FAILURES]:
        out.print(f"not enqueued: {key!r}: {reason}")
    if len(summary.failed) > SHOWN_FAILURES:
        out.print(f"… and {len(summary.failed) - SHOWN_FAILURES} more (--json lists them all)")
    if not summary.complete and summary.resume_after:
        out.print(f"to continue: --start-after {summary.resume_after!r}")
