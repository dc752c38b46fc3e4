output "uuid" {
  description = "UUID of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "arn" {
  description = "ARN of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.arn
}

output "event_source_arn" {
  description = "Queue the mapping polls."
  value       = aws_lambda_event_source_mapping.this.event_source_arn
}

output "batch_size" {
  description = "Messages per invocation."
  value       = aws_lambda_event_source_mapping.this.batch_size
}

output "function_response_types" {
  description = "Response types the function may return (ReportBatchItemFailures for partial batch responses)."
  value       = aws_lambda_event_source_mapping.this.function_response_types
}

output "maximum_concurrency" {
  description = "Concurrency cap of the mapping (null: none)."
  value       = one(aws_lambda_event_source_mapping.this.scaling_config[*].maximum_concurrency)
}
