variable "name" {
  description = "Base name of the source queue. The DLQ is named \"<name>-dlq\"; FIFO queues get the required \".fifo\" suffix appended (do not include it)."
  type        = string

  validation {
    # 80 characters is the SQS limit; "-dlq" + ".fifo" leaves 71 for the base name.
    condition     = can(regex("^[A-Za-z0-9_-]{1,71}$", var.name))
    error_message = "name must be 1-71 characters of letters, digits, hyphens and underscores, without the .fifo suffix (SQS names are at most 80 characters including \"-dlq\" and \".fifo\")."
  }
}

variable "fifo_queue" {
  description = "Create a FIFO source queue and a FIFO DLQ (a FIFO queue can only dead-letter into a FIFO queue)."
  type        = bool
  default     = false
}

variable "content_based_deduplication" {
  description = "FIFO only: deduplicate on a SHA-256 of the body. Needed when producers (such as EventBridge) send no deduplication ID."
  type        = bool
  default     = false

  validation {
    condition     = !var.content_based_deduplication || var.fifo_queue
    error_message = "content_based_deduplication is only valid for FIFO queues: set fifo_queue = true or content_based_deduplication = false."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the source queue in seconds (0-43200). For a Lambda consumer use at least 6 x the function timeout."
  type        = number
  default     = 30

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200 && floor(var.visibility_timeout_seconds) == var.visibility_timeout_seconds
    error_message = "visibility_timeout_seconds must be a whole number between 0 and 43200 (12 hours)."
  }
}

variable "message_retention_seconds" {
  description = "How long the source queue keeps a message, in seconds (60-1209600)."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600 && floor(var.message_retention_seconds) == var.message_retention_seconds
    error_message = "message_retention_seconds must be a whole number between 60 and 1209600 (14 days)."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long the DLQ keeps a message, in seconds (60-1209600). Must be at least the source queue's retention: a standard queue's message keeps its original enqueue time in the DLQ."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600 && floor(var.dlq_message_retention_seconds) == var.dlq_message_retention_seconds
    error_message = "dlq_message_retention_seconds must be a whole number between 60 and 1209600 (14 days)."
  }

  validation {
    condition     = var.dlq_message_retention_seconds >= var.message_retention_seconds
    error_message = "dlq_message_retention_seconds must be >= message_retention_seconds, or dead-lettered messages can expire before anyone looks at them: raise dlq_message_retention_seconds."
  }
}

variable "receive_wait_time_seconds" {
  description = "Default long-poll wait for ReceiveMessage calls that do not pass WaitTimeSeconds (0-20)."
  type        = number
  default     = 0

  validation {
    condition     = var.receive_wait_time_seconds >= 0 && var.receive_wait_time_seconds <= 20 && floor(var.receive_wait_time_seconds) == var.receive_wait_time_seconds
    error_message = "receive_wait_time_seconds must be a whole number between 0 and 20."
  }
}

variable "delay_seconds" {
  description = "Delivery delay for new messages, in seconds (0-900)."
  type        = number
  default     = 0

  validation {
    condition     = var.delay_seconds >= 0 && var.delay_seconds <= 900 && floor(var.delay_seconds) == var.delay_seconds
    error_message = "delay_seconds must be a whole number between 0 and 900."
  }
}

variable "max_receive_count" {
  description = "Receives without a delete after which SQS moves a message to the DLQ (1-1000)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number between 1 and 1000."
  }
}

variable "kms_master_key_id" {
  description = "KMS key (ID, ARN or alias) for SSE-KMS on both queues. Null writes SQS-managed SSE (sqs_managed_sse_enabled = true) explicitly. With a key, the key policy must let the producers (s3.amazonaws.com or events.amazonaws.com) use kms:GenerateDataKey and kms:Decrypt."
  type        = string
  default     = null

  validation {
    condition     = var.kms_master_key_id == null || try(length(var.kms_master_key_id) > 0, false)
    error_message = "kms_master_key_id must be a non-empty key ID, key ARN or alias, or null for SQS-managed SSE."
  }
}

variable "kms_data_key_reuse_period_seconds" {
  description = "With a KMS key: how long SQS reuses a data key before calling KMS again (60-86400)."
  type        = number
  default     = 300

  validation {
    condition     = var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400
    error_message = "kms_data_key_reuse_period_seconds must be between 60 and 86400."
  }
}

variable "tags" {
  description = "Tags for both queues."
  type        = map(string)
  default     = {}
}
