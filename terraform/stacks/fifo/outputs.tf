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
  value       = module.bucket.bucket_name
}

output "bucket_arn" {
  description = "ARN of the ingest bucket."
  value       = module.bucket.bucket_arn
}

output "queue_name" {
  description = "Name of the source queue."
  value       = module.queue.queue_name
}

output "queue_url" {
  description = "URL of the source queue."
  value       = module.queue.queue_url
}

output "queue_arn" {
  description = "ARN of the source queue."
  value       = module.queue.queue_arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = module.queue.dlq_name
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = module.queue.dlq_url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = module.queue.dlq_arn
}

output "function_name" {
  description = "Name of the FIFO function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the FIFO function."
  value       = module.function.function_arn
}

output "log_group_name" {
  description = "Log group of the FIFO function."
  value       = module.function.log_group_name
}

output "results_table_name" {
  description = "Name of the DynamoDB results table."
  value       = module.results.results_table_name
}

output "idempotency_table_name" {
  description = "Name of the DynamoDB idempotency table (empty when idempotency is off)."
  value       = module.results.idempotency_table_name
}

output "event_rule_name" {
  description = "Name of the EventBridge rule that routes the bucket's Object Created events to the FIFO queue."
  value       = module.route.rule_name
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping (SQS FIFO queue -> function)."
  value       = module.trigger.uuid
}

output "message_group_id" {
  description = "MessageGroupId of the messages EventBridge sends."
  value       = module.route.message_group_id
}

output "alarm_topic_arn" {
  description = "ARN of the alarm topic (null when none was created)."
  value       = module.alarms.sns_topic_arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value       = [module.alarms.dlq_alarm_name, module.alarms.oldest_message_age_alarm_name]
}
