# Generated from relay_common/limits.py by tests/unit/test_limits_terraform.py: do not edit by hand.
# Regenerate with `python -m tests.unit.test_limits_terraform --write`. Each bound of the table must pass
# plan, each value outside it must fail the variable's own validation (and no other). The mocked provider,
# overrides and base variables are those of tests/pipeline.tftest.hcl (the relay stack's defaults).

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


run "time_budget_seconds_not_above_wait_time" {
  command = plan
  variables {
    time_budget_seconds = 10
    wait_time_seconds   = 10
  }
  expect_failures = [var.time_budget_seconds]
}

run "message_timeout_seconds_at_minimum" {
  command = plan
  variables {
    message_timeout_seconds = 0.05
  }
}

run "message_timeout_seconds_below_minimum" {
  command = plan
  variables {
    message_timeout_seconds = 0.04
  }
  expect_failures = [var.message_timeout_seconds]
}

run "safety_margin_seconds_at_minimum" {
  command = plan
  variables {
    safety_margin_seconds = 0
  }
}

run "safety_margin_seconds_below_minimum" {
  command = plan
  variables {
    safety_margin_seconds = -0.5
  }
  expect_failures = [var.safety_margin_seconds]
}

run "safety_margin_seconds_at_maximum" {
  command = plan
  variables {
    safety_margin_seconds = 60
  }
}

run "safety_margin_seconds_above_maximum" {
  command = plan
  variables {
    safety_margin_seconds = 60.5
  }
  expect_failures = [var.safety_margin_seconds]
}

run "max_receive_count_at_minimum" {
  command = plan
  variables {
    max_receive_count = 1
  }
}

run "max_receive_count_below_minimum" {
  command = plan
  variables {
    max_receive_count = 0
  }
  expect_failures = [var.max_receive_count]
}

run "max_receive_count_at_maximum" {
  command = plan
  variables {
    max_receive_count = 1000
  }
}

run "max_receive_count_above_maximum" {
  command = plan
  variables {
    max_receive_count = 1001
  }
  expect_failures = [var.max_receive_count]
}

run "max_receive_count_fraction" {
  command = plan
  variables {
    max_receive_count = 2.5
  }
  expect_failures = [var.max_receive_count]
}

run "idempotency_ttl_seconds_at_minimum" {
  command = plan
  variables {
    idempotency_ttl_seconds = 60
  }
}

run "idempotency_ttl_seconds_below_minimum" {
  command = plan
  variables {
    idempotency_ttl_seconds = 59
  }
  expect_failures = [var.idempotency_ttl_seconds]
}

run "idempotency_ttl_seconds_fraction" {
  command = plan
  variables {
    idempotency_ttl_seconds = 61.5
  }
  expect_failures = [var.idempotency_ttl_seconds]
}

run "wait_time_seconds_at_minimum" {
  command = plan
  variables {
    wait_time_seconds = 1
  }
}

run "wait_time_seconds_below_minimum" {
  command = plan
  variables {
    wait_time_seconds = 0
  }
  expect_failures = [var.wait_time_seconds]
}

run "wait_time_seconds_at_maximum" {
  command = plan
  variables {
    wait_time_seconds = 20
  }
}

run "wait_time_seconds_above_maximum" {
  command = plan
  variables {
    wait_time_seconds = 21
  }
  expect_failures = [var.wait_time_seconds]
}

run "wait_time_seconds_fraction" {
  command = plan
  variables {
    wait_time_seconds = 2.5
  }
  expect_failures = [var.wait_time_seconds]
}

run "time_budget_seconds_just_above_minimum" {
  command = plan
  variables {
    time_budget_seconds = 2
    wait_time_seconds   = 1
  }
}

run "time_budget_seconds_below_minimum" {
  command = plan
  variables {
    time_budget_seconds = 0.5
    wait_time_seconds   = 1
  }
  expect_failures = [var.time_budget_seconds]
}

run "max_hops_at_minimum" {
  command = plan
  variables {
    max_hops = 0
  }
}

run "max_hops_below_minimum" {
  command = plan
  variables {
    max_hops = -1
  }
  expect_failures = [var.max_hops]
}

run "max_hops_fraction" {
  command = plan
  variables {
    max_hops = 1.5
  }
  expect_failures = [var.max_hops]
}

run "retry_backoff_seconds_at_minimum" {
  command = plan
  variables {
    retry_backoff_seconds     = 0
    retry_backoff_max_seconds = 43200
  }
}

run "retry_backoff_seconds_below_minimum" {
  command = plan
  variables {
    retry_backoff_seconds     = -1
    retry_backoff_max_seconds = 43200
  }
  expect_failures = [var.retry_backoff_seconds]
}

run "retry_backoff_seconds_at_maximum" {
  command = plan
  variables {
    retry_backoff_seconds     = 43200
    retry_backoff_max_seconds = 43200
  }
}

run "retry_backoff_seconds_above_maximum" {
  command = plan
  variables {
    retry_backoff_seconds     = 43201
    retry_backoff_max_seconds = 43200
  }
  expect_failures = [var.retry_backoff_seconds]
}

run "retry_backoff_seconds_fraction" {
  command = plan
  variables {
    retry_backoff_seconds     = 1.5
    retry_backoff_max_seconds = 43200
  }
  expect_failures = [var.retry_backoff_seconds]
}

run "retry_backoff_max_seconds_at_minimum" {
  command = plan
  variables {
    retry_backoff_max_seconds = 0
    retry_backoff_seconds     = 0
  }
}

run "retry_backoff_max_seconds_below_minimum" {
  command = plan
  variables {
    retry_backoff_max_seconds = -1
    retry_backoff_seconds     = 0
  }
  expect_failures = [var.retry_backoff_max_seconds]
}

run "retry_backoff_max_seconds_at_maximum" {
  command = plan
  variables {
    retry_backoff_max_seconds = 43200
    retry_backoff_seconds     = 0
  }
}

run "retry_backoff_max_seconds_above_maximum" {
  command = plan
  variables {
    retry_backoff_max_seconds = 43201
    retry_backoff_seconds     = 0
  }
  expect_failures = [var.retry_backoff_max_seconds]
}

run "retry_backoff_max_seconds_fraction" {
  command = plan
  variables {
    retry_backoff_max_seconds = 1.5
    retry_backoff_seconds     = 0
  }
  expect_failures = [var.retry_backoff_max_seconds]
}

run "workers_at_minimum" {
  command = plan
  variables {
    workers     = 1
    memory_size = 2048
  }
}

run "workers_below_minimum" {
  command = plan
  variables {
    workers     = 0
    memory_size = 2048
  }
  expect_failures = [var.workers]
}

run "workers_at_maximum" {
  command = plan
  variables {
    workers     = 32
    memory_size = 2048
  }
}

run "workers_above_maximum" {
  command = plan
  variables {
    workers     = 33
    memory_size = 2048
  }
  expect_failures = [var.workers]
}

run "workers_fraction" {
  command = plan
  variables {
    workers     = 2.5
    memory_size = 2048
  }
  expect_failures = [var.workers]
}

run "max_messages_per_second_at_minimum" {
  command = plan
  variables {
    max_messages_per_second = 0.1
  }
}

run "max_messages_per_second_below_minimum" {
  command = plan
  variables {
    max_messages_per_second = 0.09000000000000001
  }
  expect_failures = [var.max_messages_per_second]
}

run "max_messages_per_second_at_maximum" {
  command = plan
  variables {
    max_messages_per_second = 10000
  }
}

run "max_messages_per_second_above_maximum" {
  command = plan
  variables {
    max_messages_per_second = 10000.01
  }
  expect_failures = [var.max_messages_per_second]
}
