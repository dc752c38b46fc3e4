mock_provider "aws" {}

variables {
  bucket_name = "baton-test-ingest-123456789012"
}

override_resource {
  target = aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::baton-test-ingest-123456789012" }
}

run "secure_defaults" {
  assert {
    condition = (
      aws_s3_bucket_public_access_block.this.block_public_acls
      && aws_s3_bucket_public_access_block.this.block_public_policy
      && aws_s3_bucket_public_access_block.this.ignore_public_acls
      && aws_s3_bucket_public_access_block.this.restrict_public_buckets
    )
    error_message = "All public access must be blocked."
  }
  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "Object ownership must be BucketOwnerEnforced (ACLs off)."
  }
  assert {
    condition     = output.sse_algorithm == "AES256" && output.versioning_status == "Enabled"
    error_message = "Default encryption must be SSE-S3 and versioning on by default."
  }
  assert {
    condition = output.lifecycle_rule == {
      abort_incomplete_multipart_upload_days = 7
      expiration_days                        = null
      noncurrent_version_expiration_days     = 30
    }
    error_message = "The lifecycle rule must abort stale multipart uploads and expire noncurrent versions, keeping current objects."
  }
  assert {
    condition = [
      for s in jsondecode(output.bucket_policy).Statement : s if s.Effect == "Deny" && s.Condition == { Bool = { "aws:SecureTransport" = "false" } }
      ][0].Resource == [
      "arn:aws:s3:::baton-test-ingest-123456789012",
      "arn:aws:s3:::baton-test-ingest-123456789012/*",
    ]
    error_message = "The bucket policy must deny non-TLS requests on the bucket and its objects."
  }
  assert {
    condition     = alltrue([for s in jsondecode(output.bucket_policy).Statement : s.Effect == "Deny"])
    error_message = "The bucket policy must grant nothing: it only denies."
  }
}

run "kms_expiry_and_no_versioning" {
  command = plan

  variables {
    kms_key_arn        = "arn:aws:kms:us-east-1:123456789012:key/0f6b0a4e-1111-2222-3333-444455556666"
    expiration_days    = 30
    versioning_enabled = false
  }

  assert {
    condition = (
      output.sse_algorithm == "aws:kms"
      && one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled
    )
    error_message = "A KMS key must switch default encryption to SSE-KMS with a bucket key."
  }
  assert {
    condition     = output.versioning_status == "Suspended"
    error_message = "versioning_enabled = false must suspend versioning."
  }
  assert {
    condition     = output.lifecycle_rule.expiration_days == 30 && output.lifecycle_rule.noncurrent_version_expiration_days == null
    error_message = "expiration_days must expire objects; without versioning there is no noncurrent-version rule."
  }
}

run "rejects_reserved_bucket_prefix" {
  command = plan
  variables {
    bucket_name = "xn--baton-ingest"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_invalid_bucket_name_and_zero_expiration" {
  command = plan
  variables {
    bucket_name     = "Baton_Ingest"
    expiration_days = 0
  }
  expect_failures = [var.bucket_name, var.expiration_days]
}
