mock_provider "aws" {
  # The provider still validates ARN-typed arguments, so the role's computed ARN needs a valid shape.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/jobs" }
  }
}

override_resource {
  target = aws_lambda_function.this
  values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:jobs" }
}

override_resource {
  target = aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/jobs" }
}

variables {
  function_name          = "jobs"
  handler                = "consumer.fifo_handler.lambda_handler"
  filename               = "../../tests/fixtures/lambda.zip"
  sqs_consume_queue_arns = ["arn:aws:sqs:us-east-1:123456789012:jobs.fifo"]
  s3_read_bucket_arns    = ["arn:aws:s3:::jobs-ingest"]
  dynamodb_put_table_arns = [
    "arn:aws:dynamodb:us-east-1:123456789012:table/jobs-results",
  ]
  environment_variables = { BATON_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo" }
}

run "least_privilege_policy" {
  assert {
    condition = {
      for s in jsondecode(output.role_policy).Statement : s.Sid => s.Resource
      } == {
      WriteOwnLogs      = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/jobs:*"]
      ConsumeOwnQueue   = ["arn:aws:sqs:us-east-1:123456789012:jobs.fifo"]
      ReadIngestObjects = ["arn:aws:s3:::jobs-ingest/*"]
      WriteResults      = ["arn:aws:dynamodb:us-east-1:123456789012:table/jobs-results"]
    }
    error_message = "The policy must hold exactly the statements for the given ARNs, each limited to them."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(output.role_policy).Statement :
      s.Effect == "Allow" && alltrue([for a in s.Action : !strcontains(a, "*")]) && !contains(s.Resource, "*")
    ])
    error_message = "No statement may use a wildcard action or a \"*\" resource."
  }
  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal == { Service = "lambda.amazonaws.com" }
    error_message = "Only Lambda may assume the execution role."
  }
  assert {
    condition = (
      aws_lambda_function.this.runtime == "python3.13"
      && aws_lambda_function.this.architectures == tolist(["x86_64"])
      && aws_lambda_function.this.handler == "consumer.fifo_handler.lambda_handler"
      && aws_lambda_function.this.source_code_hash == filebase64sha256("../../tests/fixtures/lambda.zip")
    )
    error_message = "The function must run python3.13 on x86_64 from the given package, with its hash."
  }
  assert {
    condition     = output.log_group_name == "/aws/lambda/jobs" && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "The function's log group must be created with a retention (365 days by default)."
  }
  assert {
    condition     = output.environment_variables == tomap({ BATON_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo" })
    error_message = "Environment variables must reach the function."
  }
}

run "self_invoke_tracing_idempotency_and_kms" {
  variables {
    allow_self_invoke             = true
    tracing_mode                  = "Active"
    dynamodb_item_crud_table_arns = ["arn:aws:dynamodb:us-east-1:123456789012:table/jobs-idempotency"]
    kms_decrypt_key_arns          = ["arn:aws:kms:us-east-1:123456789012:key/0f6b0a4e-1111-2222-3333-444455556666"]
  }

  assert {
    condition = [for s in jsondecode(output.role_policy).Statement : s.Resource if s.Sid == "InvokeItself"] == [[
      "arn:aws:lambda:us-east-1:123456789012:function:jobs",
      "arn:aws:lambda:us-east-1:123456789012:function:jobs:*",
    ]]
    error_message = "Self-invocation must be limited to the function's own ARN and its qualified ARNs."
  }
  assert {
    condition = [
      for s in jsondecode(output.role_policy).Statement : s.Action if contains(s.Resource, "*")
    ] == [["xray:PutTraceSegments", "xray:PutTelemetryRecords"]]
    error_message = "Only the X-Ray write actions (which have no resource-level permissions) may use a \"*\" resource."
  }
  assert {
    condition = [for s in jsondecode(output.role_policy).Statement : s.Action if s.Sid == "UseIdempotencyRecords"] == [[
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    ]]
    error_message = "The idempotency table needs get, put, update and delete item, nothing more."
  }
  assert {
    condition     = [for s in jsondecode(output.role_policy).Statement : s.Action if s.Sid == "DecryptQueueMessages"] == [["kms:Decrypt"]]
    error_message = "A queue KMS key must be usable for decryption only."
  }
  assert {
    condition     = output.tracing_mode == "Active"
    error_message = "tracing_mode must reach the function."
  }
}

run "rejects_oversized_environment" {
  command = plan
  variables {
    environment_variables = { for i in range(5) : "BATON_BIG_${i}" => join("", [for j in range(900) : "x"]) }
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_invalid_inputs" {
  command = plan
  variables {
    environment_variables  = { AWS_REGION = "eu-west-1" }
    filename               = "../../tests/fixtures/missing.zip"
    runtime                = "python3.10"
    log_retention_in_days  = 42
    sqs_consume_queue_arns = ["arn:aws:sqs:us-east-1:123456789012:*"]
    function_name          = "a-function-name-that-is-longer-than-sixty-four-characters-in-total"
  }
  expect_failures = [
    var.environment_variables,
    var.filename,
    var.runtime,
    var.log_retention_in_days,
    var.sqs_consume_queue_arns,
    var.function_name,
  ]
}

run "policy_statements_and_permissions_boundary" {
  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/github-baton-function-boundary"
    policy_statements = {
      PublishReports = {
        actions   = ["sns:Publish"]
        resources = ["arn:aws:sns:us-east-1:123456789012:reports"]
        conditions = [
          { test = "StringEquals", variable = "aws:ResourceAccount", values = ["123456789012"] },
          { test = "Bool", variable = "aws:SecureTransport", values = ["true"] },
        ]
      }
      NeverManageRoles = {
        effect    = "Deny"
        actions   = ["iam:*", "sts:AssumeRole"]
        resources = ["*"]
      }
    }
  }

  assert {
    condition = [for s in jsondecode(output.role_policy).Statement : s if contains(["PublishReports", "NeverManageRoles"], s.Sid)] == [
      {
        Sid      = "NeverManageRoles"
        Effect   = "Deny"
        Action   = ["iam:*", "sts:AssumeRole"]
        Resource = ["*"]
      },
      {
        Sid      = "PublishReports"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = ["arn:aws:sns:us-east-1:123456789012:reports"]
        Condition = {
          StringEquals = { "aws:ResourceAccount" = ["123456789012"] }
          Bool         = { "aws:SecureTransport" = ["true"] }
        }
      },
    ]
    error_message = "policy_statements must join the role policy keyed by Sid, with their effect, actions, resources and conditions."
  }
  assert {
    condition     = length(jsondecode(output.role_policy).Statement) == 6
    error_message = "The caller's statements come in addition to the role's own, which stay as they are."
  }
  assert {
    condition     = aws_iam_role.this.permissions_boundary == "arn:aws:iam::123456789012:policy/github-baton-function-boundary"
    error_message = "role_permissions_boundary must reach the execution role."
  }
}

run "rejects_allowing_iam_or_sts" {
  command = plan
  variables {
    policy_statements = {
      PassAnyRole = { actions = ["iam:PassRole"], resources = ["*"] }
      Escalate    = { actions = ["STS:AssumeRole"], resources = ["arn:aws:iam::123456789012:role/admin"] }
    }
  }
  expect_failures = [var.policy_statements]
}

run "rejects_allowing_a_wildcard_service" {
  command = plan
  variables {
    policy_statements = {
      Everything = { actions = ["*"], resources = ["arn:aws:s3:::jobs-ingest/*"] }
      AnyS3Like  = { actions = ["s3*:GetObject"], resources = ["arn:aws:s3:::jobs-ingest/*"] }
    }
  }
  expect_failures = [var.policy_statements]
}

run "rejects_reused_sids_and_bad_boundary" {
  command = plan
  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:role/not-a-policy"
    policy_statements = {
      writeownlogs = { actions = ["logs:PutLogEvents"], resources = ["arn:aws:logs:us-east-1:123456789012:log-group:other:*"] }
    }
  }
  expect_failures = [var.policy_statements, var.role_permissions_boundary]
}

run "rejects_malformed_statements" {
  command = plan
  variables {
    policy_statements = {
      "not-alphanumeric" = { effect = "Maybe", actions = [], resources = [] }
    }
  }
  expect_failures = [var.policy_statements]
}
