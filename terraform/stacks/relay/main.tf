# Relay variant: S3 -> standard SQS queue (+ DLQ); a scheduled Lambda drains the queue and relays itself until
# the queue is empty.

data "aws_caller_identity" "current" {}

locals {
  variant    = "relay"
  account_id = data.aws_caller_identity.current.account_id

  tags = merge({ Project = "baton", Variant = local.variant }, var.tags)

  bucket_name = coalesce(var.bucket_name, "${var.name}-ingest-${local.account_id}")

  function_environment = merge(
    var.extra_environment_variables,
    {
      BATON_QUEUE_URL                 = module.queue.queue_url
      BATON_PROCESSOR                 = var.processor
      BATON_RESULTS_TABLE             = module.results.results_table_name
      BATON_IDEMPOTENCY_TTL_SECONDS   = tostring(var.idempotency_ttl_seconds)
      BATON_MESSAGE_TIMEOUT_SECONDS   = tostring(var.message_timeout_seconds)
      BATON_SAFETY_MARGIN_SECONDS     = tostring(var.safety_margin_seconds)
      BATON_DEADLINE_GUARD            = var.deadline_guard ? "on" : "off"
      BATON_MAX_RECEIVE_COUNT         = tostring(var.max_receive_count)
      BATON_TRACING                   = var.tracing_enabled ? "true" : "false"
      POWERTOOLS_SERVICE_NAME         = var.service_name
      POWERTOOLS_METRICS_NAMESPACE    = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL            = var.log_level
      BATON_WAIT_TIME_SECONDS         = tostring(var.wait_time_seconds)
      BATON_MAX_HOPS                  = tostring(var.max_hops)
      BATON_RETRY_BACKOFF_SECONDS     = tostring(var.retry_backoff_seconds)
      BATON_RETRY_BACKOFF_MAX_SECONDS = tostring(var.retry_backoff_max_seconds)
    },
    var.create_idempotency_table ? { BATON_IDEMPOTENCY_TABLE = module.results.idempotency_table_name } : {},
    var.time_budget_seconds == null ? {} : { BATON_TIME_BUDGET_SECONDS = tostring(var.time_budget_seconds) },
  )
}

module "bucket" {
  source = "../../modules/ingest-bucket"

  bucket_name                        = local.bucket_name
  force_destroy                      = var.bucket_force_destroy
  versioning_enabled                 = var.bucket_versioning
  expiration_days                    = var.object_expiration_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  kms_key_arn                        = var.kms_key_arn
}

module "queue" {
  source = "../../modules/queue"

  name                          = var.name
  fifo_queue                    = false
  visibility_timeout_seconds    = var.visibility_timeout_seconds
  message_retention_seconds     = var.message_retention_seconds
  dlq_message_retention_seconds = var.dlq_message_retention_seconds
  max_receive_count             = var.max_receive_count
  kms_master_key_id             = var.kms_key_arn
}

module "notification" {
  source = "../../modules/s3-sqs-notification"

  bucket_name       = module.bucket.bucket_name
  bucket_arn        = module.bucket.bucket_arn
  source_account_id = local.account_id
  queue_arn         = module.queue.queue_arn
  queue_url         = module.queue.queue_url
  filter_prefix     = var.filter_prefix
  filter_suffix     = var.filter_suffix
}

module "results" {
  source = "../../modules/results-store"

  results_table_name          = "${var.name}-results"
  idempotency_table_name      = var.create_idempotency_table ? "${var.name}-idempotency" : null
  kms_key_arn                 = var.kms_key_arn
  deletion_protection_enabled = var.table_deletion_protection
}

module "function" {
  source = "../../modules/consumer-function"

  function_name                  = var.name
  description                    = "Baton relay: drains ${module.queue.queue_name} and relays itself until the queue is empty"
  filename                       = var.lambda_zip_path
  handler                        = "consumer.relay_handler.lambda_handler"
  runtime                        = var.runtime
  architectures                  = ["x86_64"]
  timeout                        = var.function_timeout
  memory_size                    = var.memory_size
  reserved_concurrent_executions = var.reserved_concurrency
  environment_variables          = local.function_environment
  tracing_mode                   = var.tracing_enabled ? "Active" : "PassThrough"
  log_retention_in_days          = var.log_retention_in_days
  log_kms_key_arn                = var.kms_key_arn
  kms_key_arn                    = var.kms_key_arn

  sqs_consume_queue_arns        = [module.queue.queue_arn]
  s3_read_bucket_arns           = [module.bucket.bucket_arn]
  dynamodb_put_table_arns       = [module.results.results_table_arn]
  dynamodb_item_crud_table_arns = var.create_idempotency_table ? [module.results.idempotency_table_arn] : []
  kms_decrypt_key_arns          = var.kms_key_arn == null ? [] : [var.kms_key_arn]
  allow_self_invoke             = true
}

module "trigger" {
  source = "../../modules/relay-trigger"

  function_name                = module.function.function_name
  function_arn                 = module.function.function_arn
  schedule_name                = "${var.name}-schedule"
  schedule_expression          = var.schedule_expression
  schedule_enabled             = var.schedule_enabled
  maximum_retry_attempts       = var.async_max_retry_attempts
  maximum_event_age_in_seconds = var.async_max_event_age_seconds
  manage_recursion_config      = var.manage_recursion_config
  recursive_loop               = var.recursive_loop
}

module "alarms" {
  source = "../../modules/alarms"

  name                                 = var.name
  queue_name                           = module.queue.queue_name
  dlq_name                             = module.queue.dlq_name
  oldest_message_age_threshold_seconds = var.alarm_oldest_message_age_seconds
  create_sns_topic                     = var.create_alarm_topic
  sns_topic_kms_master_key_id          = var.kms_key_arn
  alarm_actions                        = var.alarm_actions
}
