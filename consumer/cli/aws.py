"""AWS access for the CLI: one boto3 session per run, bounded timeouts, and errors turned into one line.

The session honours the standard configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, shared config
files, SSO) and the `--profile`, `--region` and `--endpoint-url` options, which win over the environment.
Every failure an operator can act on (no credentials, a region that does not match the resource, a resource
that does not exist, an endpoint that does not answer) becomes a `CliError` with one line of advice.
"""

from __future__ import annotations

import functools
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)
from botocore.loaders import Loader, create_loader

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

DEFAULT_TIMEOUT = 10.0
"""Seconds to connect and to wait for an answer, per AWS call (long polls add their wait time)."""

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "localstack", "host.docker.internal")  # noqa: S104
LOCAL_SUFFIXES = (".localstack.cloud", ".localhost")

QUEUE_MISSING = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
BUCKET_MISSING = frozenset({"NoSuchBucket", "404", "NotFound"})
RESOURCE_MISSING = frozenset({"ResourceNotFoundException"})
EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
REJECTED = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "InvalidSignatureException",
    }
)
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "AuthorizationError", "403", "Forbidden"})

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
_QUEUE_URL_REGION = re.compile(rf"^https?://(?:sqs\.({_REGION})\.|({_REGION})\.queue\.)")


@functools.cache
def _loader(data_path: str | None) -> Loader:
    """One service-model loader per process: models are parsed once however many sessions are made."""
    return create_loader(data_path)


class CliError(Exception):
    """A failure the operator can act on: printed as one line on stderr, without a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class ResourceError(CliError):
    """One resource is missing or out of reach (another region); other resources may still be fine."""


@dataclass(frozen=True, slots=True)
class AwsOptions:
    """Where and as whom the CLI talks to AWS."""

    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None
    timeout: float = DEFAULT_TIMEOUT


def is_local(endpoint_url: str | None) -> bool:
    """Whether an endpoint is a LocalStack-style local endpoint."""
    if not endpoint_url:
        return False
    host = (urlsplit(endpoint_url).hostname or "").lower()
    return host in LOCAL_HOSTS or host.endswith(LOCAL_SUFFIXES)


def queue_url_region(url: str) -> str | None:
    """The region an SQS queue URL names (`https://sqs.<region>.amazonaws.com/...`), if it names one."""
    match = _QUEUE_URL_REGION.match(url)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def arn_region(arn: str) -> str | None:
    """The region field of an ARN (`arn:aws:sqs:<region>:<account>:<name>`), if it is one."""
    parts = arn.split(":")
    return parts[3] or None if len(parts) >= 6 and parts[0] == "arn" else None


def queue_name(url: str) -> str:
    """A queue's name: the last segment of its URL."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def error_code(error: ClientError) -> str:
    """The AWS error code of a client error."""
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: ClientError) -> str:
    """The AWS error message of a client error (or its code when AWS sent none)."""
    details = error.response.get("Error", {})
    return str(details.get("Message") or details.get("Code") or error)


class Aws:
    """A boto3 session with the CLI's options, its clients (created once each) and error advice."""

    def __init__(self, options: AwsOptions) -> None:
        self.options = options
        try:
            core = botocore.session.get_session()
            core.register_component("data_loader", _loader(core.get_config_variable("data_path")))
            self.session = boto3.session.Session(
                profile_name=options.profile, region_name=options.region, botocore_session=core
            )
        except ProfileNotFound:
            raise CliError(self.no_profile_advice()) from None
        self._clients: dict[tuple[str, float], Any] = {}

    @property
    def region(self) -> str:
        """The region every client uses; a `CliError` when none is configured."""
        region = self.session.region_name
        if not region:
            raise CliError(self.no_region_advice())
        return region

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint override, if any (`--endpoint-url` or AWS_ENDPOINT_URL)."""
        return self.options.endpoint_url

    @property
    def where(self) -> str:
        """`region us-east-1` or `region us-east-1 at http://...`, for error messages."""
        region = self.session.region_name or "(no region)"
        return f"region {region} at {self.endpoint_url}" if self.endpoint_url else f"region {region}"

    def client(self, service: str, *, read_timeout: float | None = None) -> Any:
        """A client for `service` with the CLI's endpoint and timeouts (cached per read timeout)."""
        read = read_timeout if read_timeout is not None else self.options.timeout
        cached = self._clients.get((service, read))
        if cached is not None:
            return cached
        region = self.region
        config = Config(
            connect_timeout=self.options.timeout,
            read_timeout=read,
            retries={"mode": "standard"},  # attempts: AWS_MAX_ATTEMPTS or the profile, else 3
            tcp_keepalive=True,
            user_agent_extra="baton-cli",
        )
        client = self.session.client(  # type: ignore[call-overload]
            service, region_name=region, endpoint_url=self.endpoint_url, config=config
        )
        self._clients[(service, read)] = client
        return client

    def sqs(self, *, wait_time: int = 0) -> SQSClient:
        """SQS; a long poll of `wait_time` seconds gets a read timeout that covers it."""
        read = self.options.timeout + wait_time if wait_time else None
        return self.client("sqs", read_timeout=read)  # type: ignore[no-any-return]

    def s3(self) -> S3Client:
        """S3."""
        return self.client("s3")  # type: ignore[no-any-return]

    def dynamodb(self) -> DynamoDBClient:
        """DynamoDB."""
        return self.client("dynamodb")  # type: ignore[no-any-return]

    def lambda_(self) -> LambdaClient:
        """Lambda."""
        return self.client("lambda")  # type: ignore[no-any-return]

    def logs(self) -> CloudWatchLogsClient:
        """CloudWatch Logs."""
        return self.client("logs")  # type: ignore[no-any-return]

    def cloudwatch(self) -> CloudWatchClient:
        """CloudWatch metrics."""
        return self.client("cloudwatch")  # type: ignore[no-any-return]

    # -- checks made before the first call -----------------------------------------------------------

    def check_queue_region(self, url: str) -> None:
        """Refuse a queue URL that names another region than the one the CLI uses."""
        named = queue_url_region(url)
        if named and named != self.region:
            raise ResourceError(
                f"queue {url} is in region {named}, but baton uses {self.region}: pass --region {named} "
                "(or set AWS_REGION)"
            )

    def check_arn_region(self, arn: str, what: str) -> None:
        """Refuse an ARN of another region than the one the CLI uses."""
        named = arn_region(arn)
        if named and named != self.region:
            raise ResourceError(
                f"{what} {arn} is in region {named}, but baton uses {self.region}: pass --region {named}"
            )

    # -- advice -------------------------------------------------------------------------------------

    def no_profile_advice(self) -> str:
        """What to do when the profile is not configured."""
        profile = self.options.profile or os.environ.get("AWS_PROFILE")
        return f"AWS profile {profile!r} is not configured: check --profile / AWS_PROFILE and ~/.aws/config"

    def no_region_advice(self) -> str:
        """What to do when no region is configured."""
        local = " (LocalStack uses us-east-1)" if is_local(self.endpoint_url) else ""
        return f"no AWS region configured: pass --region or set AWS_REGION{local}"

    def unreachable_advice(self, endpoint: str | None) -> str:
        """What to do when an endpoint refuses or does not answer the connection."""
        target = endpoint or self.endpoint_url or f"AWS in {self.session.region_name}"
        if is_local(self.endpoint_url) or is_local(endpoint):
            return f"cannot reach {target}: is LocalStack running? Start it with `make localstack-up`"
        if self.endpoint_url:
            return f"cannot reach {target}: check --endpoint-url / AWS_ENDPOINT_URL and the network"
        return f"cannot reach {target}: check the network and --region"

    def explain(self, error: BaseException) -> str | None:  # noqa: PLR0911 - one answer per kind of failure
        """One line of advice for a botocore error, or None when it is not one."""
        if isinstance(error, NoCredentialsError | PartialCredentialsError):
            local = " (LocalStack accepts test/test)" if is_local(self.endpoint_url) else ""
            return (
                "no AWS credentials found: pass --profile or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and "
                f"AWS_SECRET_ACCESS_KEY{local}"
            )
        if isinstance(error, TokenRetrievalError | SSOError):
            profile = self.options.profile or self.session.profile_name
            return f"the AWS SSO session is missing or expired: run `aws sso login --profile {profile}`"
        if isinstance(error, ProfileNotFound):
            return self.no_profile_advice()
        if isinstance(error, NoRegionError):
            return self.no_region_advice()
        if isinstance(error, EndpointConnectionError | ConnectTimeoutError | ConnectionClosedError):
            return self.unreachable_advice(getattr(error, "kwargs", {}).get("endpoint_url"))
        if isinstance(error, ReadTimeoutError):
            endpoint = error.kwargs.get("endpoint_url") or self.endpoint_url
            return f"{endpoint} did not answer within {self.options.timeout:g}s (raise --timeout?)"
        if isinstance(error, ClientError):
            return self._explain_client_error(error)
        if isinstance(error, BotoCoreError):
            return str(error)
        return None

    def _explain_client_error(self, error: ClientError) -> str:
        code, message = error_code(error), error_message(error)
        operation = getattr(error, "operation_name", "the AWS call")
        if code in EXPIRED:
            return "the AWS credentials have expired: refresh them (aws sso login / new session keys)"
        if code in REJECTED:
            return (
                f"AWS rejected the credentials ({code}) in {self.where}: check the profile, the keys and "
                "--region / --endpoint-url"
            )
        if code in DENIED:
            return f"access denied for {operation} in {self.where}: {message}"
        return f"{operation} failed in {self.where}: {code}: {message}"


@contextmanager
def resource(aws: Aws, kind: str, name: str) -> Iterator[None]:
    """Turn "does not exist" errors of calls on one resource into a `ResourceError` naming it.

    `kind` is one of queue, dead-letter queue, bucket, table, function.
    """
    try:
        yield
    except ClientError as error:
        code = error_code(error)
        missing = (
            QUEUE_MISSING
            if kind.endswith("queue")
            else BUCKET_MISSING
            if kind == "bucket"
            else RESOURCE_MISSING
        )
        if code in missing:
            raise ResourceError(f"{kind} {name} does not exist in {aws.where}") from None
        raise


def is_missing(error: ClientError) -> bool:
    """Whether a client error says the resource does not exist."""
    return error_code(error) in QUEUE_MISSING | BUCKET_MISSING | RESOURCE_MISSING
