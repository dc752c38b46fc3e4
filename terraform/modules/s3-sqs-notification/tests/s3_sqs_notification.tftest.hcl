mock_provider "aws" {}

variables {
  bucket_name       = "baton-test-ingest"
  bucket_arn        = "arn:aws:s3:::baton-test-ingest"
  source_account_id = "123456789012"
  queue_arn         = "arn:aws:sqs:us-east-1:123456789012:jobs"
  queue_url         = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
}

run "policy_allows_only_this_bucket" {
  command = plan

  assert {
    condition = jsondecode(output.queue_policy).Statement == [
      {
        Sid       = "AllowS3NotificationsFromThisBucketOnly"
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = "arn:aws:sqs:us-east-1:123456789012:jobs"
        Condition = {
          ArnEquals    = { "aws:SourceArn" = "arn:aws:s3:::baton-test-ingest" }
          StringEquals = { "aws:SourceAccount" = "123456789012" }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = "arn:aws:sqs:us-east-1:123456789012:jobs"
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
    error_message = "The queue policy must let S3 send only for this bucket (aws:SourceArn) and account (aws:SourceAccount), and deny requests without TLS."
  }
  assert {
    condition = (
      length(output.notification_queue_configurations) == 1
      && output.notification_queue_configurations[0].queue_arn == "arn:aws:sqs:us-east-1:123456789012:jobs"
      && toset(output.notification_queue_configurations[0].events) == toset(["s3:ObjectCreated:*"])
      && output.notification_queue_configurations[0].filter_prefix == null
      && output.notification_queue_configurations[0].filter_suffix == null
    )
    error_message = "The bucket must notify the queue of Object Created events, unfiltered by default."
  }
  assert {
    condition     = !output.eventbridge_enabled
    error_message = "The direct route must not switch on EventBridge notifications."
  }
}

run "filters_reach_the_notification" {
  command = plan

  variables {
    filter_prefix = "incoming/"
    filter_suffix = ".csv"
  }

  assert {
    condition     = output.notification_queue_configurations[0].filter_prefix == "incoming/" && output.notification_queue_configurations[0].filter_suffix == ".csv"
    error_message = "Prefix and suffix filters must reach the bucket notification."
  }
}

run "rejects_fifo_queue_bad_account_and_bad_event_type" {
  command = plan
  variables {
    queue_arn         = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"
    source_account_id = "12345"
    events            = ["ObjectCreated"]
  }
  expect_failures = [var.queue_arn, var.source_account_id, var.events]
}
