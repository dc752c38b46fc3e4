mock_provider "aws" {}

override_resource {
  target = aws_cloudwatch_event_rule.route
  values = { arn = "arn:aws:events:us-east-1:123456789012:rule/jobs-object-created" }
}

override_resource {
  target = aws_sqs_queue.delivery_dlq
  values = { arn = "arn:aws:sqs:us-east-1:123456789012:jobs-object-created-delivery-dlq", url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs-object-created-delivery-dlq" }
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
    condition = jsondecode(output.queue_policy).Statement == [
      {
        Sid       = "AllowOnlyTheObjectCreatedRules"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"
        Condition = {
          ArnEquals    = { "aws:SourceArn" = ["arn:aws:events:us-east-1:123456789012:rule/jobs-object-created"] }
          StringEquals = { "aws:SourceAccount" = "123456789012" }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
    error_message = "Only the rules (aws:SourceArn) of this account may send to the FIFO queue, and only over TLS."
  }
}

run "undeliverable_events_are_kept" {
  assert {
    condition     = one(aws_cloudwatch_event_target.route["default"].dead_letter_config).arn == output.delivery_dlq_arn
    error_message = "The queue target needs a dead-letter queue: a delivery EventBridge cannot make must not be dropped."
  }
  assert {
    condition     = output.retry_policy.maximum_event_age_in_seconds == 86400 && output.retry_policy.maximum_retry_attempts == 185
    error_message = "The target's retry policy must be explicit (24 h, 185 attempts by default)."
  }
  assert {
    condition     = output.delivery_dlq_name == "jobs-object-created-delivery-dlq" && !aws_sqs_queue.delivery_dlq.fifo_queue
    error_message = "The delivery DLQ is a standard queue (EventBridge requires one) named after the rule."
  }
  assert {
    condition     = aws_sqs_queue.delivery_dlq.sqs_managed_sse_enabled && jsondecode(aws_sqs_queue.delivery_dlq.redrive_allow_policy).redrivePermission == "denyAll"
    error_message = "The delivery DLQ must be encrypted and must not serve as another queue's DLQ."
  }
  assert {
    condition = [for s in jsondecode(output.delivery_dlq_policy).Statement : [s.Sid, s.Effect, s.Resource]] == [
      ["AllowUndeliveredEventsFromTheRules", "Allow", output.delivery_dlq_arn],
      ["DenyInsecureTransport", "Deny", output.delivery_dlq_arn],
    ] && jsondecode(output.delivery_dlq_policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == ["arn:aws:events:us-east-1:123456789012:rule/jobs-object-created"]
    error_message = "Only the rules may send to the delivery DLQ, and only over TLS."
  }
}

run "retry_policy_and_names_are_inputs" {
  command = plan
  variables {
    retry_maximum_event_age_seconds = 3600
    retry_maximum_attempts          = 10
    delivery_dlq_name               = "jobs-undelivered"
    delivery_dlq_kms_master_key_id  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
  assert {
    condition     = output.retry_policy.maximum_event_age_in_seconds == 3600 && output.retry_policy.maximum_retry_attempts == 10
    error_message = "retry_maximum_* must reach the target's retry policy."
  }
  assert {
    condition     = aws_sqs_queue.delivery_dlq.name == "jobs-undelivered" && aws_sqs_queue.delivery_dlq.kms_master_key_id != null
    error_message = "delivery_dlq_name and delivery_dlq_kms_master_key_id must reach the delivery DLQ."
  }
}

run "rejects_retry_policy_out_of_range" {
  command = plan
  variables {
    retry_maximum_event_age_seconds = 30
    retry_maximum_attempts          = 186
    delivery_dlq_name               = "jobs.fifo"
  }
  expect_failures = [var.retry_maximum_event_age_seconds, var.retry_maximum_attempts, var.delivery_dlq_name]
}

run "routes_prefixes_to_their_groups" {
  command = plan
  variables {
    message_group_id = "ingest"
    message_groups   = { "tenant-a/" = "tenant-a", "tenant-b/" = "tenant-b" }
  }
  assert {
    condition     = length(aws_cloudwatch_event_rule.route) == 3 && length(aws_cloudwatch_event_target.route) == 3
    error_message = "One rule and target per prefix, plus the default rule."
  }
  assert {
    condition     = jsondecode(output.event_patterns["prefix:tenant-a/"]).detail.object.key == [{ prefix = "tenant-a/" }] && one(aws_cloudwatch_event_target.route["prefix:tenant-a/"].sqs_target).message_group_id == "tenant-a"
    error_message = "Each prefix rule matches its prefix and sets its group."
  }
  assert {
    condition     = jsondecode(output.event_pattern).detail.object.key == [{ "anything-but" = { prefix = ["baton-send/", "tenant-a/", "tenant-b/"] } }]
    error_message = "The default rule must take only keys no prefix claims (and not the excluded prefix): each key matches exactly one rule."
  }
  assert {
    condition     = output.message_group_id == "ingest" && output.message_groups == { "tenant-a/" = "tenant-a", "tenant-b/" = "tenant-b" }
    error_message = "The routing outputs (read by baton backfill) must match the targets."
  }
  assert {
    condition     = length(distinct([for r in aws_cloudwatch_event_rule.route : r.name])) == 3 && alltrue([for r in aws_cloudwatch_event_rule.route : length(r.name) <= 64])
    error_message = "Rule names must be unique and at most 64 characters."
  }
  assert {
    condition     = length(output.rule_names) == 3 && output.rule_names[0] == "jobs-object-created"
    error_message = "rule_names lists the default rule first, then the prefix rules."
  }
}

run "rejects_overlapping_prefixes" {
  command = plan
  variables {
    message_groups = { "tenant-a/" = "a", "tenant-a/archive/" = "b" }
  }
  expect_failures = [var.message_groups]
}

run "rejects_prefix_under_the_excluded_one" {
  command = plan
  variables {
    message_groups = { "baton-send/x/" = "x" }
  }
  expect_failures = [var.message_groups]
}

run "rejects_filter_prefix_with_groups_and_bad_group_ids" {
  command = plan
  variables {
    filter_prefix  = "in/"
    message_groups = { "in/a/" = "a" }
  }
  expect_failures = [var.message_groups]
}

run "rejects_spaced_group_id" {
  command = plan
  variables {
    message_groups = { "a/" = "group a" }
  }
  expect_failures = [var.message_groups]
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
