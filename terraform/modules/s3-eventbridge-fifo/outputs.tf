output "rule_name" {
  description = "Name of the default EventBridge rule (keys no message_groups prefix claims)."
  value       = aws_cloudwatch_event_rule.route["default"].name
}

output "rule_arn" {
  description = "ARN of the default EventBridge rule."
  value       = aws_cloudwatch_event_rule.route["default"].arn
}

output "rule_names" {
  description = "Names of every rule of the route: the default rule first, then one per message_groups prefix (sorted by prefix)."
  value       = concat([aws_cloudwatch_event_rule.route["default"].name], [for prefix in sort(keys(var.message_groups)) : aws_cloudwatch_event_rule.route["prefix:${prefix}"].name])
}

output "event_pattern" {
  description = "Event pattern of the default rule (JSON)."
  value       = aws_cloudwatch_event_rule.route["default"].event_pattern
}

output "event_patterns" {
  description = "Event pattern (JSON) of each rule, by route: \"default\" and \"prefix:<prefix>\"."
  value       = { for key, rule in aws_cloudwatch_event_rule.route : key => rule.event_pattern }
}

output "target_arn" {
  description = "ARN the rules target (the FIFO queue)."
  value       = aws_cloudwatch_event_target.route["default"].arn
}

output "message_group_id" {
  description = "MessageGroupId of every key no message_groups prefix claims."
  value       = one(aws_cloudwatch_event_target.route["default"].sqs_target).message_group_id
}

output "message_groups" {
  description = "Key prefix -> MessageGroupId, as the prefix rules' targets set it (empty without message_groups)."
  value       = { for prefix in keys(var.message_groups) : prefix => one(aws_cloudwatch_event_target.route["prefix:${prefix}"].sqs_target).message_group_id }
}

output "queue_policy" {
  description = "The queue policy document (JSON) attached to the FIFO queue."
  value       = aws_sqs_queue_policy.this.policy
}

output "delivery_dlq_url" {
  description = "URL of the queue that keeps events EventBridge could not deliver."
  value       = aws_sqs_queue.delivery_dlq.url
}

output "delivery_dlq_arn" {
  description = "ARN of the delivery DLQ."
  value       = aws_sqs_queue.delivery_dlq.arn
}

output "delivery_dlq_name" {
  description = "Name of the delivery DLQ."
  value       = aws_sqs_queue.delivery_dlq.name
}

output "delivery_dlq_policy" {
  description = "The delivery DLQ's queue policy document (JSON)."
  value       = aws_sqs_queue_policy.delivery_dlq.policy
}

output "retry_policy" {
  description = "Retry policy of the rules' targets."
  value       = one(aws_cloudwatch_event_target.route["default"].retry_policy)
}

output "eventbridge_enabled" {
  description = "Whether the bucket sends its events to EventBridge."
  value       = aws_s3_bucket_notification.this.eventbridge
}

output "notification_queue_configurations" {
  description = "Direct S3 -> SQS queue configurations on the bucket (always empty: the FIFO route goes through EventBridge)."
  value       = [for q in aws_s3_bucket_notification.this.queue : q.queue_arn]
}
