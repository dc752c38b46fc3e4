mock_provider "aws" {}

variables {
  function_arn = "arn:aws:lambda:us-east-1:123456789012:function:jobs"
  queue_arn    = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo"
}

run "partial_batch_responses_batch_of_five" {
  command = plan

  assert {
    condition     = output.batch_size == 5 && output.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "The mapping must default to batches of 5 with ReportBatchItemFailures."
  }
  assert {
    condition     = output.event_source_arn == var.queue_arn && length(aws_lambda_event_source_mapping.this.scaling_config) == 0
    error_message = "The mapping must poll the given queue, without a concurrency cap by default."
  }
}

run "maximum_concurrency" {
  command = plan
  variables {
    maximum_concurrency = 2
  }
  assert {
    condition     = output.maximum_concurrency == 2
    error_message = "maximum_concurrency must reach the scaling config."
  }
}

# Preconditions are checked one per run: an invalid input variable would leave the mapping unevaluated.

run "rejects_fifo_batch_above_ten" {
  command = plan
  variables {
    batch_size = 11
  }
  expect_failures = [aws_lambda_event_source_mapping.this]
}

run "rejects_batching_window_on_fifo" {
  command = plan
  variables {
    maximum_batching_window_in_seconds = 5
  }
  expect_failures = [aws_lambda_event_source_mapping.this]
}

run "rejects_large_standard_batch_without_window" {
  command = plan
  variables {
    queue_arn  = "arn:aws:sqs:us-east-1:123456789012:jobs"
    batch_size = 100
  }
  expect_failures = [aws_lambda_event_source_mapping.this]
}

run "rejects_visibility_shorter_than_timeout" {
  command = plan
  variables {
    function_timeout_seconds         = 60
    queue_visibility_timeout_seconds = 30
  }
  expect_failures = [aws_lambda_event_source_mapping.this]
}

run "rejects_maximum_concurrency_one" {
  command = plan
  variables {
    maximum_concurrency = 1
  }
  expect_failures = [var.maximum_concurrency]
}

run "rejects_maximum_concurrency_above_limit" {
  command = plan
  variables {
    maximum_concurrency = 1001
  }
  expect_failures = [var.maximum_concurrency]
}
