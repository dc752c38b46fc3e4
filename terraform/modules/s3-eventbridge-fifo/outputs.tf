output "rule_name" {
  description = "Name of the EventBridge rule."
  value       = aws_cloudwatch_event_rule.this.name
}

output "rule_arn" {
  description = "ARN of the EventBridge rule (the queue policy's aws:SourceArn)."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "event_pattern" {
  description = "Event pattern of the rule (JSON)."
  value       = aws_cloudwatch_event_rule.this.event_pattern
}

output "target_arn" {
  description = "ARN the rule targets (the FIFO queue)."
  value       = aws_cloudwatch_event_target.this.arn
}

output "message_group_id" {
  description = "MessageGroupId set on every message the rule sends."
  value       = one(aws_cloudwatch_event_target.this.sqs_target).message_group_id
}

output "queue_policy" {
  description = "The queue policy document (JSON) attached to the FIFO queue."
  value       = aws_sqs_queue_policy.this.policy
}

output "eventbridge_enabled" {
  description = "Whether the bucket sends its events to EventBridge."
  value       = aws_s3_bucket_notification.this.eventbridge
}

output "notification_queue_configurations" {
  description = "Direct S3 -> SQS queue configurations on the bucket (always empty: the FIFO route goes through EventBridge)."
  value       = [for q in aws_s3_bucket_notification.this.queue : q.queue_arn]
}
