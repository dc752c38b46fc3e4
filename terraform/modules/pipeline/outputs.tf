output "account_id" {
  description = "AWS account the pipeline is deployed to (the routes condition their queue policies on it)."
  value       = local.account_id
}

# Each part as its module's outputs (see that module's README), so that callers and tests read one place.

output "bucket" {
  description = "The ingest bucket: outputs of modules/ingest-bucket (bucket_name, bucket_arn, ...)."
  value       = module.bucket
}

output "queue" {
  description = "The source queue and its DLQ: outputs of modules/queue (queue_url, queue_arn, dlq_arn, redrive_policy, ...)."
  value       = module.queue
}

output "results" {
  description = "The DynamoDB tables: outputs of modules/results-store (results_table_name, idempotency_table_name, ...)."
  value       = module.results
}

output "function" {
  description = "The consumer function and its role: outputs of modules/consumer-function (function_arn, role_arn, role_policy, environment_variables, ...)."
  value       = module.function
}

output "alarms" {
  description = "The CloudWatch alarms and the optional topic: outputs of modules/alarms (dlq_alarm_name, sns_topic_arn, ...)."
  value       = module.alarms
}
