# Relay variant: S3 -> standard SQS queue (+ DLQ); a scheduled Lambda drains the queue and relays itself until
# the queue is empty. The pipeline itself (bucket, queues, tables, function, alarms) is module.pipeline in
# pipeline.tf; this file adds the S3 notification route and the relay trigger.

locals {
  variant = "relay"

  function = {
    handler           = "consumer.relay_handler.lambda_handler"
    description       = "Baton relay: drains {queue} and relays itself until the queue is empty"
    allow_self_invoke = true
  }
  variant_environment = {}
  variant_settings = {
    batch_size                = null
    wait_time_seconds         = var.wait_time_seconds
    time_budget_seconds       = var.time_budget_seconds
    max_hops                  = var.max_hops
    retry_backoff_seconds     = var.retry_backoff_seconds
    retry_backoff_max_seconds = var.retry_backoff_max_seconds
    max_messages_per_second   = var.max_messages_per_second
  }
  # The S3 notification route has no failure signal of its own to alarm on.
  route_alarms = { delivery_dlq_name = null, event_rule_names = [] }
}

module "notification" {
  source = "../../modules/s3-sqs-notification"

  bucket_name       = module.pipeline.bucket.bucket_name
  bucket_arn        = module.pipeline.bucket.bucket_arn
  source_account_id = module.pipeline.account_id
  queue_arn         = module.pipeline.queue.queue_arn
  queue_url         = module.pipeline.queue.queue_url
  filter_prefix     = var.filter_prefix
  filter_suffix     = var.filter_suffix
}

module "trigger" {
  source = "../../modules/relay-trigger"

  function_name                = module.pipeline.function.function_name
  function_arn                 = module.pipeline.function.function_arn
  schedule_name                = "${var.name}-schedule"
  schedule_expression          = var.schedule_expression
  schedule_enabled             = var.schedule_enabled
  maximum_retry_attempts       = var.async_max_retry_attempts
  maximum_event_age_in_seconds = var.async_max_event_age_seconds
  manage_recursion_config      = var.manage_recursion_config
  recursive_loop               = var.recursive_loop
}
