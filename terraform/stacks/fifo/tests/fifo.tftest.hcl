# Offline tests of the FIFO stack with its defaults. The AWS provider is mocked (terraform/tests/mocks/aws), so
# "apply" only computes values; ARNs and URLs get realistic values below, so that the wiring can be asserted.

variables {
  lambda_zip_path = "../../tests/fixtures/lambda.zip"
}

mock_provider "aws" {
  source = "../../tests/mocks/aws"
}

override_resource {
  target = module.pipeline.module.bucket.aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::baton-fifo-ingest-123456789012" }
}

override_resource {
  target = module.pipeline.module.queue.aws_sqs_queue.this
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:baton-fifo.fifo"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-fifo.fifo"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-fifo.fifo"
  }
}

override_resource {
  target = module.pipeline.module.queue.aws_sqs_queue.dlq
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:baton-fifo-dlq.fifo"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-fifo-dlq.fifo"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-fifo-dlq.fifo"
  }
}

override_resource {
  target = module.pipeline.module.results.aws_dynamodb_table.results
  values = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/baton-fifo-results" }
}

override_resource {
  target = module.pipeline.module.results.aws_dynamodb_table.idempotency
  values = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/baton-fifo-idempotency" }
}

override_resource {
  target = module.pipeline.module.function.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:baton-fifo" }
}

override_resource {
  target = module.pipeline.module.function.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/baton-fifo" }
}

override_resource {
  target = module.route.aws_cloudwatch_event_rule.route
  values = { arn = "arn:aws:events:us-east-1:123456789012:rule/baton-fifo-object-created" }
}

override_resource {
  target = module.route.aws_sqs_queue.delivery_dlq
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:baton-fifo-delivery-dlq"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-fifo-delivery-dlq"
  }
}

run "defaults_wire_the_fifo_route" {
  assert {
    condition     = output.variant == "fifo" && output.bucket_name == "baton-fifo-ingest-123456789012"
    error_message = "The stack must report variant fifo and derive the bucket name from name and account."
  }

  # Queues: FIFO pair, content-based deduplication (EventBridge sends no deduplication ID), maxReceiveCount 1.
  assert {
    condition     = endswith(output.queue_arn, ".fifo") && endswith(output.dlq_arn, ".fifo") && module.pipeline.queue.fifo_queue
    error_message = "Source queue and DLQ must both be FIFO queues."
  }
  assert {
    condition = jsondecode(module.pipeline.queue.redrive_policy) == {
      deadLetterTargetArn = "arn:aws:sqs:us-east-1:123456789012:baton-fifo-dlq.fifo"
      maxReceiveCount     = 1
    }
    error_message = "The FIFO queue must dead-letter into its FIFO DLQ after 1 receive by default."
  }
  assert {
    condition     = jsondecode(module.pipeline.queue.dlq_redrive_allow_policy).sourceQueueArns == ["arn:aws:sqs:us-east-1:123456789012:baton-fifo.fifo"]
    error_message = "The FIFO DLQ redrive-allow policy must name the FIFO source queue only."
  }

  # Route: S3 -> EventBridge -> FIFO queue; no direct S3 notification to the FIFO queue.
  assert {
    condition     = module.route.eventbridge_enabled && module.route.notification_queue_configurations == []
    error_message = "The FIFO route must use S3 EventBridge notifications and no S3 -> SQS queue notification (S3 cannot notify FIFO queues)."
  }
  assert {
    condition = jsondecode(module.route.event_pattern) == {
      source        = ["aws.s3"]
      "detail-type" = ["Object Created"]
      detail = {
        bucket = { name = ["baton-fifo-ingest-123456789012"] }
        object = { key = [{ "anything-but" = { prefix = "baton-send/" } }] }
      }
    }
    error_message = "The rule must match Object Created events of this bucket only."
  }
  assert {
    condition     = module.route.target_arn == output.queue_arn && module.route.message_group_id == "ingest"
    error_message = "The rule must target the FIFO queue with the configured MessageGroupId."
  }
  assert {
    condition = jsondecode(module.route.queue_policy).Statement[0] == {
      Sid       = "AllowOnlyTheObjectCreatedRules"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:us-east-1:123456789012:baton-fifo.fifo"
      Condition = {
        ArnEquals    = { "aws:SourceArn" = ["arn:aws:events:us-east-1:123456789012:rule/baton-fifo-object-created"] }
        StringEquals = { "aws:SourceAccount" = "123456789012" }
      }
    }
    error_message = "The FIFO queue policy must let only the Object Created rule (aws:SourceArn) of this account send."
  }
  assert {
    condition     = [for s in jsondecode(module.route.queue_policy).Statement : s.Sid if s.Effect == "Deny" && s.Condition == { Bool = { "aws:SecureTransport" = "false" } }] == ["DenyInsecureTransport"]
    error_message = "The FIFO queue policy must deny requests without TLS."
  }

  # The route keeps what it cannot deliver, and says so.
  assert {
    condition     = output.delivery_dlq_url == "https://sqs.us-east-1.amazonaws.com/123456789012/baton-fifo-delivery-dlq" && one(module.route.retry_policy[*].maximum_retry_attempts) == 185
    error_message = "The EventBridge target needs its delivery DLQ (output delivery_dlq_url) and an explicit retry policy."
  }
  assert {
    condition     = toset(module.pipeline.alarms.route_alarm_names) == toset(["baton-fifo-delivery-dlq-not-empty", "baton-fifo-baton-fifo-object-created-failed-invocations"])
    error_message = "The FIFO stack must alarm on the delivery DLQ's depth and on the rule's FailedInvocations."
  }
  assert {
    condition     = length(output.message_groups) == 0 && length(output.event_rule_names) == 1 && output.event_rule_names[0] == "baton-fifo-object-created"
    error_message = "Without message_groups there is one rule and no prefix groups."
  }

  # Event source mapping: batch 5 with partial batch responses.
  assert {
    condition     = module.trigger.batch_size == 5 && module.trigger.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "The event source mapping must use batch size 5 and ReportBatchItemFailures."
  }
  assert {
    condition     = module.trigger.event_source_arn == output.queue_arn && module.trigger.maximum_concurrency == null
    error_message = "The mapping must poll the FIFO queue, without a concurrency cap by default."
  }

  # IAM: specific ARNs only, no self-invocation for the FIFO function.
  assert {
    condition = {
      for s in jsondecode(module.pipeline.function.role_policy).Statement : s.Sid => s.Resource
      } == {
      WriteOwnLogs      = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/baton-fifo:*"]
      ConsumeOwnQueue   = ["arn:aws:sqs:us-east-1:123456789012:baton-fifo.fifo"]
      ReadIngestObjects = ["arn:aws:s3:::baton-fifo-ingest-123456789012/*"]
      WriteResults      = ["arn:aws:dynamodb:us-east-1:123456789012:table/baton-fifo-results"]
    }
    error_message = "Each permission of the FIFO function must be limited to its own log group, queue, bucket objects and tables."
  }
  assert {
    condition = alltrue([
      !anytrue([for a in flatten([for s in jsondecode(module.pipeline.function.role_policy).Statement : s.Action]) : strcontains(a, "*")]),
      !contains(flatten([for s in jsondecode(module.pipeline.function.role_policy).Statement : s.Resource]), "*"),
    ])
    error_message = "No statement of the FIFO function's policy may use a wildcard action or a \"*\" resource."
  }

  assert {
    condition = module.pipeline.function.environment_variables == tomap({
      BATON_QUEUE_URL               = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-fifo.fifo"
      BATON_PROCESSOR               = "consumer.processors.digest:process"
      BATON_RESULTS_TABLE           = "baton-fifo-results"
      BATON_IDEMPOTENCY_TTL_SECONDS = "3600"
      BATON_MESSAGE_TIMEOUT_SECONDS = "10"
      BATON_SAFETY_MARGIN_SECONDS   = "2"
      BATON_DEADLINE_GUARD          = "on"
      BATON_MAX_RECEIVE_COUNT       = "1"
      BATON_TRACING                 = "false"
      BATON_WORKERS                 = "4"
      BATON_FAILURE_POLICY          = "skip"
      POWERTOOLS_SERVICE_NAME       = "baton-fifo"
      POWERTOOLS_METRICS_NAMESPACE  = "Baton"
      POWERTOOLS_LOG_LEVEL          = "INFO"
    })
    error_message = "The FIFO environment must carry the contract variables with their defaults (one write per message: no idempotency table)."
  }
  assert {
    condition     = output.idempotency_table_name == "" && module.pipeline.function.memory_size == 512
    error_message = "Idempotency is opt-in and the function has room for its 4 workers (512 MB) by default."
  }
  assert {
    condition     = module.pipeline.function.reserved_concurrent_executions == null || module.pipeline.function.reserved_concurrent_executions == -1
    error_message = "The FIFO function must not reserve concurrency by default."
  }
}

run "original_fifo_scenario_is_expressible" {
  command = plan

  variables {
    function_timeout           = 5
    visibility_timeout_seconds = 30
    batch_size                 = 5
    max_receive_count          = 1
    message_timeout_seconds    = 0.5
    safety_margin_seconds      = 0.5
  }

  assert {
    condition     = module.trigger.batch_size == 5
    error_message = "The original scenario runs batches of 5."
  }
  assert {
    condition = (
      module.pipeline.function.timeout == 5
      && module.pipeline.queue.visibility_timeout_seconds == 30
      && module.pipeline.function.environment_variables["BATON_MESSAGE_TIMEOUT_SECONDS"] == "0.5"
      && module.pipeline.function.environment_variables["BATON_SAFETY_MARGIN_SECONDS"] == "0.5"
    )
    error_message = "The original scenario's timeouts must reach the function and the queue."
  }
}

run "options_reach_the_resources" {
  variables {
    max_receive_count    = 3
    failure_policy       = "hold_group"
    maximum_concurrency  = 5
    reserved_concurrency = 10
    message_group_id     = "tenant-42"
    filter_prefix        = "incoming/"
  }

  assert {
    condition     = jsondecode(module.pipeline.queue.redrive_policy).maxReceiveCount == 3 && module.pipeline.function.environment_variables["BATON_FAILURE_POLICY"] == "hold_group"
    error_message = "max_receive_count and failure_policy must reach the redrive policy and the environment."
  }
  assert {
    condition     = module.trigger.maximum_concurrency == 5 && module.pipeline.function.reserved_concurrent_executions == 10
    error_message = "maximum_concurrency must reach the mapping's scaling config and reserved_concurrency the function."
  }
  assert {
    condition     = module.route.message_group_id == "tenant-42"
    error_message = "message_group_id must reach the EventBridge SQS target."
  }
  assert {
    condition     = jsondecode(module.route.event_pattern).detail.object.key == [{ prefix = "incoming/" }]
    error_message = "filter_prefix must reach the rule's event pattern."
  }
}

run "prefixes_route_to_their_own_groups" {
  command = plan

  variables {
    message_groups = { "tenant-a/" = "tenant-a", "tenant-b/" = "tenant-b" }
  }

  assert {
    condition     = output.message_groups["tenant-a/"] == "tenant-a" && output.message_groups["tenant-b/"] == "tenant-b" && length(output.message_groups) == 2 && output.message_group_id == "ingest"
    error_message = "message_groups must reach the route (and its outputs, which baton backfill reads)."
  }
  assert {
    condition     = length(output.event_rule_names) == 3 && length(module.pipeline.alarms.route_alarm_names) == 4
    error_message = "One rule per prefix plus the default rule, each with its FailedInvocations alarm."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Plan-time validations: each bad value is rejected before anything is created. The pipeline's own settings
# (batch_size and the timings among them) are validated in modules/pipeline and tested there
# (tests/pipeline.tftest.hcl); these are the FIFO stack's.
# ---------------------------------------------------------------------------------------------------------------

# A run that lists several variables in expect_failures passes only if each of them is rejected and nothing
# else fails.

run "rejects_hold_group_with_max_receive_count_one_and_bad_trigger_settings" {
  command = plan
  variables {
    failure_policy          = "hold_group"
    max_receive_count       = 1
    message_timeout_seconds = 1
    maximum_concurrency     = 1
    message_group_id        = "my group"
  }
  expect_failures = [
    var.failure_policy,
    var.maximum_concurrency,
    var.message_group_id,
  ]
}

run "rejects_unknown_policy_and_concurrency_above_reserved" {
  command = plan
  variables {
    failure_policy       = "retry"
    maximum_concurrency  = 20
    reserved_concurrency = 10
  }
  expect_failures = [
    var.failure_policy,
    var.maximum_concurrency,
  ]
}
