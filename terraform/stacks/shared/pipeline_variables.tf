# Shared by both stacks (each links this file): the settings both variants take with the same default. Each is
# passed to modules/pipeline, whose README describes it in full and whose variables.tf validates it; the
# provider settings (aws_region, aws_endpoint_url, tags) are validated here.

# ---------------------------------------------------------------------------------------------------------------
# Deployment
# ---------------------------------------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$", var.aws_region))
    error_message = "aws_region must be a region code such as us-east-1 or eu-central-1."
  }
}

variable "aws_endpoint_url" {
  description = "Endpoint override for every AWS service the stack uses, for example http://localhost.localstack.cloud:4566 for LocalStack. Null deploys to AWS."
  type        = string
  default     = null

  validation {
    condition     = var.aws_endpoint_url == null || can(regex("^https?://[^\\s/]+(/.*)?$", var.aws_endpoint_url))
    error_message = "aws_endpoint_url must be an http(s) URL such as http://localhost.localstack.cloud:4566, or null for AWS."
  }
}

variable "lambda_zip_path" {
  description = "The Lambda package from make package (dist/baton-lambda.zip), absolute or relative to the stack directory."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource (on top of Project and Variant)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")
    ])
    error_message = "tags: keys must be 1-128 characters and not start with 'aws:', values at most 256 characters."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the queues, bucket, tables, log group, function environment and alarm topic (null: AWS-owned/managed encryption). Its key policy must admit the route's producer (s3.amazonaws.com relay, events.amazonaws.com FIFO), logs.<region>.amazonaws.com and cloudwatch.amazonaws.com (kms:GenerateDataKey*, kms:Decrypt)."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------------------
# Bucket and route
# ---------------------------------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Ingest bucket name (null: <name>-ingest-<account id>)."
  type        = string
  default     = null
}

variable "bucket_force_destroy" {
  description = "Let terraform destroy empty the bucket first (throwaway environments such as the demo)."
  type        = bool
  default     = false
}

variable "bucket_versioning" {
  description = "Versioning of the ingest bucket."
  type        = bool
  default     = true
}

variable "object_expiration_days" {
  description = "Days after which ingested objects expire (null: kept)."
  type        = number
  default     = null
}

variable "access_log_bucket" {
  description = "Existing bucket that receives the ingest bucket's server access logs (null: none)."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted (null: kept)."
  type        = number
  default     = 30
}

variable "filter_prefix" {
  description = "Only route objects whose key starts with this prefix (empty: all keys)."
  type        = string
  default     = ""
  nullable    = false
}

# ---------------------------------------------------------------------------------------------------------------
# Queue
# ---------------------------------------------------------------------------------------------------------------

variable "message_retention_seconds" {
  description = "Source queue message retention, in seconds (60-1209600)."
  type        = number
  default     = 345600
}

variable "dlq_message_retention_seconds" {
  description = "DLQ message retention, in seconds (>= message_retention_seconds, <= 1209600)."
  type        = number
  default     = 1209600
}

# ---------------------------------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------------------------------

variable "runtime" {
  description = "Lambda runtime (python3.11 or later)."
  type        = string
  default     = "python3.13"
}

variable "memory_size" {
  description = "Function memory, MB (128-10240); with workers > 1 at least workers x worker_memory_mb + 160."
  type        = number
  default     = 512
}

variable "workers" {
  description = "Worker processes per run (BATON_WORKERS, 1-32; 1: in the consumer's own process). Relay: messages of a run at once; FIFO: records of different message groups at once."
  type        = number
  default     = 4
}

variable "worker_memory_mb" {
  description = "Memory of one worker, MB, for the check workers x worker_memory_mb + 160 <= memory_size (about 32 measured with the default processor)."
  type        = number
  default     = 40
}

variable "processor" {
  description = "The processor, as package.module:attribute (BATON_PROCESSOR)."
  type        = string
  default     = "consumer.processors.digest:process"
}

variable "safety_margin_seconds" {
  description = "Seconds kept back from the function timeout (BATON_SAFETY_MARGIN_SECONDS, >= 0)."
  type        = number
  default     = 2
}

variable "deadline_guard" {
  description = "Interrupt a processor at its per-message deadline (BATON_DEADLINE_GUARD)."
  type        = bool
  default     = true
}

variable "tracing_enabled" {
  description = "X-Ray active tracing and the Powertools Tracer (BATON_TRACING)."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "Log level of the function (POWERTOOLS_LOG_LEVEL): DEBUG, INFO, WARNING, ERROR or CRITICAL."
  type        = string
  default     = "INFO"
}

variable "log_retention_in_days" {
  description = "Log group retention in days (a value CloudWatch Logs accepts; 0: never expire)."
  type        = number
  default     = 365
}

variable "metrics_namespace" {
  description = "EMF metrics namespace (POWERTOOLS_METRICS_NAMESPACE; not AWS/...)."
  type        = string
  default     = "Baton"
}

variable "create_idempotency_table" {
  description = "Powertools idempotency with its own table (BATON_IDEMPOTENCY_TABLE): two more writes per message, off by default (see README, One write per message)."
  type        = bool
  default     = false
}

variable "idempotency_ttl_seconds" {
  description = "Lifetime of an idempotency record, in seconds (BATON_IDEMPOTENCY_TTL_SECONDS)."
  type        = number
  default     = 3600
}

variable "extra_environment_variables" {
  description = "Additional environment variables for the function, for example a processor's own settings. They cannot override the variables the stack sets."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "policy_statements" {
  description = "Extra IAM statements for a processor that calls other AWS services, keyed by Sid: { effect = \"Allow\", actions, resources, conditions = [{ test, variable, values }] } (terraform-aws-lambda's shape). No iam:/sts: or wildcard-service actions may be allowed; see modules/consumer-function."
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
  description = "ARN of the permissions boundary every execution role must carry when deployed by terraform/bootstrap's deploy role (its output role_permissions_boundary). Null: none."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------------------
# Tables and alarms
# ---------------------------------------------------------------------------------------------------------------

variable "table_deletion_protection" {
  description = "Deletion protection of the DynamoDB tables (turn it off, apply, then destroy)."
  type        = bool
  default     = true
}

variable "create_alarm_topic" {
  description = "Create the SNS topic <name>-alarms for the alarm notifications."
  type        = bool
  default     = false
}

variable "alarm_actions" {
  description = "ARNs of existing SNS topics the alarms notify."
  type        = list(string)
  default     = []
  nullable    = false
}
