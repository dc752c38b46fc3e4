mock_provider "aws" {}

override_resource {
  target = aws_cloudwatch_event_rule.this
  values = { arn = "arn:aws:events:us-east-1:123456789012:rule/jobs-object-created" }
}

variables {
  rule_name         = "jobs-object-created"
  bucket_name       = "baton-test-ingest"
  source_account_id = "123456789012"
  queue_arn         = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"
  queue_url         = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo"
}

run "routes_through_eventbridge" {
  assert {
    condition     = output.eventbridge_enabled && output.notification_queue_configurations == []
    error_message = "The bucket must send its events to EventBridge and must not notify the FIFO queue directly."
  }
  assert {
    condition = jsondecode(output.event_pattern) == {
      source        = ["aws.s3"]
      "detail-type" = ["Object Created"]
      detail = {
        bucket = { name = ["baton-test-ingest"] }
        object = { key = [{ "anything-but" = { prefix = "baton-send/" } }] }
      }
    }
    error_message = "The rule must match Object Created events of this bucket."
  }
  assert {
    condition     = output.target_arn == var.queue_arn && output.message_group_id == "baton-test-ingest"
    error_message = "The rule must target the FIFO queue; the MessageGroupId defaults to the bucket name."
  }
  assert {
    condition = jsondecode(output.queue_policy).Statement == [{
      Sid       = "AllowOnlyTheObjectCreatedRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"
      Condition = {
        ArnEquals    = { "aws:SourceArn" = "arn:aws:events:us-east-1:123456789012:rule/jobs-object-created" }
        StringEquals = { "aws:SourceAccount" = "123456789012" }
      }
    }]
    error_message = "Only the rule (aws:SourceArn) of this account may send to the FIFO queue."
  }
}

run "prefix_and_group_id" {
  command = plan

  variables {
    filter_prefix    = "incoming/"
    message_group_id = "tenant-42"
  }

  assert {
    condition     = jsondecode(output.event_pattern).detail.object.key == [{ prefix = "incoming/" }]
    error_message = "filter_prefix must reach the event pattern."
  }
  assert {
    condition     = output.message_group_id == "tenant-42"
    error_message = "message_group_id must reach the SQS target."
  }
}

run "rejects_standard_queue_spaced_group_id_and_custom_bus" {
  command = plan
  variables {
    queue_arn        = "arn:aws:sqs:us-east-1:123456789012:jobs"
    message_group_id = "my group"
    event_bus_name   = "custom"
  }
  expect_failures = [var.queue_arn, var.message_group_id, var.event_bus_name]
}

run "excludes_the_test_producer_prefix_by_default" {
  command = plan

  assert {
    condition     = jsondecode(output.event_pattern).detail.object.key == [{ "anything-but" = { prefix = "baton-send/" } }]
    error_message = "Without a filter prefix, keys under baton-send/ must not be routed."
  }
}

run "no_exclusion_when_asked" {
  command = plan

  variables {
    exclude_prefix = ""
  }

  assert {
    condition     = !can(jsondecode(output.event_pattern).detail.object)
    error_message = "An empty exclude_prefix routes every key."
  }
}
