# The FIFO variant's own defaults and settings. The settings both stacks share are in pipeline_variables.tf;
# every pipeline setting is described in full and validated in modules/pipeline (see its README).

# ---------------------------------------------------------------------------------------------------------------
# Pipeline settings with the FIFO variant's defaults
# ---------------------------------------------------------------------------------------------------------------

variable "name" {
  description = "Prefix of every resource name (3-32 characters): bucket <name>-ingest-<account>, queues <name>.fifo and <name>-dlq.fifo, function and role <name>, tables <name>-*, rule <name>-object-created, alarms <name>-*."
  type        = string
  default     = "baton-fifo"
}

variable "function_timeout" {
  description = "Function timeout in seconds (1-900): one batch must finish within it."
  type        = number
  default     = 60
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the FIFO queue; at least 6 x function_timeout. A failed message blocks its message group for this long."
  type        = number
  default     = 360
}

variable "max_receive_count" {
  description = "Receives without a delete after which a message moves to the FIFO DLQ (1-1000; BATON_MAX_RECEIVE_COUNT). The default 1 dead-letters a failed message at once, so its group moves on; hold_group needs at least 2."
  type        = number
  default     = 1
}

variable "reserved_concurrency" {
  description = "Reserved concurrency of the FIFO function (null: unreserved). When set it must cover maximum_concurrency."
  type        = number
  default     = null
}

variable "message_timeout_seconds" {
  description = "Per-message deadline in seconds (BATON_MESSAGE_TIMEOUT_SECONDS): batch_size x message_timeout_seconds + safety_margin_seconds must fit in function_timeout."
  type        = number
  default     = 10
}

variable "service_name" {
  description = "Service name in logs and metrics (POWERTOOLS_SERVICE_NAME)."
  type        = string
  default     = "baton-fifo"
}

variable "alarm_oldest_message_age_seconds" {
  description = "Alarm when the FIFO queue's oldest message is older than this (seconds, >= 60): a sign of a blocked message group."
  type        = number
  default     = 300
}

# ---------------------------------------------------------------------------------------------------------------
# EventBridge route
# ---------------------------------------------------------------------------------------------------------------

variable "exclude_prefix" {
  description = "Do not route objects whose key starts with this prefix (empty: exclude nothing). The default keeps the objects of `baton send --fifo-messages`, which sends their events itself, from arriving twice. Ignored when filter_prefix is set."
  type        = string
  default     = "baton-send/"
  nullable    = false
}

variable "message_group_id" {
  description = "MessageGroupId of every key no message_groups prefix claims (1-128 printable ASCII characters): without message_groups all objects of the bucket form one ordered group."
  type        = string
  default     = "ingest"

  validation {
    condition     = can(regex("^[!-~]{1,128}$", var.message_group_id))
    error_message = "message_group_id must be 1-128 characters of letters, digits and punctuation (no spaces)."
  }
}

variable "message_groups" {
  description = "Key prefix -> MessageGroupId, e.g. { \"tenant-a/\" = \"tenant-a\" }: one EventBridge rule per prefix, each prefix its own ordered stream, processed in parallel with the others; keys under no prefix take message_group_id. Prefixes must not overlap (checked at plan)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "event_retry_maximum_age_seconds" {
  description = "How long EventBridge retries delivering an event to the queue before it keeps it in the delivery DLQ (60-86400)."
  type        = number
  default     = 86400
}

variable "event_retry_maximum_attempts" {
  description = "Retries of a failed delivery to the queue before the event goes to the delivery DLQ (0-185)."
  type        = number
  default     = 185
}

# ---------------------------------------------------------------------------------------------------------------
# FIFO trigger
# ---------------------------------------------------------------------------------------------------------------

variable "batch_size" {
  description = "Messages per invocation of the FIFO function (1-10; validated in modules/pipeline)."
  type        = number
  default     = 5
  nullable    = false
}

variable "maximum_concurrency" {
  description = "Cap on concurrent invocations from the queue, 2-1000 (null: no cap). It cannot exceed reserved_concurrency when that is set."
  type        = number
  default     = null

  validation {
    condition     = var.maximum_concurrency == null || try(var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && floor(var.maximum_concurrency) == var.maximum_concurrency, false)
    error_message = "maximum_concurrency must be a whole number between 2 and 1000 (the SQS event source limit), or null for no cap."
  }

  validation {
    condition     = var.maximum_concurrency == null || var.reserved_concurrency == null || try(var.maximum_concurrency <= var.reserved_concurrency, false)
    error_message = "maximum_concurrency must not exceed reserved_concurrency: throttled batches return to the queue and count as receives (with max_receive_count 1 they go to the DLQ). Lower maximum_concurrency or raise reserved_concurrency."
  }
}

variable "failure_policy" {
  description = "What the function does after a message fails (BATON_FAILURE_POLICY): skip (fail only that message, later messages of its group go on) or hold_group (return the rest of the group unprocessed so it retries in order; needs max_receive_count >= 2)."
  type        = string
  default     = "skip"

  validation {
    condition     = contains(["skip", "hold_group"], var.failure_policy)
    error_message = "failure_policy must be \"skip\" or \"hold_group\"."
  }

  validation {
    condition     = var.failure_policy != "hold_group" || var.max_receive_count >= 2
    error_message = "failure_policy = \"hold_group\" needs max_receive_count >= 2: with 1 the held messages are dead-lettered on their first return. Raise max_receive_count or use failure_policy = \"skip\"."
  }
}
