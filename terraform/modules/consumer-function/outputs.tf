output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function. Available only once the role's policy is in place, so that triggers wired to it never fire into a function without permissions."
  value       = aws_lambda_function.this.arn
  depends_on  = [aws_iam_role_policy.this]
}

output "invoke_arn" {
  description = "Invoke ARN of the function (for API Gateway integrations)."
  value       = aws_lambda_function.this.invoke_arn
}

output "timeout" {
  description = "Function timeout in seconds."
  value       = aws_lambda_function.this.timeout
}

output "memory_size" {
  description = "Memory of the function, in MB."
  value       = aws_lambda_function.this.memory_size
}

output "role_name" {
  description = "Name of the execution role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "role_policy" {
  description = "The execution role's inline policy document (JSON)."
  value       = aws_iam_role_policy.this.policy
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "environment_variables" {
  description = "Environment variables set on the function."
  value       = try(aws_lambda_function.this.environment[0].variables, {})
}

output "tracing_mode" {
  description = "X-Ray tracing mode of the function."
  value       = aws_lambda_function.this.tracing_config[0].mode
}

output "reserved_concurrent_executions" {
  description = "Reserved concurrency (-1 when unreserved)."
  value       = aws_lambda_function.this.reserved_concurrent_executions
}

output "code_signing_config_arn" {
  description = "Code-signing configuration the function enforces (null: none)."
  value       = aws_lambda_function.this.code_signing_config_arn
}
