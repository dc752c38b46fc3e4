output "results_table_name" {
  description = "Name of the results table."
  value       = aws_dynamodb_table.results.name
}

output "results_table_arn" {
  description = "ARN of the results table."
  value       = aws_dynamodb_table.results.arn
}

output "idempotency_table_name" {
  description = "Name of the idempotency table (empty string when none was created)."
  value       = one(aws_dynamodb_table.idempotency[*].name) != null ? one(aws_dynamodb_table.idempotency[*].name) : ""
}

output "idempotency_table_arn" {
  description = "ARN of the idempotency table (null when none was created)."
  value       = one(aws_dynamodb_table.idempotency[*].arn)
}

output "point_in_time_recovery" {
  description = "Whether point-in-time recovery is on for the results table."
  value       = aws_dynamodb_table.results.point_in_time_recovery[0].enabled
}

output "results_table_key_schema" {
  description = "Key schema of the results table and its GSIs."
  value = {
    hash_key  = aws_dynamodb_table.results.hash_key
    range_key = aws_dynamodb_table.results.range_key
    global_secondary_indexes = [for g in aws_dynamodb_table.results.global_secondary_index : {
      name            = g.name
      hash_key        = g.hash_key
      range_key       = g.range_key
      projection_type = g.projection_type
    }]
  }
}

output "deletion_protection_enabled" {
  description = "Whether the tables are protected against deletion."
  value       = aws_dynamodb_table.results.deletion_protection_enabled
}
