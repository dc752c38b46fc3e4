# Offline tests of the relay stack: the AWS provider is mocked, so "apply" runs only compute values.
# Computed ARNs and URLs are overridden with realistic values so that the wiring can be asserted.

mock_provider "aws" {
  source = "../../tests/mocks/aws"
}

override_resource {
  target = module.pipeline.module.bucket.aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::baton-relay-ingest-123456789012" }
}

override_resource {
  target = module.pipeline.module.queue.aws_sqs_queue.this
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:baton-relay"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-relay"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-relay"
  }
}

override_resource {
  target = module.pipeline.module.queue.aws_sqs_queue.dlq
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:baton-relay-dlq"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-relay-dlq"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-relay-dlq"
  }
}

override_resource {
  target = module.pipeline.module.results.aws_dynamodb_table.results
  values = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/baton-relay-results" }
}

override_resource {
  target = module.pipeline.module.results.aws_dynamodb_table.idempotency
  values = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/baton-relay-idempotency" }
}

override_resource {
  target = module.pipeline.module.function.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:baton-relay" }
}

override_resource {
  target = module.pipeline.module.function.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/baton-relay" }
}

override_resource {
  target = module.trigger.aws_cloudwatch_event_rule.schedule
  values = { arn = "arn:aws:events:us-east-1:123456789012:rule/baton-relay-schedule" }
}

variables {
  lambda_zip_path = "../../tests/fixtures/lambda.zip"
}

run "defaults_wire_the_relay" {
  assert {
    condition     = output.variant == "relay" && output.bucket_name == "baton-relay-ingest-123456789012"
    error_message = "The stack must report variant relay and derive the bucket name from name and account."
  }

  # Redrive: source queue -> DLQ with the configured count; the DLQ only accepts this source queue.
  assert {
    condition = jsondecode(module.pipeline.queue.redrive_policy) == {
      deadLetterTargetArn = "arn:aws:sqs:us-east-1:123456789012:baton-relay-dlq"
      maxReceiveCount     = 5
    }
    error_message = "The source queue must dead-letter into its DLQ after 5 receives by default."
  }
  assert {
    condition = jsondecode(module.pipeline.queue.dlq_redrive_allow_policy) == {
      redrivePermission = "byQueue"
      sourceQueueArns   = ["arn:aws:sqs:us-east-1:123456789012:baton-relay"]
    }
    error_message = "The DLQ redrive-allow policy must name the source queue only."
  }

  # Queue policy: only this bucket's S3 notifications, in this account, may send.
  assert {
    condition = jsondecode(module.notification.queue_policy).Statement[0] == {
      Sid       = "AllowS3NotificationsFromThisBucketOnly"
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:us-east-1:123456789012:baton-relay"
      Condition = {
        ArnEquals    = { "aws:SourceArn" = "arn:aws:s3:::baton-relay-ingest-123456789012" }
        StringEquals = { "aws:SourceAccount" = "123456789012" }
      }
    }
    error_message = "The queue policy must allow s3.amazonaws.com to send only from this bucket (aws:SourceArn) and account (aws:SourceAccount)."
  }
  assert {
    condition     = [for s in jsondecode(module.notification.queue_policy).Statement : s.Sid if s.Effect == "Deny" && s.Condition == { Bool = { "aws:SecureTransport" = "false" } }] == ["DenyInsecureTransport"] && jsondecode(module.pipeline.queue.dlq_policy).Statement[0].Sid == "DenyInsecureTransport"
    error_message = "The queue and the DLQ must deny requests without TLS."
  }
  assert {
    condition = (
      length(module.notification.notification_queue_configurations) == 1
      && module.notification.notification_queue_configurations[0].queue_arn == output.queue_arn
      && toset(module.notification.notification_queue_configurations[0].events) == toset(["s3:ObjectCreated:*"])
      && module.notification.notification_queue_configurations[0].filter_prefix == null
      && module.notification.notification_queue_configurations[0].filter_suffix == null
    )
    error_message = "The bucket must notify the standard queue of every Object Created event, unfiltered by default."
  }

  # IAM: every statement names specific ARNs; no wildcard actions or resources (tracing is off).
  assert {
    condition = alltrue([
      for s in jsondecode(module.pipeline.function.role_policy).Statement :
      alltrue([for a in flatten([s.Action]) : !strcontains(a, "*")]) && !contains(flatten([s.Resource]), "*")
    ])
    error_message = "The function policy must not use wildcard actions or a \"*\" resource."
  }
  assert {
    condition = {
      for s in jsondecode(module.pipeline.function.role_policy).Statement : s.Sid => s.Resource
      } == {
      WriteOwnLogs      = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/baton-relay:*"]
      ConsumeOwnQueue   = ["arn:aws:sqs:us-east-1:123456789012:baton-relay"]
      ReadIngestObjects = ["arn:aws:s3:::baton-relay-ingest-123456789012/*"]
      WriteResults      = ["arn:aws:dynamodb:us-east-1:123456789012:table/baton-relay-results"]
      InvokeItself = [
        "arn:aws:lambda:us-east-1:123456789012:function:baton-relay",
        "arn:aws:lambda:us-east-1:123456789012:function:baton-relay:*",
      ]
    }
    error_message = "Each permission of the relay must be limited to its own log group, queue, bucket objects, tables and function."
  }
  assert {
    condition = {
      for s in jsondecode(module.pipeline.function.role_policy).Statement : s.Sid => toset(s.Action)
      } == {
      WriteOwnLogs      = toset(["logs:CreateLogStream", "logs:PutLogEvents"])
      ConsumeOwnQueue   = toset(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"])
      ReadIngestObjects = toset(["s3:GetObject", "s3:GetObjectVersion"])
      WriteResults      = toset(["dynamodb:PutItem"])
      InvokeItself      = toset(["lambda:InvokeFunction"])
    }
    error_message = "The relay policy must grant exactly the actions of the contract."
  }

  # Function configuration as environment variables.
  assert {
    condition = module.pipeline.function.environment_variables == tomap({
      BATON_QUEUE_URL                 = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-relay"
      BATON_PROCESSOR                 = "consumer.processors.digest:process"
      BATON_RESULTS_TABLE             = "baton-relay-results"
      BATON_IDEMPOTENCY_TTL_SECONDS   = "3600"
      BATON_MESSAGE_TIMEOUT_SECONDS   = "30"
      BATON_SAFETY_MARGIN_SECONDS     = "2"
      BATON_DEADLINE_GUARD            = "on"
      BATON_MAX_RECEIVE_COUNT         = "5"
      BATON_TRACING                   = "false"
      BATON_WORKERS                   = "4"
      POWERTOOLS_SERVICE_NAME         = "baton-relay"
      POWERTOOLS_METRICS_NAMESPACE    = "Baton"
      POWERTOOLS_LOG_LEVEL            = "INFO"
      BATON_WAIT_TIME_SECONDS         = "10"
      BATON_MAX_HOPS                  = "100"
      BATON_RETRY_BACKOFF_SECONDS     = "30"
      BATON_RETRY_BACKOFF_MAX_SECONDS = "900"
    })
    error_message = "The relay environment must carry the contract variables with their defaults (one write per message: no idempotency table, no rate cap)."
  }
  assert {
    condition     = output.idempotency_table_name == "" && module.pipeline.function.memory_size == 512
    error_message = "Idempotency is opt-in and the function has room for its 4 workers (512 MB) by default."
  }
  assert {
    condition     = module.pipeline.function.reserved_concurrent_executions == 1 && module.pipeline.function.tracing_mode == "PassThrough" && module.pipeline.function.timeout == 120
    error_message = "The relay must reserve concurrency 1 (one chain at a time) and run 120 s by default."
  }

  # Trigger: schedule, permission limited to the rule, async invoke config, recursion setting.
  assert {
    condition     = module.trigger.schedule_expression == "rate(5 minutes)"
    error_message = "The relay schedule must default to rate(5 minutes)."
  }
  assert {
    condition     = module.trigger.permission_source_arn == "arn:aws:events:us-east-1:123456789012:rule/baton-relay-schedule"
    error_message = "The invoke permission must be limited to the schedule rule."
  }
  assert {
    condition     = module.trigger.target_arn == output.function_arn
    error_message = "The schedule must invoke the relay function."
  }
  assert {
    condition     = module.trigger.maximum_retry_attempts == 0 && module.trigger.maximum_event_age_in_seconds == 3600
    error_message = "The async invoke config must default to 0 retries and a 3600 s event age."
  }
  assert {
    condition     = module.trigger.recursive_loop == "Allow"
    error_message = "The relay must declare its self-invocation chain as intended (recursive loop Allow)."
  }
}

run "tracing_adds_only_the_xray_wildcard" {
  variables {
    tracing_enabled = true
  }

  assert {
    condition = [
      for s in jsondecode(module.pipeline.function.role_policy).Statement : s.Sid if contains(flatten([s.Resource]), "*")
    ] == ["WriteTraces"]
    error_message = "Only the X-Ray statement (no resource-level permissions in X-Ray) may use a \"*\" resource."
  }
  assert {
    condition     = module.pipeline.function.tracing_mode == "Active" && module.pipeline.function.environment_variables["BATON_TRACING"] == "true"
    error_message = "tracing_enabled must switch on active tracing and the Powertools Tracer."
  }
}

run "custom_settings_reach_the_resources" {
  state_key = "custom"

  variables {
    name                        = "acme-relay"
    max_receive_count           = 3
    filter_prefix               = "incoming/"
    filter_suffix               = ".csv"
    time_budget_seconds         = 60
    create_idempotency_table    = true
    workers                     = 8
    max_messages_per_second     = 50
    deadline_guard              = false
    processor                   = "consumer.processors.chaos:process"
    extra_environment_variables = { BATON_CHAOS_HANG_SECONDS = "5" }
    schedule_expression         = "rate(1 minute)"
    kms_key_arn                 = "arn:aws:kms:us-east-1:123456789012:key/0f6b0a4e-1111-2222-3333-444455556666"
    aws_endpoint_url            = "http://localhost.localstack.cloud:4566"
    role_permissions_boundary   = "arn:aws:iam::123456789012:policy/github-baton-function-boundary"
    policy_statements = {
      PublishReports = {
        actions   = ["sns:Publish"]
        resources = ["arn:aws:sns:us-east-1:123456789012:reports"]
      }
    }
  }
  override_resource {
    target = module.pipeline.module.queue.aws_sqs_queue.this
    values = {
      arn = "arn:aws:sqs:us-east-1:123456789012:acme-relay"
      id  = "https://sqs.us-east-1.amazonaws.com/123456789012/acme-relay"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/acme-relay"
    }
  }


  assert {
    condition     = jsondecode(module.pipeline.queue.redrive_policy).maxReceiveCount == 3 && module.pipeline.function.environment_variables["BATON_MAX_RECEIVE_COUNT"] == "3"
    error_message = "max_receive_count must reach the redrive policy and the function environment."
  }
  assert {
    condition = (
      module.notification.notification_queue_configurations[0].filter_prefix == "incoming/"
      && module.notification.notification_queue_configurations[0].filter_suffix == ".csv"
    )
    error_message = "Prefix and suffix filters must reach the bucket notification."
  }
  assert {
    condition = (
      module.pipeline.function.environment_variables["BATON_TIME_BUDGET_SECONDS"] == "60"
      && module.pipeline.function.environment_variables["BATON_DEADLINE_GUARD"] == "off"
      && module.pipeline.function.environment_variables["BATON_PROCESSOR"] == "consumer.processors.chaos:process"
      && module.pipeline.function.environment_variables["BATON_CHAOS_HANG_SECONDS"] == "5"
      && module.pipeline.function.environment_variables["BATON_IDEMPOTENCY_TABLE"] == "acme-relay-idempotency"
      && module.pipeline.function.environment_variables["BATON_WORKERS"] == "8"
      && module.pipeline.function.environment_variables["BATON_MAX_MESSAGES_PER_SECOND"] == "50"
    )
    error_message = "Function settings, extra variables and the idempotency switch must reach the environment."
  }
  assert {
    condition = output.idempotency_table_name == "acme-relay-idempotency" && [
      for s in jsondecode(module.pipeline.function.role_policy).Statement : toset(s.Action) if s.Sid == "UseIdempotencyRecords"
    ] == [toset(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"])]
    error_message = "With idempotency on there must be its table and item permissions on it."
  }
  assert {
    condition = [
      for s in jsondecode(module.pipeline.function.role_policy).Statement : s.Resource if s.Sid == "DecryptQueueMessages"
    ] == [["arn:aws:kms:us-east-1:123456789012:key/0f6b0a4e-1111-2222-3333-444455556666"]]
    error_message = "With a KMS key the function may decrypt with that key only."
  }
  assert {
    condition     = output.bucket_name == "acme-relay-ingest-123456789012" && output.function_name == "acme-relay"
    error_message = "Resource names must derive from name."
  }
  assert {
    condition = [
      for s in jsondecode(module.pipeline.function.role_policy).Statement : s if s.Sid == "PublishReports"
      ] == [{
        Sid      = "PublishReports"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = ["arn:aws:sns:us-east-1:123456789012:reports"]
    }]
    error_message = "policy_statements must reach the function's role policy, keyed by Sid."
  }
  assert {
    condition = (
      output.function_role_name == "acme-relay"
      && output.function_role_arn == "arn:aws:iam::123456789012:role/mock"
    )
    error_message = "The stack must output the function's execution role."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Plan-time validations: each bad value is rejected before anything is created. The pipeline's own settings are
# validated in modules/pipeline and tested there (tests/pipeline.tftest.hcl); these are the relay stack's.
# ---------------------------------------------------------------------------------------------------------------

# One run can check several validations at once: expect_failures passes only if every listed variable is
# rejected and nothing else fails.

run "rejects_out_of_range_settings" {
  command = plan
  variables {
    async_max_retry_attempts    = 3
    async_max_event_age_seconds = 59
    aws_endpoint_url            = "localhost:4566"
    aws_region                  = "us-east"
    tags                        = { "aws:owner" = "me" }
  }
  expect_failures = [
    var.aws_endpoint_url,
    var.async_max_retry_attempts,
    var.async_max_event_age_seconds,
    var.aws_region,
    var.tags,
  ]
}
