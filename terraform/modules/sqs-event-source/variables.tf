variable "function_arn" {
  description = "ARN (or name) of the function the queue triggers."
  type        = string
}

variable "queue_arn" {
  description = "ARN of the SQS queue (standard or FIFO) that triggers the function."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sqs:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_.-]{1,80}$", var.queue_arn))
    error_message = "queue_arn must be an SQS queue ARN (arn:<partition>:sqs:<region>:<account>:<name>)."
  }
}

variable "batch_size" {
  description = "Messages per invocation: 1-10 for FIFO queues, 1-10000 for standard queues (above 10 needs a batching window)."
  type        = number
  default     = 5

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number between 1 and 10000 (and at most 10 for a FIFO queue)."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "Standard queues only: how long to gather a batch, 0-300 seconds (null: no window). FIFO queues do not support it."
  type        = number
  default     = null

  validation {
    condition     = var.maximum_batching_window_in_seconds == null || try(var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300, false)
    error_message = "maximum_batching_window_in_seconds must be between 0 and 300, or null."
  }
}

variable "maximum_concurrency" {
  description = "Cap on concurrent invocations from this queue, 2-1000 (null: no cap). Keep it at or below the function's reserved concurrency, or throttled batches return to the queue and count as receives."
  type        = number
  default     = null

  validation {
    condition     = var.maximum_concurrency == null || try(var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && floor(var.maximum_concurrency) == var.maximum_concurrency, false)
    error_message = "maximum_concurrency must be a whole number between 2 and 1000 (the SQS event source limit), or null for no cap."
  }
}

variable "report_batch_item_failures" {
  description = "Let the function report failed messages individually (FunctionResponseTypes = [\"ReportBatchItemFailures\"]) instead of failing the whole batch."
  type        = bool
  default     = true
}

variable "enabled" {
  description = "Whether the mapping polls the queue."
  type        = bool
  default     = true
}

variable "filter_patterns" {
  description = "Event filter patterns (JSON strings, at most 10). Messages that match none are deleted without invoking the function."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.filter_patterns) <= 10 && alltrue([for p in var.filter_patterns : can(jsondecode(p))])
    error_message = "filter_patterns must hold at most 10 JSON documents."
  }
}

variable "function_timeout_seconds" {
  description = "Timeout of the function, for the plan-time check against the queue's visibility timeout (null skips the check)."
  type        = number
  default     = null
}

variable "queue_visibility_timeout_seconds" {
  description = "Visibility timeout of the queue, for the plan-time check against the function timeout (null skips the check)."
  type        = number
  default     = null
}
