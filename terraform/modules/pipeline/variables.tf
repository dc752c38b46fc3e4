# ---------------------------------------------------------------------------------------------------------------
# Variant: what the calling stack decides
# ---------------------------------------------------------------------------------------------------------------

variable "variant" {
  description = "Which consumer this pipeline runs: relay (standard queue, scheduled self-relaying function) or fifo (FIFO queue + DLQ, event source mapping). Decides the queue type."
  type        = string

  validation {
    condition     = contains(["relay", "fifo"], var.variant)
    error_message = "variant must be \"relay\" or \"fifo\"."
  }
}

variable "function_handler" {
  description = "Handler of the consumer function, for example consumer.relay_handler.lambda_handler."
  type        = string
}

variable "function_description" {
  description = "Description of the consumer function; {queue} in it is replaced by the source queue's name."
  type        = string
  default     = "Baton consumer of {queue}"
  nullable    = false
}

variable "allow_self_invoke" {
  description = "Let the function invoke itself (the relay hands the baton to its next run)."
  type        = bool
  default     = false
  nullable    = false
}

variable "variant_environment" {
  description = "Environment variables of the variant that this module does not set itself (the FIFO stack's BATON_FAILURE_POLICY). The variables this module manages win over them."
  type        = map(string)
  default     = {}
  nullable    = false
}

# ---------------------------------------------------------------------------------------------------------------
# Deployment
# ---------------------------------------------------------------------------------------------------------------

variable "name" {
  description = "Prefix of every resource name: bucket <name>-ingest-<account>, queues <name> and <name>-dlq (FIFO: <name>.fifo and <name>-dlq.fifo), function and role <name>, tables <name>-results and <name>-idempotency, alarms <name>-*."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name)) && !startswith(var.name, "xn--") && !startswith(var.name, "sthree-")
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, start with a letter, end with a letter or digit, and not start with 'xn--' or 'sthree-' (it becomes part of the bucket name, which S3 limits to 63 characters)."
  }
}

variable "lambda_zip_path" {
  description = "Path to the Lambda package built by make package (dist/baton-lambda.zip). Terraform never builds code."
  type        = string

  validation {
    condition     = endswith(var.lambda_zip_path, ".zip") && try(fileexists(var.lambda_zip_path), false)
    error_message = "lambda_zip_path must point to an existing .zip: run make package first, and pass an absolute path or one relative to the stack directory."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the queues, bucket, tables, log group, function environment and alarm topic; the function gets kms:Decrypt. Null uses AWS-owned/managed encryption everywhere."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:\\d{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), or null."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Bucket
# ---------------------------------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Name of the ingest bucket. Null derives <name>-ingest-<account id>."
  type        = string
  default     = null
}

variable "bucket_force_destroy" {
  description = "Let terraform destroy delete the bucket with its objects (for throwaway environments such as the demo)."
  type        = bool
  default     = false
}

variable "bucket_versioning" {
  description = "Enable versioning on the ingest bucket."
  type        = bool
  default     = true
}

variable "object_expiration_days" {
  description = "Expire ingested objects this many days after upload (null keeps them)."
  type        = number
  default     = null

  validation {
    condition     = var.object_expiration_days == null || try(var.object_expiration_days >= 1 && floor(var.object_expiration_days) == var.object_expiration_days, false)
    error_message = "object_expiration_days must be a whole number of days >= 1, or null to keep objects."
  }
}

variable "access_log_bucket" {
  description = "Name of an existing bucket that receives the ingest bucket's server access logs (null: no access logging)."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "With versioning on, delete noncurrent object versions after this many days (null keeps them)."
  type        = number
  default     = 30
}

# ---------------------------------------------------------------------------------------------------------------
# Queue
# ---------------------------------------------------------------------------------------------------------------

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the source queue; at least 6 x function_timeout (Lambda refuses an event source mapping whose visibility timeout is shorter than the function timeout). A failed FIFO message blocks its group for this long."
  type        = number

  validation {
    condition     = var.visibility_timeout_seconds >= 6 * var.function_timeout && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be at least 6 x function_timeout (and at most 43200): raise it, or lower function_timeout."
  }
}

variable "message_retention_seconds" {
  description = "How long the source queue keeps a message, in seconds (60-1209600)."
  type        = number
  default     = 345600
}

variable "dlq_message_retention_seconds" {
  description = "How long the DLQ keeps a message, in seconds (at least message_retention_seconds, at most 1209600)."
  type        = number
  default     = 1209600
}

variable "max_receive_count" {
  description = "Receives without a delete after which a message moves to the DLQ (1-1000). Also given to the function as BATON_MAX_RECEIVE_COUNT."
  type        = number

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number between 1 and 1000."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------------------------------

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.13"
}

variable "function_timeout" {
  description = "Function timeout in seconds (1-900): the longest one relay run, or one FIFO batch, may take."
  type        = number

  validation {
    condition     = var.function_timeout >= 1 && var.function_timeout <= 900 && floor(var.function_timeout) == var.function_timeout
    error_message = "function_timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "memory_size" {
  description = "Function memory in MB (128-10240). With workers > 1 it must hold the consumer (160 MB) and every worker (workers x worker_memory_mb)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "workers" {
  description = "Worker processes that process messages at once (BATON_WORKERS, 1-32; 1: in the consumer's own process). Relay: the messages of a run; FIFO: records of different message groups in a batch."
  type        = number
  default     = 4

  validation {
    condition     = var.workers >= 1 && var.workers <= 32 && floor(var.workers) == var.workers
    error_message = "workers must be a whole number between 1 and 32."
  }

  validation {
    condition     = var.workers == 1 || var.workers * var.worker_memory_mb + 160 <= var.memory_size
    error_message = "workers x worker_memory_mb + 160 MB (the consumer itself) must fit in memory_size, or the function runs out of memory under load: raise memory_size (for example to ${var.workers * var.worker_memory_mb + 160}), or lower workers."
  }
}

variable "worker_memory_mb" {
  description = "Memory one worker process needs, in MB, for the workers x worker_memory_mb check against memory_size (about 32 MB measured with the default processor; raise it for a processor that holds more)."
  type        = number
  default     = 40

  validation {
    condition     = var.worker_memory_mb >= 16 && var.worker_memory_mb <= 10240
    error_message = "worker_memory_mb must be between 16 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrency of the function (null: unreserved). The relay reserves 1: one run at a time."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1 && floor(var.reserved_concurrency) == var.reserved_concurrency, false)
    error_message = "reserved_concurrency must be a whole number >= 1, or null: 0 would stop every invocation (relay: use schedule_enabled = false to pause; FIFO: every batch would be throttled back to the queue, and with max_receive_count 1 into the DLQ)."
  }
}

variable "processor" {
  description = "Processor the function calls per object, as package.module:function (BATON_PROCESSOR)."
  type        = string
  default     = "consumer.processors.digest:process"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$", var.processor))
    error_message = "processor must look like package.module:function, for example consumer.processors.digest:process."
  }
}

variable "message_timeout_seconds" {
  description = "Per-message deadline in seconds (BATON_MESSAGE_TIMEOUT_SECONDS, >= 0.05). message_timeout_seconds (FIFO: x batch_size) + safety_margin_seconds must fit in function_timeout."
  type        = number

  validation {
    condition     = var.message_timeout_seconds >= 0.05
    error_message = "message_timeout_seconds must be at least 0.05: a shorter deadline cannot be enforced (the guard's timer resolution) and the function refuses it at cold start."
  }

  validation {
    condition     = coalesce(var.batch_size, 1) * var.message_timeout_seconds + var.safety_margin_seconds <= var.function_timeout
    error_message = "message_timeout_seconds (FIFO: x batch_size) + safety_margin_seconds must be <= function_timeout, or slow messages run the function into its timeout: lower message_timeout_seconds, safety_margin_seconds or batch_size, or raise function_timeout."
  }
}

variable "safety_margin_seconds" {
  description = "Time kept back from the function timeout for clean-up, the relay's hand-over or the FIFO batch result (BATON_SAFETY_MARGIN_SECONDS, 0-60)."
  type        = number
  default     = 2

  validation {
    condition     = var.safety_margin_seconds >= 0 && var.safety_margin_seconds <= 60
    error_message = "safety_margin_seconds must be between 0 and 60 (the function refuses more at cold start): a few seconds cover the deletes, the hand-over and the batch response."
  }

  validation {
    condition     = var.safety_margin_seconds < var.function_timeout
    error_message = "safety_margin_seconds must be smaller than function_timeout, or no time is left to process anything."
  }
}

variable "deadline_guard" {
  description = "Interrupt a processor that runs past its per-message deadline (BATON_DEADLINE_GUARD on/off)."
  type        = bool
  default     = true
}

variable "tracing_enabled" {
  description = "Turn on X-Ray: active tracing on the function and the Powertools Tracer (BATON_TRACING)."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "Log level of the function (POWERTOOLS_LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group in days (a value CloudWatch Logs accepts; 0 = never expire)."
  type        = number
  default     = 365
}

variable "service_name" {
  description = "Service name in logs and metrics (POWERTOOLS_SERVICE_NAME)."
  type        = string

  validation {
    condition     = length(var.service_name) >= 1 && length(var.service_name) <= 255
    error_message = "service_name must be 1-255 characters."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's EMF metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "Baton"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits and . _ / # : -, and must not start with AWS/."
  }
}

variable "create_idempotency_table" {
  description = "Create the idempotency table and turn on Powertools idempotency (BATON_IDEMPOTENCY_TABLE). Off by default: the results table's conditional write already records each object version once; idempotency adds two writes per message to save one re-read on a rare duplicate."
  type        = bool
  default     = false
}

variable "idempotency_ttl_seconds" {
  description = "How long an idempotency record lives, in seconds (BATON_IDEMPOTENCY_TTL_SECONDS)."
  type        = number
  default     = 3600

  validation {
    condition     = var.idempotency_ttl_seconds >= 60 && floor(var.idempotency_ttl_seconds) == var.idempotency_ttl_seconds
    error_message = "idempotency_ttl_seconds must be a whole number >= 60 (the function refuses less at cold start): a record must outlive the redeliveries it guards against."
  }
}

variable "extra_environment_variables" {
  description = "Additional environment variables for the function, for example the chaos processor's BATON_CHAOS_* settings. They cannot override the variables the pipeline sets."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = length(setintersection(keys(var.extra_environment_variables), [
      "BATON_QUEUE_URL", "BATON_PROCESSOR", "BATON_RESULTS_TABLE", "BATON_IDEMPOTENCY_TABLE",
      "BATON_IDEMPOTENCY_TTL_SECONDS", "BATON_MESSAGE_TIMEOUT_SECONDS", "BATON_SAFETY_MARGIN_SECONDS",
      "BATON_DEADLINE_GUARD", "BATON_MAX_RECEIVE_COUNT", "BATON_TRACING", "POWERTOOLS_SERVICE_NAME",
      "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL", "BATON_WAIT_TIME_SECONDS",
      "BATON_TIME_BUDGET_SECONDS", "BATON_MAX_HOPS", "BATON_RETRY_BACKOFF_SECONDS",
      "BATON_RETRY_BACKOFF_MAX_SECONDS", "BATON_FAILURE_POLICY", "BATON_WORKERS",
      "BATON_MAX_MESSAGES_PER_SECOND",
    ])) == 0
    error_message = "extra_environment_variables must not set variables the pipeline manages (BATON_QUEUE_URL, BATON_PROCESSOR, ..., POWERTOOLS_*): use the dedicated stack variable instead."
  }
}

variable "policy_statements" {
  description = "Extra IAM statements for the processor, keyed by Sid (see modules/consumer-function: no iam:/sts: or \"*\"-service actions with Effect Allow)."
  type = map(object({
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default  = {}
  nullable = false
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code-signing configuration the function must satisfy (null: none)."
  type        = string
  default     = null
}

variable "role_permissions_boundary" {
  description = "ARN of the permissions boundary of the function's role (terraform/bootstrap outputs it; null: none)."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------------------
# Variant settings the pipeline validates (null: not this variant's, the variable stays unset)
# ---------------------------------------------------------------------------------------------------------------

variable "batch_size" {
  description = "FIFO: messages per invocation (the event source mapping's batch size, 1-10); each must be able to run to its deadline within function_timeout. Null: one message at a time (relay)."
  type        = number
  default     = null

  validation {
    condition     = var.batch_size == null || try(var.batch_size >= 1 && var.batch_size <= 10 && floor(var.batch_size) == var.batch_size, false)
    error_message = "batch_size must be a whole number between 1 and 10 (the limit for FIFO queues)."
  }
}

variable "wait_time_seconds" {
  description = "Relay: long-poll WaitTimeSeconds of each receive (BATON_WAIT_TIME_SECONDS, 1-20)."
  type        = number
  default     = null

  validation {
    condition     = var.wait_time_seconds == null || try(var.wait_time_seconds >= 1 && var.wait_time_seconds <= 20 && floor(var.wait_time_seconds) == var.wait_time_seconds, false)
    error_message = "wait_time_seconds must be a whole number between 1 and 20 (0 would short-poll and miss messages on small queues)."
  }

  validation {
    condition     = var.wait_time_seconds == null || try(var.wait_time_seconds + var.safety_margin_seconds < var.function_timeout, false)
    error_message = "wait_time_seconds + safety_margin_seconds must be less than function_timeout, or a single empty receive uses up the whole run: lower wait_time_seconds or raise function_timeout."
  }
}

variable "time_budget_seconds" {
  description = "Relay: cap on one run's working time in seconds (BATON_TIME_BUDGET_SECONDS). Null uses the function timeout."
  type        = number
  default     = null

  validation {
    condition     = var.time_budget_seconds == null || try(var.time_budget_seconds >= 1 && var.time_budget_seconds <= var.function_timeout, false)
    error_message = "time_budget_seconds must be >= 1 and <= function_timeout, or null to use the function timeout."
  }

  validation {
    condition     = var.time_budget_seconds == null || var.wait_time_seconds == null || try(var.time_budget_seconds > var.wait_time_seconds, false)
    error_message = "time_budget_seconds must be greater than wait_time_seconds: otherwise every run stops on its budget before its first receive and relays, and each scheduled start becomes a chain of max_hops runs that process nothing. Raise time_budget_seconds or lower wait_time_seconds."
  }
}

variable "max_hops" {
  description = "Relay: hop limit of one chain (BATON_MAX_HOPS, >= 0; 0: never relay, the schedule starts every run): the chain stops after this many self-invocations even if messages remain."
  type        = number
  default     = null

  validation {
    condition     = var.max_hops == null || try(var.max_hops >= 0 && floor(var.max_hops) == var.max_hops, false)
    error_message = "max_hops must be a whole number >= 0."
  }
}

variable "retry_backoff_seconds" {
  description = "Relay: base visibility backoff of a failed message in seconds (BATON_RETRY_BACKOFF_SECONDS, 0-43200)."
  type        = number
  default     = null

  validation {
    condition     = var.retry_backoff_seconds == null || try(var.retry_backoff_seconds >= 0 && var.retry_backoff_seconds <= 43200 && floor(var.retry_backoff_seconds) == var.retry_backoff_seconds, false)
    error_message = "retry_backoff_seconds must be a whole number between 0 and 43200 (SQS takes whole seconds, up to 12 hours)."
  }
}

variable "retry_backoff_max_seconds" {
  description = "Relay: cap of the visibility backoff in seconds (BATON_RETRY_BACKOFF_MAX_SECONDS, >= retry_backoff_seconds, <= 43200)."
  type        = number
  default     = null

  validation {
    condition     = var.retry_backoff_max_seconds == null || try(var.retry_backoff_max_seconds >= 0 && var.retry_backoff_max_seconds <= 43200 && floor(var.retry_backoff_max_seconds) == var.retry_backoff_max_seconds, false)
    error_message = "retry_backoff_max_seconds must be a whole number between 0 and 43200 (SQS takes whole seconds, up to 12 hours)."
  }

  validation {
    condition     = var.retry_backoff_max_seconds == null || try(var.retry_backoff_max_seconds >= coalesce(var.retry_backoff_seconds, 0), false)
    error_message = "retry_backoff_max_seconds must be >= retry_backoff_seconds."
  }
}

variable "max_messages_per_second" {
  description = "Relay: cap on message starts per second across all workers and hops (BATON_MAX_MESSAGES_PER_SECOND, 0.1-10000): the load the data store downstream takes. Null: no cap."
  type        = number
  default     = null

  validation {
    condition     = var.max_messages_per_second == null || try(var.max_messages_per_second >= 0.1 && var.max_messages_per_second <= 10000, false)
    error_message = "max_messages_per_second must be between 0.1 and 10000, or null for no cap."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Tables and alarms
# ---------------------------------------------------------------------------------------------------------------

variable "table_deletion_protection" {
  description = "Protect the DynamoDB tables against deletion (turn it off before destroying the stack)."
  type        = bool
  default     = true
}

variable "alarm_oldest_message_age_seconds" {
  description = "Alarm when the source queue's oldest message is older than this (seconds): relay, keep it above the schedule interval; FIFO, a sign of a blocked message group."
  type        = number

  validation {
    condition     = var.alarm_oldest_message_age_seconds >= 60
    error_message = "alarm_oldest_message_age_seconds must be at least 60 (SQS publishes the metric once a minute)."
  }
}

variable "create_alarm_topic" {
  description = "Create an SNS topic <name>-alarms that receives the alarm notifications."
  type        = bool
  default     = false
}

variable "alarm_actions" {
  description = "Existing ARNs (SNS topics) notified by the alarms."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "delivery_dlq_name" {
  description = "FIFO: name of the route's delivery DLQ (events EventBridge could not deliver), alarmed on when not empty. Null: none (relay)."
  type        = string
  default     = null
}

variable "event_rule_names" {
  description = "FIFO: the route's EventBridge rules, one FailedInvocations alarm each."
  type        = list(string)
  default     = []
  nullable    = false
}
