variable "bucket_name" {
  description = "Name of the bucket whose events are sent. This module owns the bucket's notification configuration (S3 keeps one per bucket)."
  type        = string

  validation {
    condition     = length(var.bucket_name) >= 3 && length(var.bucket_name) <= 63
    error_message = "bucket_name must be an S3 bucket name (3-63 characters)."
  }
}

variable "bucket_arn" {
  description = "ARN of that bucket: the only aws:SourceArn the queue policy accepts."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::[a-z0-9.-]{3,63}$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "source_account_id" {
  description = "AWS account ID that owns the bucket: the only aws:SourceAccount the queue policy accepts."
  type        = string

  validation {
    condition     = can(regex("^\\d{12}$", var.source_account_id))
    error_message = "source_account_id must be a 12-digit AWS account ID."
  }
}

variable "queue_arn" {
  description = "ARN of the standard SQS queue that receives the notifications. S3 cannot notify FIFO queues."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sqs:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,80}$", var.queue_arn))
    error_message = "queue_arn must be an SQS queue ARN (arn:<partition>:sqs:<region>:<account>:<name>) of a standard queue: S3 event notifications cannot target FIFO queues, use the s3-eventbridge-fifo module for those."
  }
}

variable "queue_url" {
  description = "URL of the same queue (the queue policy is attached by URL)."
  type        = string
}

variable "events" {
  description = "S3 event types to send."
  type        = list(string)
  default     = ["s3:ObjectCreated:*"]

  validation {
    condition     = length(var.events) > 0 && alltrue([for e in var.events : can(regex("^s3:[A-Za-z]+:(\\*|[A-Za-z]+)$", e))])
    error_message = "events must be a non-empty list of S3 event types such as \"s3:ObjectCreated:*\" or \"s3:ObjectRemoved:Delete\"."
  }
}

variable "filter_prefix" {
  description = "Only send events for keys that start with this prefix (null or empty: all keys)."
  type        = string
  default     = null

  validation {
    condition     = var.filter_prefix == null || try(length(var.filter_prefix) <= 1024, false)
    error_message = "filter_prefix must be at most 1024 characters (the S3 key length limit)."
  }
}

variable "filter_suffix" {
  description = "Only send events for keys that end with this suffix (null or empty: all keys)."
  type        = string
  default     = null

  validation {
    condition     = var.filter_suffix == null || try(length(var.filter_suffix) <= 1024, false)
    error_message = "filter_suffix must be at most 1024 characters (the S3 key length limit)."
  }
}

variable "notification_id" {
  description = "ID of the queue configuration inside the bucket notification."
  type        = string
  default     = "baton-sqs"
}
