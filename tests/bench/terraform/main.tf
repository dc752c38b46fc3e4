# Bench-only root: the relay stack's infrastructure (bucket, standard queue + DLQ, S3 notification, results and
# idempotency tables, function, alarms) with the consumer's handler and trigger as inputs, so that another relay
# design, or an SQS event source mapping, runs on the same infrastructure, objects and per-message work as
# Baton's relay. Composed from the same modules as terraform/stacks/relay, with the same defaults.

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # The provider block is the stacks' own (providers.tf links terraform/stacks/shared/providers.tf), which tags
  # every resource with Project and Variant.
  variant = "bench-${var.design}"

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
      BATON_TRACING                 = "false"
      POWERTOOLS_SERVICE_NAME       = "baton-bench-${var.design}"
      POWERTOOLS_METRICS_NAMESPACE  = "BatonBench"
      POWERTOOLS_LOG_LEVEL          = var.log_level
    },
    var.create_idempotency_table ? { BATON_IDEMPOTENCY_TABLE = module.results.idempotency_table_name } : {},
  )
}

module "bucket" {
  source = "../../../terraform/modules/ingest-bucket"

  bucket_name                        = "${var.name}-ingest-${local.account_id}"
  force_destroy                      = var.bucket_force_destroy
  versioning_enabled                 = true
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
}

module "queue" {
  source = "../../../terraform/modules/queue"

  name                       = var.name
  fifo_queue                 = false
  visibility_timeout_seconds = var.visibility_timeout_seconds
  max_receive_count          = var.max_receive_count
}

module "notification" {
  source = "../../../terraform/modules/s3-sqs-notification"

  bucket_name       = module.bucket.bucket_name
  bucket_arn        = module.bucket.bucket_arn
  source_account_id = local.account_id
  queue_arn         = module.queue.queue_arn
  queue_url         = module.queue.queue_url
}

module "results" {
  source = "../../../terraform/modules/results-store"

  results_table_name          = "${var.name}-results"
  idempotency_table_name      = var.create_idempotency_table ? "${var.name}-idempotency" : null
  deletion_protection_enabled = var.table_deletion_protection
}

module "function" {
  source = "../../../terraform/modules/consumer-function"

  function_name                  = var.name
  description                    = "Baton bench design ${var.design} on ${module.queue.queue_name}"
  filename                       = var.lambda_zip_path
  handler                        = var.handler
  runtime                        = "python3.13"
  timeout                        = var.function_timeout
  memory_size                    = var.memory_size
  reserved_concurrent_executions = var.reserved_concurrency
  environment_variables          = local.function_environment
  log_retention_in_days          = 1

  sqs_consume_queue_arns        = [module.queue.queue_arn]
  s3_read_bucket_arns           = [module.bucket.bucket_arn]
  dynamodb_put_table_arns       = [module.results.results_table_arn]
  dynamodb_item_crud_table_arns = var.create_idempotency_table ? [module.results.idempotency_table_arn] : []
  allow_self_invoke             = var.trigger == "schedule"
}

module "schedule" {
  source = "../../../terraform/modules/relay-trigger"
  count  = var.trigger == "schedule" ? 1 : 0

  function_name          = module.function.function_name
  function_arn           = module.function.function_arn
  schedule_name          = "${var.name}-schedule"
  schedule_expression    = var.schedule_expression
  maximum_retry_attempts = 0
}

module "mapping" {
  source = "../../../terraform/modules/sqs-event-source"
  count  = var.trigger == "event_source_mapping" ? 1 : 0

  function_arn                     = module.function.function_arn
  queue_arn                        = module.queue.queue_arn
  batch_size                       = var.batch_size
  maximum_concurrency              = var.maximum_concurrency
  enabled                          = var.mapping_enabled
  report_batch_item_failures       = true
  function_timeout_seconds         = var.function_timeout
  queue_visibility_timeout_seconds = var.visibility_timeout_seconds
}

module "alarms" {
  source = "../../../terraform/modules/alarms"

  name       = var.name
  queue_name = module.queue.queue_name
  dlq_name   = module.queue.dlq_name
}
