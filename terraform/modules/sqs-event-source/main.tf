locals {
  fifo_queue = endswith(var.queue_arn, ".fifo")
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = var.queue_arn
  function_name                      = var.function_arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  enabled                            = var.enabled
  function_response_types            = var.report_batch_item_failures ? ["ReportBatchItemFailures"] : null

  dynamic "scaling_config" {
    for_each = var.maximum_concurrency == null ? [] : [var.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }

  dynamic "filter_criteria" {
    for_each = length(var.filter_patterns) == 0 ? [] : [var.filter_patterns]
    content {
      dynamic "filter" {
        for_each = filter_criteria.value
        content {
          pattern = filter.value
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !local.fifo_queue || var.batch_size <= 10
      error_message = "batch_size must be at most 10 for a FIFO queue: lower batch_size."
    }
    precondition {
      condition     = !local.fifo_queue || var.maximum_batching_window_in_seconds == null
      error_message = "FIFO queues do not support a batching window: set maximum_batching_window_in_seconds = null."
    }
    precondition {
      condition     = local.fifo_queue || var.batch_size <= 10 || coalesce(var.maximum_batching_window_in_seconds, 0) >= 1
      error_message = "A standard-queue batch_size above 10 needs maximum_batching_window_in_seconds >= 1: set a window or lower batch_size."
    }
    precondition {
      condition     = var.function_timeout_seconds == null || var.queue_visibility_timeout_seconds == null || try(var.queue_visibility_timeout_seconds >= var.function_timeout_seconds, true)
      error_message = "Lambda refuses an SQS trigger whose queue visibility timeout is shorter than the function timeout: raise the queue's visibility timeout (AWS recommends 6 x the function timeout)."
    }
  }
}
