output "schedule_rule_name" {
  description = "Name of the schedule rule."
  value       = aws_cloudwatch_event_rule.schedule.name
}

output "schedule_rule_arn" {
  description = "ARN of the schedule rule."
  value       = aws_cloudwatch_event_rule.schedule.arn
}

output "schedule_expression" {
  description = "Schedule expression of the rule."
  value       = aws_cloudwatch_event_rule.schedule.schedule_expression
}

output "permission_source_arn" {
  description = "Source ARN the invoke permission is limited to (the schedule rule)."
  value       = aws_lambda_permission.schedule.source_arn
}

output "target_arn" {
  description = "ARN the schedule rule invokes."
  value       = aws_cloudwatch_event_target.schedule.arn
}

output "maximum_retry_attempts" {
  description = "Retries of failed asynchronous invocations."
  value       = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts
}

output "maximum_event_age_in_seconds" {
  description = "Maximum age of a queued asynchronous invocation."
  value       = aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds
}

output "recursive_loop" {
  description = "Recursive loop setting written to the function (null when not managed)."
  value       = one(aws_lambda_function_recursion_config.this[*].recursive_loop)
}
