# Offline tests of the pipeline module: the AWS provider is mocked, so "apply" runs only compute values. The
# stacks' tests (terraform/stacks/*/tests) assert the wiring with each stack's defaults; these assert what the
# module adds itself and every plan-time validation of the settings both variants share.

mock_provider "aws" {
  source = "../../tests/mocks/aws"

  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::jobs-ingest-123456789012" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/jobs-results" }
  }
}

override_resource {
  target = module.queue.aws_sqs_queue.this
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:jobs"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
  }
}

override_resource {
  target = module.function.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:jobs" }
}

override_resource {
  target = module.function.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/jobs" }
}

# The relay stack's defaults; the FIFO runs set the FIFO stack's.
variables {
  variant                          = "relay"
  name                             = "jobs"
  lambda_zip_path                  = "../../tests/fixtures/lambda.zip"
  function_handler                 = "consumer.relay_handler.lambda_handler"
  function_timeout                 = 120
  visibility_timeout_seconds       = 720
  max_receive_count                = 5
  message_timeout_seconds          = 30
  service_name                     = "baton-relay"
  alarm_oldest_message_age_seconds = 900
  wait_time_seconds                = 10
  max_hops                         = 100
  retry_backoff_seconds            = 30
  retry_backoff_max_seconds        = 900
}

run "variant_settings_reach_the_environment_only_when_set" {
  state_key = "fifo"

  variables {
    variant                    = "fifo"
    function_handler           = "consumer.fifo_handler.lambda_handler"
    variant_environment        = { BATON_FAILURE_POLICY = "hold_group", BATON_QUEUE_URL = "https://example.invalid/queue" }
    batch_size                 = 5
    message_timeout_seconds    = 10
    function_timeout           = 60
    visibility_timeout_seconds = 360
    wait_time_seconds          = null
    max_hops                   = null
    retry_backoff_seconds      = null
    retry_backoff_max_seconds  = null
  }
  override_resource {
    target = module.queue.aws_sqs_queue.this
    values = {
      arn = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"
      id  = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo"
    }
  }

  assert {
    condition     = output.queue.fifo_queue && output.account_id == "123456789012" && output.bucket.bucket_name == "jobs-ingest-123456789012"
    error_message = "variant fifo must make FIFO queues; the bucket name derives from name and account."
  }
  assert {
    condition = (
      output.function.environment_variables["BATON_FAILURE_POLICY"] == "hold_group"
      && output.function.environment_variables["BATON_QUEUE_URL"] == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo"
      && length(setintersection(keys(output.function.environment_variables), [
        "BATON_WAIT_TIME_SECONDS", "BATON_TIME_BUDGET_SECONDS", "BATON_MAX_HOPS", "BATON_RETRY_BACKOFF_SECONDS",
        "BATON_RETRY_BACKOFF_MAX_SECONDS",
      ])) == 0
    )
    error_message = "variant_environment must reach the function without overriding the managed variables, and unset relay settings must stay out of it."
  }
  assert {
    condition     = !contains([for s in jsondecode(output.function.role_policy).Statement : s.Sid], "InvokeItself")
    error_message = "Without allow_self_invoke the function must not be allowed to invoke itself."
  }
}

run "relay_settings_and_policy_statements_reach_the_function" {
  variables {
    allow_self_invoke   = true
    time_budget_seconds = 60
    policy_statements = {
      ReadReferenceData = {
        actions   = ["s3:GetObject"]
        resources = ["arn:aws:s3:::reference-data/*"]
        conditions = [
          { test = "StringEquals", variable = "s3:ExistingObjectTag/classification", values = ["public"] },
        ]
      }
    }
  }

  assert {
    condition = !output.queue.fifo_queue && {
      for key, value in output.function.environment_variables : key => value if startswith(key, "BATON_WAIT") || startswith(key, "BATON_TIME") || startswith(key, "BATON_MAX_HOPS") || startswith(key, "BATON_RETRY")
      } == {
      BATON_WAIT_TIME_SECONDS         = "10"
      BATON_TIME_BUDGET_SECONDS       = "60"
      BATON_MAX_HOPS                  = "100"
      BATON_RETRY_BACKOFF_SECONDS     = "30"
      BATON_RETRY_BACKOFF_MAX_SECONDS = "900"
    }
    error_message = "The relay settings must reach the function's environment on a standard queue."
  }
  assert {
    condition = [for s in jsondecode(output.function.role_policy).Statement : s if s.Sid == "ReadReferenceData"] == [{
      Sid       = "ReadReferenceData"
      Effect    = "Allow"
      Action    = ["s3:GetObject"]
      Resource  = ["arn:aws:s3:::reference-data/*"]
      Condition = { StringEquals = { "s3:ExistingObjectTag/classification" = ["public"] } }
    }]
    error_message = "policy_statements must reach the role policy with their conditions."
  }
  assert {
    condition     = contains([for s in jsondecode(output.function.role_policy).Statement : s.Sid], "InvokeItself")
    error_message = "allow_self_invoke must let the relay invoke itself."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Plan-time validations: each bad value is rejected before anything is created.
# ---------------------------------------------------------------------------------------------------------------

# One run can check several validations at once: expect_failures passes only if every listed variable is
# rejected and nothing else fails.

run "rejects_unknown_variant" {
  command = plan
  variables {
    variant = "standard"
  }
  expect_failures = [var.variant]
}

run "rejects_visibility_below_six_function_timeouts" {
  command = plan
  variables {
    function_timeout           = 120
    visibility_timeout_seconds = 719
  }
  expect_failures = [var.visibility_timeout_seconds]
}

run "rejects_timings_that_cannot_fit_the_function_timeout" {
  command = plan
  variables {
    function_timeout           = 30
    visibility_timeout_seconds = 180
    message_timeout_seconds    = 29 # 29 + 2 > 30
    safety_margin_seconds      = 2
    time_budget_seconds        = 31
    retry_backoff_seconds      = 60
    retry_backoff_max_seconds  = 30
  }
  expect_failures = [
    var.message_timeout_seconds,
    var.time_budget_seconds,
    var.retry_backoff_max_seconds,
  ]
}

run "rejects_out_of_range_settings" {
  command = plan
  variables {
    wait_time_seconds           = 0
    reserved_concurrency        = 0
    name                        = "Baton_Relay"
    lambda_zip_path             = "../../tests/fixtures/missing.zip"
    extra_environment_variables = { BATON_QUEUE_URL = "https://example.invalid/queue" }
  }
  expect_failures = [
    var.wait_time_seconds,
    var.reserved_concurrency,
    var.name,
    var.lambda_zip_path,
    var.extra_environment_variables,
  ]
}

run "rejects_long_poll_above_twenty_and_long_name" {
  command = plan
  variables {
    wait_time_seconds = 21
    name              = "a-name-that-is-far-too-long-for-s3"
  }
  expect_failures = [var.wait_time_seconds, var.name]
}

run "rejects_fifo_visibility_below_six_function_timeouts" {
  command   = plan
  state_key = "fifo"
  variables {
    variant                    = "fifo"
    batch_size                 = 5
    function_timeout           = 5
    visibility_timeout_seconds = 29
    message_timeout_seconds    = 0.5
    safety_margin_seconds      = 0.5
    wait_time_seconds          = null
  }
  expect_failures = [var.visibility_timeout_seconds]
}

run "rejects_batch_that_cannot_finish_in_time" {
  command   = plan
  state_key = "fifo"
  variables {
    variant                    = "fifo"
    function_timeout           = 5
    visibility_timeout_seconds = 30
    batch_size                 = 5
    message_timeout_seconds    = 1 # 5 x 1 + 2 > 5
    safety_margin_seconds      = 2
    wait_time_seconds          = null
  }
  expect_failures = [var.message_timeout_seconds]
}

run "rejects_batch_above_ten" {
  command   = plan
  state_key = "fifo"
  variables {
    variant                    = "fifo"
    function_timeout           = 60
    visibility_timeout_seconds = 360
    batch_size                 = 11
    message_timeout_seconds    = 1
    max_receive_count          = 1
  }
  expect_failures = [var.batch_size]
}

run "rejects_empty_batch" {
  command   = plan
  state_key = "fifo"
  variables {
    variant                    = "fifo"
    function_timeout           = 60
    visibility_timeout_seconds = 360
    batch_size                 = 0
    message_timeout_seconds    = 10
  }
  expect_failures = [var.batch_size]
}

run "workers_must_fit_in_memory" {
  command = plan
  variables {
    workers     = 16
    memory_size = 512
  }
  expect_failures = [var.workers]
}

run "workers_fit_with_room_and_one_worker_needs_none" {
  command = plan
  variables {
    workers          = 1
    memory_size      = 128
    worker_memory_mb = 64
  }
  assert {
    condition     = output.function.environment_variables["BATON_WORKERS"] == "1" && output.function.memory_size == 128
    error_message = "One worker runs in the consumer's own process: no worker memory to reserve."
  }
}

run "operator_defaults_and_hardening_inputs" {
  command = plan
  variables {
    access_log_bucket       = "acme-access-logs"
    code_signing_config_arn = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0"
  }
  assert {
    condition     = output.results.deletion_protection_enabled && output.results.idempotency_table_name == ""
    error_message = "The results table is protected against deletion by default, and idempotency is opt-in (one write per message)."
  }
  assert {
    condition     = output.bucket.access_log_bucket == "acme-access-logs"
    error_message = "access_log_bucket must reach the ingest bucket's server access logging."
  }
  assert {
    condition     = output.function.code_signing_config_arn == var.code_signing_config_arn
    error_message = "code_signing_config_arn must reach the function."
  }
}
