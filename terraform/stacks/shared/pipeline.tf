# Shared by both stacks (each links this file): the pipeline both variants run. The stack's main.tf sets the
# variant (local.variant, local.function, local.variant_environment, local.variant_settings, local.route_alarms)
# and adds the route and the trigger.

module "pipeline" {
  source = "../../modules/pipeline"

  variant              = local.variant
  function_handler     = local.function.handler
  function_description = local.function.description
  allow_self_invoke    = local.function.allow_self_invoke
  variant_environment  = local.variant_environment

  batch_size                = local.variant_settings.batch_size
  wait_time_seconds         = local.variant_settings.wait_time_seconds
  time_budget_seconds       = local.variant_settings.time_budget_seconds
  max_hops                  = local.variant_settings.max_hops
  retry_backoff_seconds     = local.variant_settings.retry_backoff_seconds
  retry_backoff_max_seconds = local.variant_settings.retry_backoff_max_seconds
  max_messages_per_second   = local.variant_settings.max_messages_per_second

  delivery_dlq_name = local.route_alarms.delivery_dlq_name
  event_rule_names  = local.route_alarms.event_rule_names

  name            = var.name
  lambda_zip_path = var.lambda_zip_path
  kms_key_arn     = var.kms_key_arn

  bucket_name                        = var.bucket_name
  bucket_force_destroy               = var.bucket_force_destroy
  bucket_versioning                  = var.bucket_versioning
  object_expiration_days             = var.object_expiration_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  access_log_bucket                  = var.access_log_bucket

  visibility_timeout_seconds    = var.visibility_timeout_seconds
  message_retention_seconds     = var.message_retention_seconds
  dlq_message_retention_seconds = var.dlq_message_retention_seconds
  max_receive_count             = var.max_receive_count

  runtime                     = var.runtime
  function_timeout            = var.function_timeout
  memory_size                 = var.memory_size
  workers                     = var.workers
  worker_memory_mb            = var.worker_memory_mb
  reserved_concurrency        = var.reserved_concurrency
  processor                   = var.processor
  message_timeout_seconds     = var.message_timeout_seconds
  safety_margin_seconds       = var.safety_margin_seconds
  deadline_guard              = var.deadline_guard
  tracing_enabled             = var.tracing_enabled
  log_level                   = var.log_level
  log_retention_in_days       = var.log_retention_in_days
  service_name                = var.service_name
  metrics_namespace           = var.metrics_namespace
  create_idempotency_table    = var.create_idempotency_table
  idempotency_ttl_seconds     = var.idempotency_ttl_seconds
  extra_environment_variables = var.extra_environment_variables
  policy_statements           = var.policy_statements
  role_permissions_boundary   = var.role_permissions_boundary
  code_signing_config_arn     = var.code_signing_config_arn

  table_deletion_protection        = var.table_deletion_protection
  alarm_oldest_message_age_seconds = var.alarm_oldest_message_age_seconds
  create_alarm_topic               = var.create_alarm_topic
  alarm_actions                    = var.alarm_actions
}

# Deployments made before modules/pipeline existed keep their resources: the shared parts moved into it.
moved {
  from = module.bucket
  to   = module.pipeline.module.bucket
}

moved {
  from = module.queue
  to   = module.pipeline.module.queue
}

moved {
  from = module.results
  to   = module.pipeline.module.results
}

moved {
  from = module.function
  to   = module.pipeline.module.function
}

moved {
  from = module.alarms
  to   = module.pipeline.module.alarms
}
