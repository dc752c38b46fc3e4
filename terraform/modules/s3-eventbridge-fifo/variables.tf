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
  description = "MessageGroupId of every key no message_groups prefix claims (1-128 printable ASCII characters). One group means one ordered stream; null uses the bucket name."
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

variable "message_groups" {
  description = "Routes key prefixes to their own MessageGroupId: one EventBridge rule per prefix, so each prefix is its own ordered stream and streams are processed in parallel. Keys under no prefix keep the default group (message_group_id). Prefixes must not overlap each other or exclude_prefix, and cannot be combined with filter_prefix."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for prefix, group in var.message_groups : length(prefix) >= 1 && length(prefix) <= 1024 && can(regex("^[!-~]{1,128}$", group))])
    error_message = "Each message_groups entry needs a non-empty key prefix (at most 1024 characters) and a MessageGroupId of 1-128 letters, digits and punctuation (no spaces)."
  }
  validation {
    condition = alltrue(flatten([
      for a in keys(var.message_groups) : [for b in keys(var.message_groups) : a == b || !startswith(b, a)]
    ]))
    error_message = "message_groups prefixes overlap (one starts with another): a key would match two rules and be delivered twice. Make them disjoint, for example \"tenant-a/\" and \"tenant-b/\"."
  }
  validation {
    condition     = var.exclude_prefix == "" || alltrue([for p in keys(var.message_groups) : !startswith(p, var.exclude_prefix) && !startswith(var.exclude_prefix, p)])
    error_message = "A message_groups prefix overlaps exclude_prefix: keys under exclude_prefix must not be routed. Choose prefixes outside it, or change exclude_prefix."
  }
  validation {
    condition     = var.filter_prefix == "" || length(var.message_groups) == 0
    error_message = "filter_prefix cannot be combined with message_groups: an EventBridge pattern cannot both require one prefix and exclude others on the same key. List every prefix to route in message_groups (keys under none of them take the default group) and use exclude_prefix for keys to skip."
  }
  validation {
    condition     = length(var.message_groups) <= 100
    error_message = "message_groups may hold at most 100 prefixes (one EventBridge rule each; the default bus allows 300 rules per account and Region)."
  }
}

variable "retry_maximum_event_age_seconds" {
  description = "How long EventBridge keeps retrying a delivery to the queue before it goes to the delivery DLQ, in seconds (60-86400)."
  type        = number
  default     = 86400

  validation {
    condition     = var.retry_maximum_event_age_seconds >= 60 && var.retry_maximum_event_age_seconds <= 86400 && floor(var.retry_maximum_event_age_seconds) == var.retry_maximum_event_age_seconds
    error_message = "retry_maximum_event_age_seconds must be a whole number from 60 to 86400."
  }
}

variable "retry_maximum_attempts" {
  description = "How many times EventBridge retries a failed delivery before it goes to the delivery DLQ (0-185)."
  type        = number
  default     = 185

  validation {
    condition     = var.retry_maximum_attempts >= 0 && var.retry_maximum_attempts <= 185 && floor(var.retry_maximum_attempts) == var.retry_maximum_attempts
    error_message = "retry_maximum_attempts must be a whole number from 0 to 185."
  }
}

variable "delivery_dlq_name" {
  description = "Name of the standard SQS queue that keeps events EventBridge could not deliver to the FIFO queue. Null uses \"<rule_name>-delivery-dlq\"."
  type        = string
  default     = null

  validation {
    condition     = var.delivery_dlq_name == null || can(regex("^[A-Za-z0-9_-]{1,80}$", var.delivery_dlq_name))
    error_message = "delivery_dlq_name must be 1-80 characters of letters, digits, hyphens and underscores (a standard queue: no .fifo)."
  }
}

variable "delivery_dlq_kms_master_key_id" {
  description = "KMS key of the delivery DLQ. Null uses SQS-managed encryption (SSE-SQS). A customer managed key must let events.amazonaws.com use kms:GenerateDataKey and kms:Decrypt, as for the FIFO queue."
  type        = string
  default     = null
}

variable "delivery_dlq_message_retention_seconds" {
  description = "How long the delivery DLQ keeps an undelivered event, in seconds (60-1209600)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.delivery_dlq_message_retention_seconds >= 60 && var.delivery_dlq_message_retention_seconds <= 1209600
    error_message = "delivery_dlq_message_retention_seconds must be from 60 to 1209600 (14 days)."
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
  description = "ID of the queue target on each rule."
  type        = string
  default     = "fifo-queue"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.target_id))
    error_message = "target_id must be 1-64 characters of letters, digits, dots, hyphens and underscores."
  }
}

variable "tags" {
  description = "Tags for the rules and the delivery DLQ."
  type        = map(string)
  default     = {}
}
