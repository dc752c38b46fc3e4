variable "results_table_name" {
  description = "Name of the results table (partition key pk = <bucket>/<key>, sort key sk = object version token, GSI \"recent\" on day/processed_at)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.results_table_name))
    error_message = "results_table_name must be 3-255 characters of letters, digits, underscores, hyphens and dots."
  }
}

variable "idempotency_table_name" {
  description = "Name of the idempotency table (partition key id, TTL attribute expiration). Null creates no idempotency table."
  type        = string
  default     = null

  validation {
    condition     = var.idempotency_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.idempotency_table_name))
    error_message = "idempotency_table_name must be 3-255 characters of letters, digits, underscores, hyphens and dots, or null for no table."
  }

  validation {
    condition     = var.idempotency_table_name != var.results_table_name
    error_message = "idempotency_table_name must differ from results_table_name: the two tables have different key schemas."
  }
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery on both tables."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN for server-side encryption. Null uses the AWS managed key for DynamoDB (SSE stays on either way)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:\\d{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null for the AWS managed key."
  }
}

variable "deletion_protection_enabled" {
  description = "Protect both tables against deletion (terraform destroy fails until it is turned off)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the tables."
  type        = map(string)
  default     = {}
}
