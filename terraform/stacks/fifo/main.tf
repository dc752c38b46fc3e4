# FIFO variant: S3 -> EventBridge -> SQS FIFO queue (+ FIFO DLQ) -> Lambda event source mapping with partial
# batch responses. S3 cannot notify a FIFO queue directly, hence the EventBridge hop.

data "aws_caller_identity" "current" {}

locals {
  variant    = "fifo"
  account_id = data.aws_caller_identity.current.account_id

  tags = merge({ Project = "baton", Variant = local.variant }, var.tags)

  bucket_name = coalesce(var.bucket_name, "${var.name}-ingest-${local.account_id}")

  function_environment = merge(
    var.extra_environment_variables,
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
      BATON_FAILURE_POLICY          = var.failure_policy
      POWERTOOLS_SERVICE_NAME       = var.service_name
      POWERTOOLS_METRICS_NAMESPACE  = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL          = var.log_level
    },
    var.create_idempotency_table ? { BATON_IDEMPOTENCY_TABLE = module.results.idempotency_table_name } : {},
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
  fifo_queue                    = true
  content_based_deduplication   = true # EventBridge sends no deduplication ID
  visibility_timeout_seconds    = var.visibility_timeout_seconds
  message_retention_seconds     = var.message_retention_seconds
  dlq_message_retention_seconds = var.dlq_message_retention_seconds
  max_receive_count             = var.max_receive_count
  kms_master_key_id             = var.kms_key_arn
}

module "route" {
  source = "../../modules/s3-eventbridge-fifo"

  rule_name         = "${var.name}-object-created"
  bucket_name       = module.bucket.bucket_name
  source_account_id = local.account_id
  queue_arn         = module.queue.queue_arn
  queue_url         = module.queue.queue_url
  message_group_id  = var.message_group_id
  filter_prefix     = var.filter_prefix
  exclude_prefix    = var.exclude_prefix
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
  description                    = "Baton FIFO consumer of ${module.queue.queue_name} (partial batch responses)"
  filename                       = var.lambda_zip_path
  handler                        = "consumer.fifo_handler.lambda_handler"
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
  allow_self_invoke             = false
}

module "trigger" {
  source = "../../modules/sqs-event-source"

  function_arn                     = module.function.function_arn
  queue_arn                        = module.queue.queue_arn
  batch_size                       = var.batch_size
  maximum_concurrency              = var.maximum_concurrency
  report_batch_item_failures       = true
  function_timeout_seconds         = var.function_timeout
  queue_visibility_timeout_seconds = var.visibility_timeout_seconds
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
