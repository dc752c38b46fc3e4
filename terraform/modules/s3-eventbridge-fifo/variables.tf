variable "rule_name" {
  description = "Name of the EventBridge rule that matches the bucket's Object Created events."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.rule_name))
    error_message = "rule_name must be 1-64 characters of letters, digits, dots, hyphens and underscores."
  }
}

variable "bucket_name" {
  description = "Name of the bucket whose Object Created events are routed. This module turns on the bucket's EventBridge notifications and owns its notification configuration (S3 keeps one per bucket)."
  type        = string

  validation {
    condition     = length(var.bucket_name) >= 3 && length(var.bucket_name) <= 63
    error_message = "bucket_name must be an S3 bucket name (3-63 characters)."
  }
}

variable "source_account_id" {
  description = "AWS account ID that owns the rule: the only aws:SourceAccount the queue policy accepts."
  type        = string

  validation {
    condition     = can(regex("^\\d{12}$", var.source_account_id))
    error_message = "source_account_id must be a 12-digit AWS account ID."
  }
}

variable "queue_arn" {
  description = "ARN of the SQS FIFO queue that receives the events. It needs content-based deduplication: EventBridge sends no deduplication ID."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sqs:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,75}\\.fifo$", var.queue_arn))
    error_message = "queue_arn must be the ARN of an SQS FIFO queue (ending in .fifo); for a standard queue use the s3-sqs-notification module."
  }
}

variable "queue_url" {
  description = "URL of the same queue (the queue policy is attached by URL)."
  type        = string
}

variable "message_group_id" {
  description = "MessageGroupId EventBridge puts on every message (1-128 printable ASCII characters). One group means one ordered stream; null uses the bucket name."
  type        = string
  default     = null

  validation {
    condition     = var.message_group_id == null || can(regex("^[!-~]{1,128}$", var.message_group_id))
    error_message = "message_group_id must be 1-128 characters of letters, digits and punctuation (no spaces), or null to use the bucket name."
  }
}

variable "exclude_prefix" {
  description = "Do not route objects whose key starts with this prefix (empty: exclude nothing). The default is where `baton send --fifo-messages` writes the objects whose events it sends to the queue itself; routing them too would deliver each twice. Ignored when filter_prefix is set."
  type        = string
  default     = "baton-send/"
  nullable    = false
}

variable "filter_prefix" {
  description = "Only route objects whose key starts with this prefix (empty: all keys)."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = length(var.filter_prefix) <= 1024
    error_message = "filter_prefix must be at most 1024 characters (the S3 key length limit)."
  }
}

variable "event_bus_name" {
  description = "Event bus that receives the S3 events. S3 only sends to the account's default bus."
  type        = string
  default     = "default"

  validation {
    condition     = var.event_bus_name == "default"
    error_message = "event_bus_name must be \"default\": S3 EventBridge notifications are only delivered to the default event bus."
  }
}

variable "target_id" {
  description = "ID of the queue target on the rule."
  type        = string
  default     = "fifo-queue"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.target_id))
    error_message = "target_id must be 1-64 characters of letters, digits, dots, hyphens and underscores."
  }
}

variable "tags" {
  description = "Tags for the rule."
  type        = map(string)
  default     = {}
}
