output "bucket_name" {
  description = "Ingest bucket."
  value       = module.bucket.bucket_name
}

output "queue_url" {
  description = "Source queue URL."
  value       = module.queue.queue_url
}

output "queue_name" {
  description = "Source queue name."
  value       = module.queue.queue_name
}

output "dlq_url" {
  description = "DLQ URL."
  value       = module.queue.dlq_url
}

output "function_name" {
  description = "Consumer function."
  value       = module.function.function_name
}

output "log_group_name" {
  description = "Log group of the consumer function."
  value       = module.function.log_group_name
}

output "results_table_name" {
  description = "Results table."
  value       = module.results.results_table_name
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping (null for a schedule-triggered design)."
  value       = try(module.mapping[0].uuid, null)
}
