variable "function_name" {
  description = "Name of the Lambda function; also the name of its IAM role and of its log group /aws/lambda/<name>."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, hyphens and underscores (the Lambda and IAM role name limits)."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = ""

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "filename" {
  description = "Path to the deployment package (zip). Terraform never builds it: build it first (make package)."
  type        = string

  validation {
    condition     = endswith(var.filename, ".zip") && try(fileexists(var.filename), false)
    error_message = "filename must point to an existing .zip file: build the package first (make package) or fix the path."
  }
}

variable "source_code_hash" {
  description = "Base64 SHA-256 of the package that triggers a code update when it changes. Null computes it from filename."
  type        = string
  default     = null
}

variable "handler" {
  description = "Handler of the function, as module.path.function."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+$", var.handler))
    error_message = "handler must look like package.module.function (for example consumer.relay_handler.lambda_handler)."
  }
}

variable "runtime" {
  description = "Lambda runtime identifier."
  type        = string
  default     = "python3.13"

  validation {
    condition     = can(regex("^python3\\.(1[1-9]|[2-9][0-9])$", var.runtime))
    error_message = "runtime must be a Python runtime of version 3.11 or later (for example python3.13): the code needs Python >= 3.11."
  }
}

variable "architectures" {
  description = "Instruction set architecture; must match the compiled wheels inside the package."
  type        = list(string)
  default     = ["x86_64"]

  validation {
    condition     = length(var.architectures) == 1 && contains(["x86_64", "arm64"], try(var.architectures[0], ""))
    error_message = "architectures must be exactly one of [\"x86_64\"] or [\"arm64\"]."
  }
}

variable "timeout" {
  description = "Function timeout in seconds (1-900)."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "memory_size" {
  description = "Memory in MB (128-10240)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency (0 stops all invocations). Null leaves the function on the unreserved account pool."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be a whole number >= 0, or null for no reservation."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[A-Za-z][A-Za-z0-9_]+$", k))])
    error_message = "Environment variable names must start with a letter and contain only letters, digits and underscores (at least 2 characters)."
  }

  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION",
      "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME",
      "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
      "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS", "LAMBDA_RUNTIME_DIR",
      "LAMBDA_TASK_ROOT",
    ])) == 0
    error_message = "environment_variables must not set variables reserved by the Lambda runtime (AWS_REGION, AWS_LAMBDA_*, _HANDLER, LAMBDA_TASK_ROOT, credentials...): Lambda rejects them."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing mode: Active samples and traces requests (and grants the X-Ray write actions), PassThrough only forwards an upstream trace header."
  type        = string
  default     = "PassThrough"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be \"Active\" or \"PassThrough\"."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group, in days (0 = never expire)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts: 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the log group (its key policy must allow the logs.<region>.amazonaws.com principal). Null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key ARN that encrypts the environment variables at rest. Null uses the Lambda service key."
  type        = string
  default     = null
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code-signing configuration to enforce (null: none)."
  type        = string
  default     = null
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for the function's role (null: none)."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::\\d{12}:policy/[A-Za-z0-9+=,.@_/-]{1,512}$", var.role_permissions_boundary))
    error_message = "role_permissions_boundary must be the ARN of an IAM managed policy (terraform/bootstrap outputs it), or null."
  }
}

variable "sqs_consume_queue_arns" {
  description = "Queues the function consumes: it may receive, delete, change visibility and read attributes on these only."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.sqs_consume_queue_arns : can(regex("^arn:[a-z-]+:sqs:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_.-]+$", a))])
    error_message = "sqs_consume_queue_arns must hold SQS queue ARNs (no wildcards)."
  }
}

variable "s3_read_bucket_arns" {
  description = "Buckets whose objects the function may read (s3:GetObject and s3:GetObjectVersion on <bucket-arn>/*)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.s3_read_bucket_arns : can(regex("^arn:[a-z-]+:s3:::[a-z0-9.-]{3,63}$", a))])
    error_message = "s3_read_bucket_arns must hold S3 bucket ARNs (arn:<partition>:s3:::<bucket>, no wildcards)."
  }
}

variable "dynamodb_put_table_arns" {
  description = "Tables the function may only write items to (dynamodb:PutItem)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.dynamodb_put_table_arns : can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:\\d{12}:table/[A-Za-z0-9_.-]{3,255}$", a))])
    error_message = "dynamodb_put_table_arns must hold DynamoDB table ARNs (no wildcards)."
  }
}

variable "dynamodb_item_crud_table_arns" {
  description = "Tables the function may get, put, update and delete items in (for example the idempotency table)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.dynamodb_item_crud_table_arns : can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:\\d{12}:table/[A-Za-z0-9_.-]{3,255}$", a))])
    error_message = "dynamodb_item_crud_table_arns must hold DynamoDB table ARNs (no wildcards)."
  }
}

variable "kms_decrypt_key_arns" {
  description = "KMS keys the function may decrypt with (for example the key of an SSE-KMS queue it consumes)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.kms_decrypt_key_arns : can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:\\d{12}:key/.+$", a))])
    error_message = "kms_decrypt_key_arns must hold KMS key ARNs (arn:<partition>:kms:<region>:<account>:key/<id>); IAM does not match aliases."
  }
}

variable "allow_self_invoke" {
  description = "Allow the function to invoke itself (lambda:InvokeFunction on its own ARN and its qualified ARNs)."
  type        = bool
  default     = false
}

variable "policy_statements" {
  description = "Extra statements for the execution role, for a processor that calls other AWS services, keyed by Sid (alphanumeric, not one of the statements above): effect (Allow, the default, or Deny), actions, resources and optional conditions ({test, variable, values}, as in terraform-aws-lambda). An Allow may not grant iam: or sts: actions nor use a wildcard service (\"*\", \"s3*:...\")."
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

  validation {
    condition = alltrue([
      for sid, s in var.policy_statements :
      can(regex("^[A-Za-z0-9]{1,100}$", sid)) && contains(["Allow", "Deny"], s.effect) && length(s.actions) > 0 && length(s.resources) > 0
    ])
    error_message = "Each policy_statements entry needs an alphanumeric key (its Sid), effect \"Allow\" or \"Deny\", and at least one action and one resource."
  }

  validation {
    condition = alltrue(flatten([
      for s in values(var.policy_statements) : [
        for a in s.actions : s.effect == "Deny" || can(regex("^[a-z0-9-]+:[a-z0-9*?]+$", lower(a))) && !can(regex("^(iam|sts):", lower(a)))
      ]
    ]))
    error_message = "policy_statements may not allow iam: or sts: actions, nor actions without a named service (\"*\", \"s3*:GetObject\"): the role must not widen its own permissions. Name the service (s3:GetObject, sqs:SendMessage, ...)."
  }

  validation {
    condition = length(setintersection([for sid in keys(var.policy_statements) : lower(sid)], [
      "writeownlogs", "consumeownqueue", "readingestobjects", "writeresults", "useidempotencyrecords",
      "decryptqueuemessages", "invokeitself", "writetraces",
    ])) == 0 && length(distinct([for sid in keys(var.policy_statements) : lower(sid)])) == length(var.policy_statements)
    error_message = "policy_statements keys are the statements' Sids: they must be unique (ignoring case) and must not reuse the Sids of the role's own statements (WriteOwnLogs, ConsumeOwnQueue, ReadIngestObjects, WriteResults, UseIdempotencyRecords, DecryptQueueMessages, InvokeItself, WriteTraces)."
  }

  validation {
    condition = alltrue([
      for s in values(var.policy_statements) :
      length(s.conditions) == length(distinct([for c in s.conditions : "${c.test}/${c.variable}"])) && alltrue([for c in s.conditions : length(c.values) > 0])
    ])
    error_message = "policy_statements conditions need at least one value each, and a test/variable pair may appear once per statement (list several values instead)."
  }
}

variable "tags" {
  description = "Tags for the function, its role and its log group."
  type        = map(string)
  default     = {}
}
