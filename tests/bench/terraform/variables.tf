variable "name" {
  description = "Prefix of every resource name (as in the relay stack)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "design" {
  description = "Name of the design under test (a tag and the Powertools service name)."
  type        = string
}

variable "aws_region" {
  description = "Region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "aws_endpoint_url" {
  description = "Endpoint override for every service (LocalStack); null deploys to AWS."
  type        = string
  default     = null
}

variable "lambda_zip_path" {
  description = "The bench artifact: Baton's artifact plus the bench design modules."
  type        = string

  validation {
    condition     = endswith(var.lambda_zip_path, ".zip") && try(fileexists(var.lambda_zip_path), false)
    error_message = "lambda_zip_path must point to an existing .zip (the harness builds it)."
  }
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "bucket_force_destroy" {
  description = "Let terraform destroy delete the bucket with its objects."
  type        = bool
  default     = true
}

variable "table_deletion_protection" {
  description = "Deletion protection of the tables (off: bench deployments are destroyed after each run)."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Delete noncurrent object versions after this many days (null keeps them)."
  type        = number
  default     = null
}

variable "handler" {
  description = "Handler of the consumer function, as module.path.function."
  type        = string
}

variable "trigger" {
  description = "What starts the consumer: schedule (an EventBridge rule, plus self-invokes) or event_source_mapping."
  type        = string

  validation {
    condition     = contains(["schedule", "event_source_mapping"], var.trigger)
    error_message = "trigger must be schedule or event_source_mapping."
  }
}

variable "schedule_expression" {
  description = "Schedule of a schedule-triggered design."
  type        = string
  default     = "rate(5 minutes)"
}

variable "batch_size" {
  description = "Batch size of the event source mapping (1-10 without a batching window)."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10
    error_message = "batch_size must be between 1 and 10."
  }
}

variable "maximum_concurrency" {
  description = "Maximum concurrency of the event source mapping (2-1000, null for none)."
  type        = number
  default     = 2
}

variable "mapping_enabled" {
  description = "Whether the event source mapping polls from the start (the harness enables it when a run starts)."
  type        = bool
  default     = false
}

variable "function_timeout" {
  description = "Function timeout in seconds (relay stack default)."
  type        = number
  default     = 120
}

variable "memory_size" {
  description = "Function memory in MB (relay stack default)."
  type        = number
  default     = 512
}

variable "reserved_concurrency" {
  description = "Reserved concurrency (relay stack default 1; null for the account pool)."
  type        = number
  default     = 1
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the source queue (relay stack default)."
  type        = number
  default     = 720

  validation {
    condition     = var.visibility_timeout_seconds >= 6 * var.function_timeout
    error_message = "visibility_timeout_seconds must be at least 6 x function_timeout."
  }
}

variable "max_receive_count" {
  description = "Receives before a message moves to the DLQ (relay stack default)."
  type        = number
  default     = 5
}

variable "processor" {
  description = "Processor, as package.module:function (BATON_PROCESSOR)."
  type        = string
  default     = "consumer.processors.digest:process"
}

variable "message_timeout_seconds" {
  description = "Per-message deadline in seconds (relay stack default)."
  type        = number
  default     = 30
}

variable "safety_margin_seconds" {
  description = "Time kept back from the function timeout (relay stack default)."
  type        = number
  default     = 2
}

variable "deadline_guard" {
  description = "Interrupt a processor at its deadline."
  type        = bool
  default     = true
}

variable "create_idempotency_table" {
  description = "Create the idempotency table and turn on Powertools idempotency (relay stack default)."
  type        = bool
  default     = false
}

variable "idempotency_ttl_seconds" {
  description = "Lifetime of an idempotency record in seconds."
  type        = number
  default     = 3600
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the function."
  type        = string
  default     = "INFO"
}

variable "extra_environment_variables" {
  description = "More environment variables for the function (design settings such as BATON_FAILURE_POLICY)."
  type        = map(string)
  default     = {}
  nullable    = false
}
