# What both variants share: the ingest bucket, the source queue and its DLQ, the results store, the consumer
# function with its environment, and the alarms. The calling stack adds the route (bucket -> queue) and the
# trigger (queue -> function).

data "aws_caller_identity" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  bucket_name = coalesce(var.bucket_name, "${var.name}-ingest-${local.account_id}")

  # Settings of one variant: unset (null) for the other, so they stay out of its environment.
  variant_settings = {
    BATON_WAIT_TIME_SECONDS         = var.wait_time_seconds
    BATON_TIME_BUDGET_SECONDS       = var.time_budget_seconds
    BATON_MAX_HOPS                  = var.max_hops
    BATON_RETRY_BACKOFF_SECONDS     = var.retry_backoff_seconds
    BATON_RETRY_BACKOFF_MAX_SECONDS = var.retry_backoff_max_seconds
    BATON_MAX_MESSAGES_PER_SECOND   = var.max_messages_per_second
  }

  function_environment = merge(
    var.extra_environment_variables,
    var.variant_environment,
    {
      BATON_QUEUE_URL               = module.queue.queue_url
      BATON_PROCESSOR               = var.processor
      BATON_RESULTS_TABLE           = module.results.results_table_name
      BATON_IDEMPOTENCY_TTL_SECONDS = tostring(var.idempotency_ttl_seconds)
      BATON_MESSAGE_TIMEOUT_SECONDS = tostring(var.message_timeout_seconds)
      BATON_SAFETY_MARGIN_SECONDS   = tostring(var.safety_margin_seconds)
      BATON_DEADLINE_GUARD          = var.deadline_guard ? "on" : "off"
      BATON_MAX_RECEIVE_COUNT       = tostring(var.max_receive_count)
      BATON_TRACING                 = var.tracing_enabled ? "true" : "false"
      BATON_WORKERS                 = tostring(var.workers)
      POWERTOOLS_SERVICE_NAME       = var.service_name
      POWERTOOLS_METRICS_NAMESPACE  = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL          = var.log_level
    },
    { for key, value in local.variant_settings : key => tostring(value) if value != null },
    var.create_idempotency_table ? { BATON_IDEMPOTENCY_TABLE = module.results.idempotency_table_name } : {},
  )
}

module "bucket" {
  source = "../ingest-bucket"

  bucket_name                        = local.bucket_name
  force_destroy                      = var.bucket_force_destroy
  versioning_enabled                 = var.bucket_versioning
  expiration_days                    = var.object_expiration_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  kms_key_arn                        = var.kms_key_arn
  access_log_bucket                  = var.access_log_bucket
}

module "queue" {
  source = "../queue"

  name                          = var.name
  fifo_queue                    = var.variant == "fifo"
  content_based_deduplication   = var.variant == "fifo" # EventBridge sends no deduplication ID
  visibility_timeout_seconds    = var.visibility_timeout_seconds
  message_retention_seconds     = var.message_retention_seconds
  dlq_message_retention_seconds = var.dlq_message_retention_seconds
  max_receive_count             = var.max_receive_count
  kms_master_key_id             = var.kms_key_arn
}

module "results" {
  source = "../results-store"

  results_table_name          = "${var.name}-results"
  idempotency_table_name      = var.create_idempotency_table ? "${var.name}-idempotency" : null
  kms_key_arn                 = var.kms_key_arn
  deletion_protection_enabled = var.table_deletion_protection
}

module "function" {
  source = "../consumer-function"

  function_name                  = var.name
  description                    = replace(var.function_description, "{queue}", module.queue.queue_name)
  filename                       = var.lambda_zip_path
  handler                        = var.function_handler
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
  role_permissions_boundary      = var.role_permissions_boundary
  code_signing_config_arn        = var.code_signing_config_arn

  sqs_consume_queue_arns        = [module.queue.queue_arn]
  s3_read_bucket_arns           = [module.bucket.bucket_arn]
  dynamodb_put_table_arns       = [module.results.results_table_arn]
  dynamodb_item_crud_table_arns = var.create_idempotency_table ? [module.results.idempotency_table_arn] : []
  kms_decrypt_key_arns          = var.kms_key_arn == null ? [] : [var.kms_key_arn]
  allow_self_invoke             = var.allow_self_invoke
  policy_statements             = var.policy_statements
}

module "alarms" {
  source = "../alarms"

  name                                 = var.name
  queue_name                           = module.queue.queue_name
  dlq_name                             = module.queue.dlq_name
  oldest_message_age_threshold_seconds = var.alarm_oldest_message_age_seconds
  create_sns_topic                     = var.create_alarm_topic
  sns_topic_kms_master_key_id          = var.kms_key_arn
  alarm_actions                        = var.alarm_actions
  delivery_dlq_name                    = var.delivery_dlq_name
  event_rule_names                     = var.event_rule_names
}
