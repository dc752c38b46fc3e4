output "queue_policy" {
  description = "The queue policy document (JSON) attached to the queue."
  value       = aws_sqs_queue_policy.this.policy
}

output "notification_queue_configurations" {
  description = "Queue configurations written to the bucket notification (queue_arn, events, filter_prefix, filter_suffix)."
  value = [for q in aws_s3_bucket_notification.this.queue : {
    id            = q.id
    queue_arn     = q.queue_arn
    events        = q.events
    filter_prefix = q.filter_prefix
    filter_suffix = q.filter_suffix
  }]
}

output "eventbridge_enabled" {
  description = "Whether the bucket notification also sends events to EventBridge (always false here)."
  value       = coalesce(aws_s3_bucket_notification.this.eventbridge, false)
}
