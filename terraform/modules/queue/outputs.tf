output "queue_name" {
  description = "Name of the source queue (with .fifo for FIFO queues)."
  value       = aws_sqs_queue.this.name
}

output "queue_url" {
  description = "URL of the source queue."
  value       = aws_sqs_queue.this.url
}

output "queue_arn" {
  description = "ARN of the source queue."
  value       = aws_sqs_queue.this.arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the source queue."
  value       = aws_sqs_queue.this.visibility_timeout_seconds
}

output "fifo_queue" {
  description = "Whether the queues are FIFO queues."
  value       = var.fifo_queue
}

output "redrive_policy" {
  description = "Redrive policy of the source queue (JSON)."
  value       = aws_sqs_queue.this.redrive_policy
}

output "dlq_redrive_allow_policy" {
  description = "Redrive-allow policy of the DLQ (JSON)."
  value       = aws_sqs_queue.dlq.redrive_allow_policy
}

output "dlq_policy" {
  description = "The DLQ's queue policy document (JSON): it denies every request that does not use TLS."
  value       = aws_sqs_queue_policy.dlq.policy
}
