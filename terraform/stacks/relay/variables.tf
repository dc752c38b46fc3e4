# The relay's own defaults and settings. The settings both stacks share are in pipeline_variables.tf; every
# pipeline setting is described in full and validated in modules/pipeline (see its README).

# ---------------------------------------------------------------------------------------------------------------
# Pipeline settings with the relay's defaults
# ---------------------------------------------------------------------------------------------------------------

variable "name" {
  description = "Prefix of every resource name (3-32 characters): bucket <name>-ingest-<account>, queues <name> and <name>-dlq, function and role <name>, tables <name>-*, rule <name>-schedule, alarms <name>-*."
  type        = string
  default     = "baton-relay"
}

variable "function_timeout" {
  description = "Function timeout in seconds (1-900): the longest a single relay hop runs."
  type        = number
  default     = 120
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the source queue; at least 6 x function_timeout."
  type        = number
  default     = 720
}

variable "max_receive_count" {
  description = "Receives without a delete after which a message moves to the DLQ (1-1000; BATON_MAX_RECEIVE_COUNT)."
  type        = number
  default     = 5
}

variable "reserved_concurrency" {
  description = "Reserved concurrency of the relay (>= 1). 1 keeps a single chain at a time; extra scheduled starts are throttled and retried by Lambda."
  type        = number
  default     = 1
  nullable    = false
}

variable "message_timeout_seconds" {
  description = "Per-message deadline in seconds (BATON_MESSAGE_TIMEOUT_SECONDS); plus safety_margin_seconds it must fit in function_timeout."
  type        = number
  default     = 30
}

variable "service_name" {
  description = "Service name in logs and metrics (POWERTOOLS_SERVICE_NAME)."
  type        = string
  default     = "baton-relay"
}

variable "alarm_oldest_message_age_seconds" {
  description = "Alarm when the source queue's oldest message is older than this (seconds, >= 60). Keep it above the schedule interval: between chains messages wait for the next start."
  type        = number
  default     = 900
}

# ---------------------------------------------------------------------------------------------------------------
# Relay loop (validated in modules/pipeline)
# ---------------------------------------------------------------------------------------------------------------

variable "filter_suffix" {
  description = "Only notify for object keys ending with this suffix (empty: all keys)."
  type        = string
  default     = ""
  nullable    = false
}

variable "wait_time_seconds" {
  description = "Long-poll WaitTimeSeconds of each receive (BATON_WAIT_TIME_SECONDS, 1-20)."
  type        = number
  default     = 10
  nullable    = false
}

variable "time_budget_seconds" {
  description = "Optional cap on one run's working time in seconds (BATON_TIME_BUDGET_SECONDS). Null uses the function timeout."
  type        = number
  default     = null
}

variable "max_hops" {
  description = "Hop limit of one relay chain (BATON_MAX_HOPS, >= 1): the chain stops after this many self-invocations even if messages remain."
  type        = number
  default     = 100
  nullable    = false
}

variable "retry_backoff_seconds" {
  description = "Base visibility backoff for a failed message in seconds (BATON_RETRY_BACKOFF_SECONDS, 0-43200)."
  type        = number
  default     = 30
  nullable    = false
}

variable "retry_backoff_max_seconds" {
  description = "Cap of the visibility backoff in seconds (BATON_RETRY_BACKOFF_MAX_SECONDS, >= retry_backoff_seconds, <= 43200)."
  type        = number
  default     = 900
  nullable    = false
}

# ---------------------------------------------------------------------------------------------------------------
# Relay trigger
# ---------------------------------------------------------------------------------------------------------------

variable "max_messages_per_second" {
  description = "Cap on message starts per second across all workers and hops (BATON_MAX_MESSAGES_PER_SECOND, 0.1-10000): the load the data store takes. Null: no cap."
  type        = number
  default     = null
}

variable "schedule_expression" {
  description = "How often a new relay chain starts (EventBridge rate(...) or cron(...))."
  type        = string
  default     = "rate(5 minutes)"
}

variable "schedule_enabled" {
  description = "Whether the schedule starts chains (false pauses the relay)."
  type        = bool
  default     = true
}

variable "async_max_retry_attempts" {
  description = "Lambda retries of a failed asynchronous relay run (0-2)."
  type        = number
  default     = 0

  validation {
    condition     = contains([0, 1, 2], var.async_max_retry_attempts)
    error_message = "async_max_retry_attempts must be 0, 1 or 2 (the Lambda limit)."
  }
}

variable "async_max_event_age_seconds" {
  description = "How long Lambda keeps a throttled or retried asynchronous relay invocation (60-21600)."
  type        = number
  default     = 3600

  validation {
    condition     = var.async_max_event_age_seconds >= 60 && var.async_max_event_age_seconds <= 21600 && floor(var.async_max_event_age_seconds) == var.async_max_event_age_seconds
    error_message = "async_max_event_age_seconds must be a whole number between 60 and 21600 (the Lambda limits)."
  }
}

variable "manage_recursion_config" {
  description = "Write the relay's recursive-loop setting. Turn off only on an emulator without the PutFunctionRecursionConfig API."
  type        = bool
  default     = true
}

variable "recursive_loop" {
  description = "Lambda recursive loop detection for the relay: Allow (intended, bounded chain) or Terminate."
  type        = string
  default     = "Allow"
}
