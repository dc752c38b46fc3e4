locals {
  log_group_name = "/aws/lambda/${var.function_name}"
  tracing_active = var.tracing_mode == "Active"

  assume_role_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "LambdaAssumeRole"
        Effect    = "Allow"
        Principal = { Service = "lambda.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  }

  # Every statement names the resources it applies to. A statement whose resource list would be empty is left
  # out (IAM rejects a statement without resources).
  policy_statements = concat(
    [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ],
    length(var.sqs_consume_queue_arns) == 0 ? [] : [
      {
        Sid      = "ConsumeOwnQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
        Resource = var.sqs_consume_queue_arns
      },
    ],
    length(var.s3_read_bucket_arns) == 0 ? [] : [
      {
        Sid      = "ReadIngestObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = [for arn in var.s3_read_bucket_arns : "${arn}/*"]
      },
    ],
    length(var.dynamodb_put_table_arns) == 0 ? [] : [
      {
        Sid      = "WriteResults"
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem"]
        Resource = var.dynamodb_put_table_arns
      },
    ],
    length(var.dynamodb_item_crud_table_arns) == 0 ? [] : [
      {
        Sid      = "UseIdempotencyRecords"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
        Resource = var.dynamodb_item_crud_table_arns
      },
    ],
    length(var.kms_decrypt_key_arns) == 0 ? [] : [
      {
        Sid      = "DecryptQueueMessages"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = var.kms_decrypt_key_arns
      },
    ],
    !var.allow_self_invoke ? [] : [
      {
        Sid      = "InvokeItself"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [aws_lambda_function.this.arn, "${aws_lambda_function.this.arn}:*"]
      },
    ],
    # X-Ray has no resource-level permissions: these two actions only accept "*".
    !local.tracing_active ? [] : [
      {
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = ["*"]
      },
    ],
    # The caller's statements for its processor (validated in variables.tf), keyed by Sid.
    [
      for sid, s in var.policy_statements : merge(
        { Sid = sid, Effect = s.effect, Action = s.actions, Resource = s.resources },
        length(s.conditions) == 0 ? {} : {
          Condition = {
            for test in distinct([for c in s.conditions : c.test]) :
            test => { for c in s.conditions : c.variable => c.values if c.test == test }
          }
        },
      )
    ],
  )

  policy = {
    Version   = "2012-10-17"
    Statement = local.policy_statements
  }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:A customer managed key is opt-in through var.log_kms_key_arn (its key policy must admit the CloudWatch Logs service); by default CloudWatch Logs encrypts with its own keys.
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "this" {
  name                 = var.function_name
  description          = "Execution role of the ${var.function_name} Lambda function"
  assume_role_policy   = jsonencode(local.assume_role_policy)
  permissions_boundary = var.role_permissions_boundary
  tags                 = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:No async-invoke DLQ on the function: queue-driven invocations dead-letter through the source queue's redrive policy, and failed relay hops leave their messages on the queue for the next scheduled chain.
  #checkov:skip=CKV_AWS_117:The function only calls AWS APIs (SQS, S3, DynamoDB, Lambda); VPC placement would add NAT or VPC endpoints without protecting any private resource.
  #checkov:skip=CKV_AWS_272:The package is a reproducible zip built by make package and deployed by Terraform; code signing is opt-in through var.code_signing_config_arn.
  #checkov:skip=CKV_AWS_173:The environment holds resource names and tuning knobs, no secrets; Lambda encrypts it at rest with its service key, and var.kms_key_arn switches to a customer managed key.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is the caller's decision (var.reserved_concurrent_executions): the relay stack reserves 1, the FIFO consumer's concurrency is bounded by the event source mapping and its message groups.
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  filename         = var.filename
  source_code_hash = var.source_code_hash != null ? var.source_code_hash : filebase64sha256(var.filename)
  handler          = var.handler
  runtime          = var.runtime
  architectures    = var.architectures
  timeout          = var.timeout
  memory_size      = var.memory_size

  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  dynamic "environment" {
    for_each = length(var.environment_variables) == 0 ? [] : [var.environment_variables]
    content {
      variables = environment.value
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  tags = var.tags

  lifecycle {
    precondition {
      # Lambda's limit is 4 KB for all keys and values together.
      condition     = length(jsonencode(var.environment_variables)) <= 4096
      error_message = "The function's environment variables exceed Lambda's 4 KB limit: shorten or drop entries (extra environment variables are the usual culprit)."
    }
  }

  # Create the log group first so Lambda never creates it without a retention setting.
  depends_on = [aws_cloudwatch_log_group.this]
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.policy)
}
