# FIFO variant: S3 -> EventBridge -> SQS FIFO queue (+ FIFO DLQ) -> Lambda event source mapping with partial
# batch responses. S3 cannot notify a FIFO queue directly, hence the EventBridge hop. The pipeline itself
# (bucket, queues, tables, function, alarms) is module.pipeline in pipeline.tf; this file adds the EventBridge
# route and the event source mapping.

locals {
  variant = "fifo"

  function = {
    handler           = "consumer.fifo_handler.lambda_handler"
    description       = "Baton FIFO consumer of {queue} (partial batch responses)"
    allow_self_invoke = false
  }
  variant_environment = {
    BATON_FAILURE_POLICY = var.failure_policy
  }
  variant_settings = {
    batch_size                = var.batch_size
    wait_time_seconds         = null
    time_budget_seconds       = null
    max_hops                  = null
    retry_backoff_seconds     = null
    retry_backoff_max_seconds = null
    max_messages_per_second   = null
  }
  route_alarms = {
    delivery_dlq_name = module.route.delivery_dlq_name
    event_rule_names  = module.route.rule_names
  }
}

module "route" {
  source = "../../modules/s3-eventbridge-fifo"

  rule_name         = "${var.name}-object-created"
  bucket_name       = module.pipeline.bucket.bucket_name
  source_account_id = module.pipeline.account_id
  queue_arn         = module.pipeline.queue.queue_arn
  queue_url         = module.pipeline.queue.queue_url
  message_group_id  = var.message_group_id
  message_groups    = var.message_groups
  filter_prefix     = var.filter_prefix
  exclude_prefix    = var.exclude_prefix

  retry_maximum_event_age_seconds = var.event_retry_maximum_age_seconds
  retry_maximum_attempts          = var.event_retry_maximum_attempts
  delivery_dlq_name               = "${var.name}-delivery-dlq"
  delivery_dlq_kms_master_key_id  = var.kms_key_arn
}

module "trigger" {
  source = "../../modules/sqs-event-source"

  function_arn                     = module.pipeline.function.function_arn
  queue_arn                        = module.pipeline.queue.queue_arn
  batch_size                       = var.batch_size
  maximum_concurrency              = var.maximum_concurrency
  report_batch_item_failures       = true
  function_timeout_seconds         = var.function_timeout
  queue_visibility_timeout_seconds = var.visibility_timeout_seconds
}
