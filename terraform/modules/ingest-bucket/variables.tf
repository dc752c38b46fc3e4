variable "bucket_name" {
  description = "Name of the ingest bucket (globally unique, 3-63 characters: lowercase letters, digits, hyphens and dots)."
  type        = string

  validation {
    condition = alltrue([
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)),
      !strcontains(var.bucket_name, ".."),
      !can(regex("^\\d+\\.\\d+\\.\\d+\\.\\d+$", var.bucket_name)),
      !startswith(var.bucket_name, "xn--"),
      !startswith(var.bucket_name, "sthree-"),
      !endswith(var.bucket_name, "-s3alias"),
      !endswith(var.bucket_name, "--ol-s3"),
    ])
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 characters of lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit, no '..', not an IP address, and not starting with 'xn--'/'sthree-' or ending with '-s3alias'/'--ol-s3'."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket while it still holds objects (and object versions). Keep false for anything but throwaway environments."
  type        = bool
  default     = false
}

variable "versioning_enabled" {
  description = "Enable object versioning. When false the bucket's versioning status is Suspended."
  type        = bool
  default     = true
}

variable "expiration_days" {
  description = "Expire current object versions this many days after creation (null keeps objects until deleted)."
  type        = number
  default     = null

  validation {
    condition     = var.expiration_days == null || try(var.expiration_days >= 1 && floor(var.expiration_days) == var.expiration_days, false)
    error_message = "expiration_days must be a whole number of days >= 1, or null to keep objects."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "With versioning on, delete noncurrent object versions this many days after they become noncurrent (null keeps them)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days == null || try(var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days, false)
    error_message = "noncurrent_version_expiration_days must be a whole number of days >= 1, or null to keep noncurrent versions."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Abort multipart uploads that are still incomplete this many days after they started."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days >= 1."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for default encryption (SSE-KMS with an S3 Bucket Key). Null uses SSE-S3 (AES256). Event producers that read the bucket need kms:Decrypt on the key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:\\d{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key or alias ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null for SSE-S3."
  }
}

variable "access_log_bucket" {
  description = "Name of an existing bucket that receives server access logs for this bucket (null disables access logging)."
  type        = string
  default     = null
}

variable "access_log_prefix" {
  description = "Key prefix for the server access logs in access_log_bucket."
  type        = string
  default     = "s3-access-logs/"
}

variable "tags" {
  description = "Tags for the bucket."
  type        = map(string)
  default     = {}
}
