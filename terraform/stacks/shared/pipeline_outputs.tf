# Shared by both stacks (each links this file); the stack's outputs.tf adds those of its route and trigger.

output "variant" {
  description = "Which pipeline variant this stack deploys."
  value       = local.variant
}

output "aws_region" {
  description = "Region the stack is deployed to."
  value       = var.aws_region
}

output "bucket_name" {
  description = "Name of the ingest bucket (upload objects here)."
  value       = module.pipeline.bucket.bucket_name
}

output "bucket_arn" {
  description = "ARN of the ingest bucket."
  value       = module.pipeline.bucket.bucket_arn
}

output "queue_name" {
  description = "Name of the source queue."
  value       = module.pipeline.queue.queue_name
}

output "queue_url" {
  description = "URL of the source queue."
  value       = module.pipeline.queue.queue_url
}

output "queue_arn" {
  description = "ARN of the source queue."
  value       = module.pipeline.queue.queue_arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = module.pipeline.queue.dlq_name
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = module.pipeline.queue.dlq_url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = module.pipeline.queue.dlq_arn
}

output "function_name" {
  description = "Name of the consumer function."
  value       = module.pipeline.function.function_name
}

output "function_arn" {
  description = "ARN of the consumer function."
  value       = module.pipeline.function.function_arn
}

output "function_role_name" {
  description = "Name of the function's execution role (attach further policies to it here, or use policy_statements)."
  value       = module.pipeline.function.role_name
}

output "function_role_arn" {
  description = "ARN of the function's execution role."
  value       = module.pipeline.function.role_arn
}

output "log_group_name" {
  description = "Log group of the consumer function."
  value       = module.pipeline.function.log_group_name
}

output "results_table_name" {
  description = "Name of the DynamoDB results table."
  value       = module.pipeline.results.results_table_name
}

output "idempotency_table_name" {
  description = "Name of the DynamoDB idempotency table (empty when idempotency is off)."
  value       = module.pipeline.results.idempotency_table_name
}

output "alarm_topic_arn" {
  description = "ARN of the alarm topic (null when none was created)."
  value       = module.pipeline.alarms.sns_topic_arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value       = [module.pipeline.alarms.dlq_alarm_name, module.pipeline.alarms.oldest_message_age_alarm_name]
}
