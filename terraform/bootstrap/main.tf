# What the deploy workflow needs once per AWS account: the GitHub Actions OIDC identity provider, a read-only
# plan role (pull requests and the default branch), a deploy role (GitHub environments only) and the bucket that
# holds the stacks' remote state.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  regions    = length(var.deploy_regions) > 0 ? distinct(var.deploy_regions) : [var.aws_region]
  prefix     = var.resource_name_prefix

  # ---------------------------------------------------------------------------------------------------------
  # OIDC: who may assume which role
  # ---------------------------------------------------------------------------------------------------------
  oidc_host         = "token.actions.githubusercontent.com"
  oidc_audience     = "sts.amazonaws.com"
  oidc_provider_arn = var.existing_oidc_provider_arn != null ? var.existing_oidc_provider_arn : aws_iam_openid_connect_provider.github[0].arn

  # The repository part of the sub claim. Name-only ("legacy"): repo:OWNER/REPO. Immutable (repositories
  # created or renamed after GitHub's switch, or opted in): the numeric ids follow the names,
  # repo:OWNER-OWNERID/REPO-REPOID.
  legacy_repo_subject    = "repo:${var.github_owner}/${var.github_repository}"
  immutable_repo_subject = var.subject_claim_format == "legacy" ? "" : "repo:${var.github_owner}-${var.github_owner_id}/${var.github_repository}-${var.github_repository_id}"
  repo_subjects = compact([
    contains(["legacy", "both"], var.subject_claim_format) ? local.legacy_repo_subject : "",
    contains(["immutable", "both"], var.subject_claim_format) ? local.immutable_repo_subject : "",
  ])

  # A job that runs under `environment: <name>` gets sub = <repo>:environment:<name>, whatever its branch or
  # event: only such jobs (where the environment's protection rules and reviewers apply) may deploy.
  deploy_subjects = flatten([
    for repo in local.repo_subjects : [for env in var.environments : "${repo}:environment:${env}"]
  ])

  # Jobs without an environment: <repo>:pull_request for pull requests, <repo>:ref:refs/heads/<branch> for
  # pushes and manual runs on a branch. Plans need no approval, so the plan role is read-only.
  plan_subjects = flatten([
    for repo in local.repo_subjects : concat(
      ["${repo}:pull_request"],
      [for branch in var.plan_branches : "${repo}:ref:refs/heads/${branch}"],
    )
  ])

  deploy_trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsEnvironments"
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.oidc_host}:aud" = local.oidc_audience
          "${local.oidc_host}:sub" = local.deploy_subjects
        }
      }
    }]
  }

  plan_trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsPlans"
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.oidc_host}:aud" = local.oidc_audience
          "${local.oidc_host}:sub" = local.plan_subjects
        }
      }
    }]
  }

  # ---------------------------------------------------------------------------------------------------------
  # State bucket
  # ---------------------------------------------------------------------------------------------------------
  state_bucket_name = coalesce(var.state_bucket_name, "tfstate-baton-${local.account_id}-${var.aws_region}")
  state_bucket_arn  = "arn:${local.partition}:s3:::${local.state_bucket_name}"
  state_objects_arn = "${local.state_bucket_arn}/${var.state_key_prefix}*"
  state_locks_arn   = "${local.state_bucket_arn}/${var.state_key_prefix}*.tflock"

  # ---------------------------------------------------------------------------------------------------------
  # What the stacks create, by ARN pattern: every name starts with resource_name_prefix (the stack variable
  # `name`, e.g. baton-relay-staging). Bucket <name>-ingest-<account>, queues <name>[-dlq][.fifo], function
  # and execution role <name>, log group /aws/lambda/<name>, tables <name>-results/-idempotency, rule
  # <name>-schedule or <name>-object-created, alarms <name>-*, topic <name>-alarms.
  # ---------------------------------------------------------------------------------------------------------
  ingest_bucket_arns = ["arn:${local.partition}:s3:::${local.prefix}*"]
  ingest_object_arns = ["arn:${local.partition}:s3:::${local.prefix}*/*"]
  queue_arns         = [for r in local.regions : "arn:${local.partition}:sqs:${r}:${local.account_id}:${local.prefix}*"]
  function_arns      = [for r in local.regions : "arn:${local.partition}:lambda:${r}:${local.account_id}:function:${local.prefix}*"]
  mapping_arns       = [for r in local.regions : "arn:${local.partition}:lambda:${r}:${local.account_id}:event-source-mapping:*"]
  table_arns         = [for r in local.regions : "arn:${local.partition}:dynamodb:${r}:${local.account_id}:table/${local.prefix}*"]
  log_group_arns     = [for r in local.regions : "arn:${local.partition}:logs:${r}:${local.account_id}:log-group:/aws/lambda/${local.prefix}*"]
  any_log_group_arns = [for r in local.regions : "arn:${local.partition}:logs:${r}:${local.account_id}:log-group:*"]
  alarm_arns         = [for r in local.regions : "arn:${local.partition}:cloudwatch:${r}:${local.account_id}:alarm:${local.prefix}*"]
  rule_arns          = [for r in local.regions : "arn:${local.partition}:events:${r}:${local.account_id}:rule/${local.prefix}*"]
  topic_arns         = [for r in local.regions : "arn:${local.partition}:sns:${r}:${local.account_id}:${local.prefix}*"]
  role_arns          = ["arn:${local.partition}:iam::${local.account_id}:role/${local.prefix}*"]

  deploy_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${var.deploy_role_name}"
  plan_role_arn   = "arn:${local.partition}:iam::${local.account_id}:role/${var.plan_role_name}"

  # The permissions boundary of every execution role the deploy role creates. Its name sits under
  # policy_name_prefix, so DenyBootstrapIam keeps the deploy role from changing or deleting it.
  boundary_policy_name = "${var.policy_name_prefix}-function-boundary"
  boundary_arn         = "arn:${local.partition}:iam::${local.account_id}:policy/${local.boundary_policy_name}"

  # ---------------------------------------------------------------------------------------------------------
  # Permissions. Read statements are shared: the plan role gets them alone, the deploy role gets them plus
  # the write statements. Only the actions Terraform needs for the resources of the two stacks, on those
  # resources; the smoke test adds s3:PutObject/DeleteObject, dynamodb:Query and lambda:InvokeFunction.
  # ---------------------------------------------------------------------------------------------------------
  state_read_statements = [
    {
      # ListBucket (no key condition): the S3 backend lists workspaces under the bucket's root.
      Sid      = "StateBucketList"
      Effect   = "Allow"
      Action   = ["s3:ListBucket"]
      Resource = [local.state_bucket_arn]
    },
    {
      Sid      = "StateRead"
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = [local.state_objects_arn]
    },
  ]

  state_write_statements = [
    {
      Sid      = "StateWrite"
      Effect   = "Allow"
      Action   = ["s3:PutObject"]
      Resource = [local.state_objects_arn]
    },
    {
      # use_lockfile = true: the lock is <key>.tflock, written and deleted by apply. Plans run with -lock=false
      # (a saved plan is refused at apply if the state moved on), so the plan role, which pull requests of the
      # repository can assume, cannot hold or break the lock of any state.
      Sid      = "StateLockFiles"
      Effect   = "Allow"
      Action   = ["s3:PutObject", "s3:DeleteObject"]
      Resource = [local.state_locks_arn]
    },
  ]

  state_kms_statements = [for key in compact([var.state_kms_key_arn]) : {
    Sid      = "StateKms"
    Effect   = "Allow"
    Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    Resource = [key]
  }]

  stack_read_statements = [
    {
      Sid    = "ReadIngestBuckets"
      Effect = "Allow"
      # ListBucket also authorizes HeadBucket, which the provider uses to find the bucket.
      Action = [
        "s3:ListBucket", "s3:GetBucket*", "s3:GetAccelerateConfiguration", "s3:GetEncryptionConfiguration",
        "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
      ]
      Resource = local.ingest_bucket_arns
    },
    {
      Sid      = "ReadQueues"
      Effect   = "Allow"
      Action   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags", "sqs:ListDeadLetterSourceQueues"]
      Resource = local.queue_arns
    },
    {
      Sid      = "ReadFunctions"
      Effect   = "Allow"
      Action   = ["lambda:Get*", "lambda:List*"]
      Resource = local.function_arns
    },
    {
      # Mapping ARNs carry only a UUID, and AWS evaluates lambda:FunctionArn for Create/Update/Delete only:
      # reading a mapping's configuration and tags cannot be limited to Baton's functions.
      Sid      = "ReadEventSourceMappings"
      Effect   = "Allow"
      Action   = ["lambda:GetEventSourceMapping", "lambda:ListTags"]
      Resource = local.mapping_arns
    },
    {
      # ListEventSourceMappings has no resource type: it only lists, and only mapping configurations.
      Sid      = "ListEventSourceMappings"
      Effect   = "Allow"
      Action   = ["lambda:ListEventSourceMappings"]
      Resource = ["*"]
    },
    {
      Sid      = "ReadTables"
      Effect   = "Allow"
      Action   = ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource"]
      Resource = local.table_arns
    },
    {
      Sid      = "ReadLogGroups"
      Effect   = "Allow"
      Action   = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
      Resource = local.log_group_arns
    },
    {
      Sid      = "DescribeLogGroups"
      Effect   = "Allow"
      Action   = ["logs:DescribeLogGroups"]
      Resource = local.any_log_group_arns
    },
    {
      Sid      = "ReadAlarms"
      Effect   = "Allow"
      Action   = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
      Resource = local.alarm_arns
    },
    {
      Sid      = "ReadRules"
      Effect   = "Allow"
      Action   = ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"]
      Resource = local.rule_arns
    },
    {
      Sid      = "ReadTopics"
      Effect   = "Allow"
      Action   = ["sns:GetTopicAttributes", "sns:ListTagsForResource"]
      Resource = local.topic_arns
    },
    {
      Sid    = "ReadExecutionRoles"
      Effect = "Allow"
      Action = [
        "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
        "iam:ListRoleTags", "iam:ListInstanceProfilesForRole",
      ]
      Resource = local.role_arns
    },
  ]

  stack_write_statements = [
    {
      Sid    = "ManageIngestBuckets"
      Effect = "Allow"
      Action = [
        "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucketVersions",
        "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration", "s3:PutBucketNotification", "s3:PutBucketOwnershipControls",
        "s3:PutBucketPublicAccessBlock", "s3:PutBucketLogging", "s3:PutBucketTagging",
      ]
      Resource = local.ingest_bucket_arns
    },
    {
      # The smoke test uploads and removes one object; DeleteObjectVersion empties a bucket with
      # bucket_force_destroy on.
      Sid      = "IngestObjects"
      Effect   = "Allow"
      Action   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
      Resource = local.ingest_object_arns
    },
    {
      Sid      = "ManageQueues"
      Effect   = "Allow"
      Action   = ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"]
      Resource = local.queue_arns
    },
    {
      Sid    = "ManageFunctions"
      Effect = "Allow"
      Action = [
        "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
        "lambda:AddPermission", "lambda:RemovePermission", "lambda:PutFunctionEventInvokeConfig",
        "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig",
        "lambda:PutFunctionRecursionConfig", "lambda:TagResource", "lambda:UntagResource",
        # The smoke test starts a relay chain instead of waiting for the schedule.
        "lambda:InvokeFunction",
      ]
      Resource = local.function_arns
    },
    {
      # lambda:FunctionArn (the function a mapping invokes) is what AWS evaluates for these three actions; a
      # mapping's own ARN is a UUID that names nothing. Create has no resource type, hence "*": the condition
      # holds all three to mappings of Baton's functions.
      Sid       = "ManageEventSourceMappings"
      Effect    = "Allow"
      Action    = ["lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"]
      Resource  = ["*"]
      Condition = { ArnLike = { "lambda:FunctionArn" = local.function_arns } }
    },
    {
      # Tags on create (the provider's default tags) and later; these actions take no lambda:FunctionArn.
      Sid      = "TagEventSourceMappings"
      Effect   = "Allow"
      Action   = ["lambda:TagResource", "lambda:UntagResource"]
      Resource = local.mapping_arns
    },
    {
      Sid    = "ManageTables"
      Effect = "Allow"
      Action = [
        "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups",
        "dynamodb:UpdateTimeToLive", "dynamodb:TagResource", "dynamodb:UntagResource",
        # The smoke test waits for the result record of its object.
        "dynamodb:Query", "dynamodb:GetItem",
      ]
      Resource = local.table_arns
    },
    {
      Sid    = "ManageLogGroups"
      Effect = "Allow"
      Action = [
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
        "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource",
        "logs:TagLogGroup", "logs:UntagLogGroup",
      ]
      Resource = local.log_group_arns
    },
    {
      Sid      = "ManageAlarms"
      Effect   = "Allow"
      Action   = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"]
      Resource = local.alarm_arns
    },
    {
      Sid    = "ManageRules"
      Effect = "Allow"
      Action = [
        "events:PutRule", "events:DeleteRule", "events:EnableRule", "events:DisableRule", "events:PutTargets",
        "events:RemoveTargets", "events:TagResource", "events:UntagResource",
      ]
      Resource = local.rule_arns
    },
    {
      Sid      = "ManageTopics"
      Effect   = "Allow"
      Action   = ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"]
      Resource = local.topic_arns
    },
  ]

  # In IAM only the functions' execution roles, always under Baton's permissions boundary.
  iam_write_statements = [
    {
      # What creates a role or widens one only while the role has Baton's boundary (for PutRolePermissionsBoundary:
      # sets exactly that boundary, which is how roles created before it get it). Whatever policy the deploy role
      # writes or attaches, the role can do no more than the boundary allows.
      Sid       = "ManageExecutionRolesWithinTheBoundary"
      Effect    = "Allow"
      Action    = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]
      Resource  = local.role_arns
      Condition = { StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn } }
    },
    {
      # The rest of the execution roles' lifecycle: nothing here adds a permission.
      Sid    = "ManageExecutionRoles"
      Effect = "Allow"
      Action = [
        "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
        "iam:UntagRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
      ]
      Resource = local.role_arns
    },
    {
      Sid       = "PassExecutionRolesToLambda"
      Effect    = "Allow"
      Action    = ["iam:PassRole"]
      Resource  = local.role_arns
      Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }
    },
  ]

  stack_kms_read_statements = [for keys in [var.stack_kms_key_arns] : {
    Sid      = "DescribeStackKeys"
    Effect   = "Allow"
    Action   = ["kms:DescribeKey"]
    Resource = keys
  } if length(keys) > 0]

  stack_kms_write_statements = [for keys in [var.stack_kms_key_arns] : {
    # Encrypted function environments, tables and queues are created with the caller's key permissions.
    Sid      = "UseStackKeys"
    Effect   = "Allow"
    Action   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"]
    Resource = keys
    # The keys are regional already; the condition limits their use to the services Baton's stacks encrypt with.
    Condition = { StringLike = { "kms:ViaService" = [for service in ["lambda", "dynamodb", "sqs", "logs", "sns", "s3"] : "${service}.*.amazonaws.com"] } }
  } if length(keys) > 0]

  # ---------------------------------------------------------------------------------------------------------
  # Permissions boundary of the functions' execution roles: the most any of them can do, whatever inline or
  # attached policy the deploy role gives it. Baton's own needs (logs, consuming its queue, reading ingest
  # objects, writing results and idempotency records, invoking itself, X-Ray, the stacks' KMS keys) and what a
  # processor may add on Baton's resources (everything named <prefix>*): object and item reads and writes,
  # sending to queues, publishing to topics, invoking functions. Nothing in IAM, STS or outside the prefix.
  # ---------------------------------------------------------------------------------------------------------

  # Lambda adds lambda:SourceFunctionArn to every call made from a function's execution environment and to the
  # log and trace writes it makes for the function; nothing else carries it. Statements conditioned on it work
  # for Baton's functions only: credentials of the role used anywhere else (say, after its trust policy was
  # widened) get none of them.
  from_baton_functions = { ArnLike = { "lambda:SourceFunctionArn" = local.function_arns } }

  boundary_statements = concat(
    [
      {
        Sid       = "WriteFunctionLogs"
        Effect    = "Allow"
        Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource  = local.log_group_arns
        Condition = local.from_baton_functions
      },
      {
        # Lambda's SQS poller (the FIFO event source mapping) receives with the role but without
        # lambda:SourceFunctionArn: consuming Baton's queues cannot carry that condition.
        Sid      = "ConsumeQueues"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
        Resource = local.queue_arns
      },
      {
        Sid    = "UseBatonResources"
        Effect = "Allow"
        Action = [
          "s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:PutObject",
          "s3:PutObjectTagging", "s3:DeleteObject", "s3:AbortMultipartUpload",
          "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
          "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem", "sqs:SendMessage", "sqs:GetQueueUrl", "sns:Publish", "lambda:InvokeFunction",
        ]
        Resource  = concat(local.ingest_bucket_arns, local.table_arns, local.queue_arns, local.topic_arns, local.function_arns)
        Condition = local.from_baton_functions
      },
      {
        # X-Ray has no resource-level permissions.
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = ["*"]
      },
    ],
    [for keys in [var.stack_kms_key_arns] : {
      # Decrypting the queue, objects and environment; GenerateDataKey for what a processor writes or sends.
      Sid       = "UseStackKeys"
      Effect    = "Allow"
      Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource  = keys
      Condition = { StringLike = { "kms:ViaService" = [for service in ["lambda", "dynamodb", "sqs", "logs", "sns", "s3"] : "${service}.*.amazonaws.com"] } }
    } if length(keys) > 0],
    [for statement in var.boundary_policy_statements : { for key, value in statement : key => value if value != null }],
  )

  # The deploy role must not be able to loosen its own trust or policies, the plan role, the OIDC provider or
  # the state bucket, even if a name were chosen inside resource_name_prefix (the preconditions below forbid that too).
  guard_statements = [
    {
      # The policies include the boundary: no new version, default version or deletion of it.
      Sid    = "DenyBootstrapIam"
      Effect = "Deny"
      Action = ["iam:*"]
      Resource = [
        local.deploy_role_arn, local.plan_role_arn, local.oidc_provider_arn, local.boundary_arn,
        "arn:${local.partition}:iam::${local.account_id}:policy/${var.policy_name_prefix}-*",
      ]
    },
    {
      # Explicit, so that no policy attached to the deploy role later can lift them: no role leaves the boundary
      # or gets another one, and none is created or widened without it (for PutRolePolicy and AttachRolePolicy
      # the key is the role's current boundary, absent on a role without one, which StringNotEquals denies too).
      Sid      = "DenyRemovingTheBoundary"
      Effect   = "Deny"
      Action   = ["iam:DeleteRolePermissionsBoundary"]
      Resource = ["*"]
    },
    {
      Sid       = "DenyRolesOutsideTheBoundary"
      Effect    = "Deny"
      Action    = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"]
      Resource  = ["*"]
      Condition = { StringNotEquals = { "iam:PermissionsBoundary" = local.boundary_arn } }
    },
    {
      Sid    = "DenyStateBucketChanges"
      Effect = "Deny"
      Action = [
        "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucket*", "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration", "s3:PutReplicationConfiguration", "s3:DeleteObjectVersion",
      ]
      Resource = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
    },
  ]

  # Managed policies (each limited to 6144 characters; inline policies share 10240 per role): the read policy
  # for both roles, the write and IAM policies for the deploy role only.
  read_policy = {
    Version = "2012-10-17"
    Statement = concat(
      local.state_read_statements, local.state_kms_statements, local.stack_read_statements,
      local.stack_kms_read_statements,
    )
  }

  write_policy = {
    Version   = "2012-10-17"
    Statement = concat(local.state_write_statements, local.stack_write_statements, local.stack_kms_write_statements)
  }

  # The execution roles and every explicit deny: a policy of its own, so that both fit IAM's size limit.
  iam_policy = {
    Version   = "2012-10-17"
    Statement = concat(local.iam_write_statements, local.guard_statements)
  }

  boundary_policy = {
    Version   = "2012-10-17"
    Statement = local.boundary_statements
  }

  read_policy_name  = "${var.policy_name_prefix}-read"
  write_policy_name = "${var.policy_name_prefix}-deploy"
  iam_policy_name   = "${var.policy_name_prefix}-deploy-iam"
  policy_size_limit = 6144
}

# ---------------------------------------------------------------------------------------------------------------
# GitHub Actions OIDC identity provider (one per account and URL: reuse an existing one by ARN)
# ---------------------------------------------------------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count = var.existing_oidc_provider_arn == null ? 1 : 0

  # No thumbprint_list: IAM validates token.actions.githubusercontent.com against its library of trusted CAs.
  url            = "https://${local.oidc_host}"
  client_id_list = [local.oidc_audience]
}

# ---------------------------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------------------------

resource "aws_iam_role" "deploy" {
  name                 = var.deploy_role_name
  description          = "Applies Baton's Terraform stacks from GitHub Actions (${var.github_owner}/${var.github_repository}, environments ${join(", ", var.environments)})."
  assume_role_policy   = jsonencode(local.deploy_trust_policy)
  max_session_duration = var.max_session_duration

  lifecycle {
    precondition {
      condition     = !startswith(var.deploy_role_name, var.resource_name_prefix) && !startswith(var.plan_role_name, var.resource_name_prefix)
      error_message = "deploy_role_name and plan_role_name must not start with resource_name_prefix: the deploy role manages every role with that prefix and could otherwise rewrite its own permissions."
    }
  }
}

resource "aws_iam_role" "plan" {
  count = var.create_plan_role ? 1 : 0

  name                 = var.plan_role_name
  description          = "Plans Baton's Terraform stacks from GitHub Actions, read-only (${var.github_owner}/${var.github_repository}, pull requests and ${join(", ", var.plan_branches)})."
  assume_role_policy   = jsonencode(local.plan_trust_policy)
  max_session_duration = var.max_session_duration
}

resource "aws_iam_policy" "read" {
  name        = local.read_policy_name
  description = "Read what Baton's stacks create and their remote state; write only the state lock files."
  policy      = jsonencode(local.read_policy)

  lifecycle {
    precondition {
      condition     = length(jsonencode(local.read_policy)) <= local.policy_size_limit
      error_message = "The read policy exceeds the ${local.policy_size_limit} characters IAM allows a managed policy: use fewer deploy_regions or KMS keys."
    }
  }
}

resource "aws_iam_policy" "write" {
  name        = local.write_policy_name
  description = "Create, change and delete what Baton's stacks create, write their remote state, run the smoke test."
  policy      = jsonencode(local.write_policy)

  lifecycle {
    precondition {
      condition     = length(jsonencode(local.write_policy)) <= local.policy_size_limit
      error_message = "The deploy policy exceeds the ${local.policy_size_limit} characters IAM allows a managed policy: use fewer deploy_regions or KMS keys."
    }
  }
}

resource "aws_iam_policy" "iam" {
  name        = local.iam_policy_name
  description = "Manage Baton's function execution roles within their permissions boundary; deny what would loosen the bootstrap or the boundary."
  policy      = jsonencode(local.iam_policy)

  lifecycle {
    precondition {
      condition     = length(jsonencode(local.iam_policy)) <= local.policy_size_limit
      error_message = "The deploy role's IAM policy exceeds the ${local.policy_size_limit} characters IAM allows a managed policy."
    }
  }
}

resource "aws_iam_policy" "function_boundary" {
  name        = local.boundary_policy_name
  description = "Permissions boundary of Baton's function execution roles: the most any of them can do."
  policy      = jsonencode(local.boundary_policy)

  lifecycle {
    precondition {
      condition     = length(jsonencode(local.boundary_policy)) <= local.policy_size_limit
      error_message = "The permissions boundary exceeds the ${local.policy_size_limit} characters IAM allows a managed policy: use fewer deploy_regions, KMS keys or boundary_policy_statements."
    }
    precondition {
      condition     = length(setintersection(["WriteFunctionLogs", "ConsumeQueues", "UseBatonResources", "WriteTraces", "UseStackKeys"], [for s in var.boundary_policy_statements : s.Sid])) == 0
      error_message = "boundary_policy_statements must not reuse the Sids of the boundary's own statements (WriteFunctionLogs, ConsumeQueues, UseBatonResources, WriteTraces, UseStackKeys)."
    }
  }
}

resource "aws_iam_role_policy_attachment" "deploy_read" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_role_policy_attachment" "deploy_write" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.write.arn
}

resource "aws_iam_role_policy_attachment" "deploy_iam" {
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.iam.arn
}

resource "aws_iam_role_policy_attachment" "plan_read" {
  count = var.create_plan_role ? 1 : 0

  role       = aws_iam_role.plan[0].name
  policy_arn = aws_iam_policy.read.arn
}

# ---------------------------------------------------------------------------------------------------------------
# State bucket
# ---------------------------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Server access logging is opt-in through var.state_access_log_bucket; the log bucket is an account-level concern this root does not own.
  #checkov:skip=CKV_AWS_144:Cross-region replication of state is a disaster-recovery decision per account (it needs a second bucket and region); versioning keeps every state revision.
  #checkov:skip=CKV2_AWS_62:Nothing consumes events of the state bucket; notifications would only add noise.
  #checkov:skip=CKV_AWS_145:SSE-KMS with a customer managed key is opt-in through var.state_kms_key_arn; the default is SSE-S3 (AES256), set by aws_s3_bucket_server_side_encryption_configuration.state.
  bucket        = local.state_bucket_name
  force_destroy = var.state_bucket_force_destroy

  lifecycle {
    precondition {
      condition     = !startswith(local.state_bucket_name, var.resource_name_prefix)
      error_message = "The state bucket name must not start with resource_name_prefix: the deploy role manages buckets with that prefix."
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.state_kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.state_kms_key_arn
    }
    bucket_key_enabled = var.state_kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "state-history"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days           = var.state_noncurrent_version_expiration_days
      newer_noncurrent_versions = var.state_noncurrent_versions_kept
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_logging" "state" {
  count = var.state_access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.state.id
  target_bucket = var.state_access_log_bucket
  target_prefix = "${local.state_bucket_name}/"
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
    ]
  })

  # A bucket policy that the public access block would reject must wait for the block.
  depends_on = [aws_s3_bucket_public_access_block.state]
}

# ---------------------------------------------------------------------------------------------------------------
# The deploy workflow promotes from one environment to another: a single one leaves it without a stage.
# ---------------------------------------------------------------------------------------------------------------

check "deploy_workflow_stages" {
  assert {
    condition     = length(var.environments) >= 2
    error_message = "The deploy workflow applies two stages (the first environment, then the last): with one environment, set STAGING_ENVIRONMENT and PRODUCTION_ENVIRONMENT yourself or deploy with make tf-apply."
  }
}
