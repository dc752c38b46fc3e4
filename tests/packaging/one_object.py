"""Run on python3.13 inside the unpacked artifact: one S3 object through the FIFO handler, as Lambda would.

Only the artifact and the runtime's own libraries are importable. AWS is botocore's Stubber (part of the
runtime): the handler reads the object from a stubbed S3 and records into a stubbed DynamoDB, and the item
it writes is checked. Prints `ok` last.
"""

import io
import json
import os
import sys
import uuid
from importlib import metadata

from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

assert sys.version_info[:2] == (3, 13), sys.version
TASK = os.environ["TASK"]
DATA = "Order ID,E-mail Address,Note\n1,ada@example.com,Café\n2,,no email\n".encode()
ETAG = "0123456789abcdef0123456789abcdef"
KEY = "in/orders 1.csv"

from relay_common import clients  # noqa: E402 - after the interpreter check

box = clients.Clients(region="us-east-1")
s3, dynamodb = box.s3(), box.dynamodb()
written = []
dynamodb.meta.events.register(
    "provide-client-params.dynamodb.PutItem", lambda params, **_: written.append(params)
)
s3_stub, dynamodb_stub = Stubber(s3), Stubber(dynamodb)
s3_stub.add_response(
    "get_object",
    {"Body": StreamingBody(io.BytesIO(DATA), len(DATA)), "ETag": f'"{ETAG}"', "ContentLength": len(DATA)},
    {"Bucket": "baton-ingest", "Key": KEY, "IfMatch": ETAG},
)
dynamodb_stub.add_response(
    "put_item",
    {},
    {"TableName": "baton-results", "Item": ANY, "ConditionExpression": "attribute_not_exists(pk)"},
)
s3_stub.activate()
dynamodb_stub.activate()
clients._default = box  # what the container's clients would be

import acme_csv  # noqa: E402
import iniconfig  # noqa: E402
import slugify  # noqa: E402
import text_unidecode  # noqa: E402

import consumer.fifo_handler as handler  # noqa: E402 - INIT: loads and sets up acme_csv:process

for module in (handler, acme_csv, slugify, text_unidecode, iniconfig):
    assert module.__file__.startswith(TASK), module.__file__
assert metadata.version("iniconfig") == os.environ["INICONFIG_VERSION"]

body = {
    "version": "0",
    "id": str(uuid.uuid4()),
    "detail-type": "Object Created",
    "source": "aws.s3",
    "account": "123456789012",
    "time": "2026-11-22T10:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:s3:::baton-ingest"],
    "detail": {
        "bucket": {"name": "baton-ingest"},
        "object": {"key": "in/orders+1.csv", "size": len(DATA), "etag": ETAG, "sequencer": "0A1B2C"},
        "reason": "PutObject",
    },
}
event = {
    "Records": [
        {
            "messageId": "m-1",
            "receiptHandle": "r-1",
            "body": json.dumps(body),
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": "1700000000000",
                "MessageGroupId": "ingest",
                "MessageDeduplicationId": "d-1",
                "SequenceNumber": "1",
                "SenderId": "x",
                "ApproximateFirstReceiveTimestamp": "1700000000000",
            },
            "messageAttributes": {},
            "md5OfBody": "x",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:baton-fifo.fifo",
            "awsRegion": "us-east-1",
        }
    ]
}


class Context:
    function_name = "baton-fifo"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:baton-fifo"
    aws_request_id = "req-1"
    log_group_name = "/aws/lambda/baton-fifo"
    log_stream_name = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


response = handler.lambda_handler(event, Context())
assert response == {"batchItemFailures": []}, response
s3_stub.assert_no_pending_responses()
dynamodb_stub.assert_no_pending_responses()
(put,) = written
item = {name: next(iter(value.values())) for name, value in put["Item"].items()}
assert item["pk"] == f"baton-ingest/{KEY}", item
assert item["status"] == "recorded", item
assert (item["columns"], item["rows"], item["valid"], item["invalid"]) == ("3", "2", "1", "1"), item
assert item["first_invalid"] == "line 3: 'e_mail_address' is empty", item
print(json.dumps({"record": item}))
print("ok")
