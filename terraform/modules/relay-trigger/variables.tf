variable "function_name" {
  description = "Name of the relay function."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be a Lambda function name (1-64 letters, digits, hyphens, underscores)."
  }
}

variable "function_arn" {
  description = "ARN of the relay function (the schedule's target)."
  type        = string
}

variable "schedule_name" {
  description = "Name of the EventBridge schedule rule."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.schedule_name))
    error_message = "schedule_name must be 1-64 characters of letters, digits, dots, hyphens and underscores."
  }
}

variable "schedule_expression" {
  description = "How often a new relay chain starts: rate(...) or cron(...). Each run drains what it can and hands over to the next hop itself; the schedule restarts chains that ended."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition = (
      can(regex("^rate\\(1 (minute|hour|day)\\)$", var.schedule_expression))
      || can(regex("^rate\\(([2-9]|[1-9][0-9]+) (minutes|hours|days)\\)$", var.schedule_expression))
      || can(regex("^cron\\(\\S+ \\S+ \\S+ \\S+ \\S+ \\S+\\)$", var.schedule_expression))
    )
    error_message = "schedule_expression must be rate(1 minute|hour|day), rate(N minutes|hours|days) with N >= 2 (EventBridge insists on singular/plural), or cron(<6 fields>)."
  }
}

variable "schedule_enabled" {
  description = "Whether the schedule rule is enabled (disable it to pause new chains)."
  type        = bool
  default     = true
}

variable "maximum_retry_attempts" {
  description = "How often Lambda retries a failed asynchronous invocation (scheduled starts and self-invoked hops), 0-2. A failed run leaves its messages on the queue and the next scheduled chain picks them up, so the default is 0."
  type        = number
  default     = 0

  validation {
    condition     = contains([0, 1, 2], var.maximum_retry_attempts)
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "How long Lambda keeps an asynchronous invocation it could not run yet (60-21600). With reserved concurrency 1 a hop waits, throttled, until the previous run ends; this must cover that wait."
  type        = number
  default     = 3600

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 21600 && floor(var.maximum_event_age_in_seconds) == var.maximum_event_age_in_seconds
    error_message = "maximum_event_age_in_seconds must be a whole number between 60 and 21600."
  }
}

variable "manage_recursion_config" {
  description = "Write the function's recursive-loop setting (aws_lambda_function_recursion_config). Turn off for emulators without the PutFunctionRecursionConfig API."
  type        = bool
  default     = true
}

variable "recursive_loop" {
  description = "Lambda recursive loop detection for the relay: Allow (the chain is intentional and bounded by the hop limit and reserved concurrency) or Terminate (AWS default)."
  type        = string
  default     = "Allow"

  validation {
    condition     = contains(["Allow", "Terminate"], var.recursive_loop)
    error_message = "recursive_loop must be \"Allow\" or \"Terminate\"."
  }
}

variable "tags" {
  description = "Tags for the schedule rule."
  type        = map(string)
  default     = {}
}
