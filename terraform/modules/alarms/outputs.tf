output "dlq_alarm_name" {
  description = "Name of the DLQ-not-empty alarm."
  value       = aws_cloudwatch_metric_alarm.dlq_visible.alarm_name
}

output "dlq_alarm_arn" {
  description = "ARN of the DLQ-not-empty alarm."
  value       = aws_cloudwatch_metric_alarm.dlq_visible.arn
}

output "oldest_message_age_alarm_name" {
  description = "Name of the oldest-message-age alarm."
  value       = aws_cloudwatch_metric_alarm.oldest_message_age.alarm_name
}

output "oldest_message_age_alarm_arn" {
  description = "ARN of the oldest-message-age alarm."
  value       = aws_cloudwatch_metric_alarm.oldest_message_age.arn
}

output "route_alarm_names" {
  description = "Names of the FIFO route's alarms (delivery DLQ depth, each rule's FailedInvocations); empty without them."
  value       = sort([for alarm in aws_cloudwatch_metric_alarm.route : alarm.alarm_name])
}

output "sns_topic_arn" {
  description = "ARN of the created alarm topic (null when none was created)."
  value       = one(aws_sns_topic.this[*].arn)
}

output "alarm_actions" {
  description = "Actions notified by every alarm."
  value       = local.actions
}
