output "bucket_name" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Region-specific domain name of the bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "bucket_policy" {
  description = "The bucket policy document (JSON)."
  value       = aws_s3_bucket_policy.this.policy
}

output "versioning_status" {
  description = "Versioning status written to the bucket (Enabled or Suspended)."
  value       = aws_s3_bucket_versioning.this.versioning_configuration[0].status
}

output "sse_algorithm" {
  description = "Default encryption algorithm (AES256 or aws:kms)."
  value       = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm
}

output "lifecycle_rule" {
  description = "The lifecycle rule written to the bucket (abort, expiration and noncurrent-version expiration days; null when off)."
  value = {
    abort_incomplete_multipart_upload_days = aws_s3_bucket_lifecycle_configuration.this.rule[0].abort_incomplete_multipart_upload[0].days_after_initiation
    expiration_days                        = try(aws_s3_bucket_lifecycle_configuration.this.rule[0].expiration[0].days, null)
    noncurrent_version_expiration_days     = try(aws_s3_bucket_lifecycle_configuration.this.rule[0].noncurrent_version_expiration[0].noncurrent_days, null)
  }
}

output "access_log_bucket" {
  description = "Bucket that receives the server access logs (null: access logging is off)."
  value       = one(aws_s3_bucket_logging.this[*].target_bucket)
}
