# Offline tests of the bootstrap root: the AWS provider is mocked, so "apply" only computes values. Policies are
# built with jsonencode (not aws_iam_policy_document, whose JSON a mock would invent) so they can be read back.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/bootstrap"
      user_id    = "AIDABOOTSTRAP"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition          = "aws"
      dns_suffix         = "amazonaws.com"
      reverse_dns_prefix = "com.amazonaws"
    }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock" }
  }
}

override_resource {
  target = aws_iam_policy.read
  values = { arn = "arn:aws:iam::123456789012:policy/github-baton-read" }
}

override_resource {
  target = aws_iam_policy.write
  values = { arn = "arn:aws:iam::123456789012:policy/github-baton-deploy" }
}

override_resource {
  target = aws_iam_policy.iam
  values = { arn = "arn:aws:iam::123456789012:policy/github-baton-deploy-iam" }
}

override_resource {
  target = aws_iam_policy.function_boundary
  values = { arn = "arn:aws:iam::123456789012:policy/github-baton-function-boundary" }
}

variables {
  github_owner      = "octo-org"
  github_repository = "baton"
}

# ---------------------------------------------------------------------------------------------------------------
# Trust policies
# ---------------------------------------------------------------------------------------------------------------

run "legacy_subjects_limit_the_deploy_role_to_the_environments" {
  command = apply

  assert {
    condition = jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == [
      "repo:octo-org/baton:environment:staging",
      "repo:octo-org/baton:environment:production",
    ]
    error_message = "The deploy role must trust exactly repo:OWNER/REPO:environment:ENV for each environment."
  }

  assert {
    condition     = jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    error_message = "The deploy role must require aud = sts.amazonaws.com."
  }

  assert {
    condition     = length(jsondecode(aws_iam_role.deploy.assume_role_policy).Statement) == 1 && jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Action == "sts:AssumeRoleWithWebIdentity"
    error_message = "The deploy role must be assumable only through AssumeRoleWithWebIdentity."
  }

  assert {
    condition     = jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Principal.Federated == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    error_message = "The deploy role must trust the GitHub OIDC provider created by this root."
  }

  assert {
    condition     = !can(jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Condition.StringLike)
    error_message = "Subjects are matched exactly (StringEquals), never with wildcards."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The OIDC provider must be token.actions.githubusercontent.com with the audience sts.amazonaws.com."
  }

  assert {
    condition     = output.deploy_role_subjects == ["repo:octo-org/baton:environment:staging", "repo:octo-org/baton:environment:production"]
    error_message = "deploy_role_subjects must list the trusted subjects."
  }
}

run "legacy_subjects_let_the_plan_role_plan_pull_requests_and_main" {
  command = apply

  assert {
    condition = jsondecode(aws_iam_role.plan[0].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == [
      "repo:octo-org/baton:pull_request",
      "repo:octo-org/baton:ref:refs/heads/main",
    ]
    error_message = "The plan role must trust the pull_request subject and the main branch, nothing else."
  }

  assert {
    condition     = jsondecode(aws_iam_role.plan[0].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    error_message = "The plan role must require aud = sts.amazonaws.com."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role.plan[0].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] : s if strcontains(s, ":environment:")]) == 0
    error_message = "The plan role must not be assumable from the deployment environments."
  }
}

run "immutable_subjects_embed_the_owner_and_repository_ids" {
  command = apply

  variables {
    subject_claim_format = "immutable"
    github_owner_id      = 123456
    github_repository_id = 456789
  }

  assert {
    condition = jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == [
      "repo:octo-org-123456/baton-456789:environment:staging",
      "repo:octo-org-123456/baton-456789:environment:production",
    ]
    error_message = "The immutable format is repo:OWNER-OWNERID/REPO-REPOID:environment:ENV."
  }

  assert {
    condition = jsondecode(aws_iam_role.plan[0].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == [
      "repo:octo-org-123456/baton-456789:pull_request",
      "repo:octo-org-123456/baton-456789:ref:refs/heads/main",
    ]
    error_message = "The plan role must use the immutable format too."
  }
}

run "both_formats_during_a_migration" {
  command = apply

  variables {
    subject_claim_format = "both"
    github_owner_id      = 123456
    github_repository_id = 456789
    environments         = ["production"]
    plan_branches        = ["main", "release/2.x"]
  }

  # One environment: the deploy workflow has no two stages (a warning, not an error).
  expect_failures = [check.deploy_workflow_stages]

  assert {
    condition = jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == [
      "repo:octo-org/baton:environment:production",
      "repo:octo-org-123456/baton-456789:environment:production",
    ]
    error_message = "\"both\" must trust the legacy and the immutable subject of each environment."
  }

  assert {
    condition = toset(jsondecode(aws_iam_role.plan[0].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]) == toset([
      "repo:octo-org/baton:pull_request",
      "repo:octo-org/baton:ref:refs/heads/main",
      "repo:octo-org/baton:ref:refs/heads/release/2.x",
      "repo:octo-org-123456/baton-456789:pull_request",
      "repo:octo-org-123456/baton-456789:ref:refs/heads/main",
      "repo:octo-org-123456/baton-456789:ref:refs/heads/release/2.x",
    ])
    error_message = "\"both\" must trust both formats of every plan subject."
  }
}

run "an_existing_oidc_provider_is_reused" {
  command = apply

  variables {
    existing_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0
    error_message = "No second provider may be created when one is given."
  }

  assert {
    condition     = jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Principal.Federated == var.existing_oidc_provider_arn && output.oidc_provider_arn == var.existing_oidc_provider_arn
    error_message = "The roles must trust the given provider."
  }
}

run "the_plan_role_is_optional" {
  command = apply

  variables {
    create_plan_role = false
  }

  assert {
    condition     = length(aws_iam_role.plan) == 0 && length(aws_iam_role_policy_attachment.plan_read) == 0 && output.plan_role_arn == null
    error_message = "create_plan_role = false must not create the plan role."
  }

  assert {
    condition     = !contains(keys(output.github_variables), "AWS_PLAN_ROLE_ARN")
    error_message = "Without a plan role there is no AWS_PLAN_ROLE_ARN to set."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------------------------------------------

run "the_deploy_role_reaches_only_the_state_prefix_and_prefixed_resources" {
  command = apply

  assert {
    condition     = one([for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s if s.Sid == "StateWrite"]).Resource == ["arn:aws:s3:::tfstate-baton-123456789012-us-east-1/baton/*"]
    error_message = "State writes must be limited to the state key prefix."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_policy.write.policy).Statement : s if s.Sid == "StateLockFiles"]) == {
      Sid      = "StateLockFiles"
      Effect   = "Allow"
      Action   = ["s3:PutObject", "s3:DeleteObject"]
      Resource = ["arn:aws:s3:::tfstate-baton-123456789012-us-east-1/baton/*.tflock"]
    }
    error_message = "Deleting objects in the state bucket must be limited to the .tflock lock files, written by the deploy role."
  }

  assert {
    condition = alltrue(flatten([
      for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : [
        for a in s.Action : !contains(["*", "iam:*", "s3:*", "sts:*", "lambda:*", "kms:*"], a)
      ] if s.Effect == "Allow"
    ]))
    error_message = "No Allow statement may grant a whole service."
  }

  assert {
    condition = alltrue(flatten([
      for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : [
        for r in s.Resource : r == "arn:aws:iam::123456789012:role/baton-*"
      ] if s.Effect == "Allow" && anytrue([for a in s.Action : startswith(a, "iam:")])
    ]))
    error_message = "IAM permissions must be limited to the execution roles of the stacks (role/baton-*)."
  }

  assert {
    condition     = one([for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s if s.Sid == "PassExecutionRolesToLambda"]).Condition.StringEquals["iam:PassedToService"] == "lambda.amazonaws.com"
    error_message = "iam:PassRole must be limited to Lambda."
  }

  assert {
    condition = alltrue([
      for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) :
      s.Effect == "Deny" || !contains(s.Resource, "*") || contains(["ListEventSourceMappings", "ManageEventSourceMappings"], s.Sid)
    ])
    error_message = "Only the event source mapping actions (listing, and writes held by lambda:FunctionArn) may use Resource \"*\"."
  }

  assert {
    condition = one([for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s if s.Sid == "DenyBootstrapIam"]).Resource == [
      "arn:aws:iam::123456789012:role/github-baton-deploy",
      "arn:aws:iam::123456789012:role/github-baton-plan",
      "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
      "arn:aws:iam::123456789012:policy/github-baton-function-boundary",
      "arn:aws:iam::123456789012:policy/github-baton-*",
    ]
    error_message = "The deploy role must be denied every IAM action on the bootstrap roles, policies (the boundary among them) and OIDC provider."
  }

  assert {
    condition     = contains(one([for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s if s.Sid == "DenyStateBucketChanges"]).Action, "s3:PutBucket*")
    error_message = "The deploy role must be denied changes to the state bucket's configuration."
  }

  assert {
    condition     = length([for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s if startswith(s.Sid, "StateKms") || strcontains(s.Sid, "StackKeys")]) == 0
    error_message = "Without KMS keys there is no KMS permission."
  }
}

run "the_deploy_role_gets_both_policies_and_the_plan_role_only_the_read_policy" {
  command = apply

  assert {
    condition = (
      aws_iam_role_policy_attachment.deploy_read.policy_arn == "arn:aws:iam::123456789012:policy/github-baton-read" &&
      aws_iam_role_policy_attachment.deploy_write.policy_arn == "arn:aws:iam::123456789012:policy/github-baton-deploy" &&
      aws_iam_role_policy_attachment.deploy_read.role == "github-baton-deploy" &&
      aws_iam_role_policy_attachment.deploy_write.role == "github-baton-deploy"
    )
    error_message = "The deploy role must get the read and the deploy policy."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.deploy_iam.role == "github-baton-deploy" && aws_iam_role_policy_attachment.deploy_iam.policy_arn == "arn:aws:iam::123456789012:policy/github-baton-deploy-iam"
    error_message = "The deploy role must get the IAM policy (execution roles within the boundary, and the denies)."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.plan_read) == 1 && aws_iam_role_policy_attachment.plan_read[0].role == "github-baton-plan" && aws_iam_role_policy_attachment.plan_read[0].policy_arn == "arn:aws:iam::123456789012:policy/github-baton-read"
    error_message = "The plan role must get the read policy, and nothing else."
  }

  assert {
    condition     = alltrue([for policy in [aws_iam_policy.read, aws_iam_policy.write, aws_iam_policy.iam, aws_iam_policy.function_boundary] : length(jsonencode(jsondecode(policy.policy))) <= 6144])
    error_message = "Each managed policy must fit IAM's 6144 characters."
  }
}

run "the_plan_role_is_read_only" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_policy.read.policy).Statement : [
        for a in s.Action : can(regex("^[a-z0-9]+:(Get|List|Describe)", a))
      ]
    ]))
    error_message = "The plan role may only read (Get/List/Describe): plans run with -lock=false, so it writes no lock file either."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_policy.read.policy).Statement : s if s.Sid == "StateLockFiles" || anytrue([for a in s.Action : contains(["s3:PutObject", "s3:DeleteObject"], a)])]) == 0
    error_message = "Pull requests can assume the plan role: it must not write or delete the lock file of any state."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_policy.read.policy).Statement : s if s.Sid == "StateWrite"]) == 0
    error_message = "The plan role must not write state."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_policy.read.policy).Statement : s.Effect == "Allow" && !can(s.NotAction)])
    error_message = "The plan policy uses plain Allow statements only."
  }
}

run "event_source_mappings_are_managed_only_for_baton_functions" {
  command = apply

  assert {
    condition = one([for s in jsondecode(aws_iam_policy.write.policy).Statement : s if s.Sid == "ManageEventSourceMappings"]) == {
      Sid       = "ManageEventSourceMappings"
      Effect    = "Allow"
      Action    = ["lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"]
      Resource  = ["*"]
      Condition = { ArnLike = { "lambda:FunctionArn" = ["arn:aws:lambda:us-east-1:123456789012:function:baton-*"] } }
    }
    error_message = "Creating, updating and deleting event source mappings must be conditioned on the function ARN (lambda:FunctionArn) of Baton's functions."
  }

  assert {
    condition = length([
      for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s
      if s.Effect == "Allow" && s.Sid != "ManageEventSourceMappings" && length(setintersection(s.Action, ["lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping", "lambda:*EventSourceMapping"])) > 0
    ]) == 0
    error_message = "No other statement may change event source mappings without the function condition."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_policy.write.policy).Statement : s if s.Sid == "TagEventSourceMappings"]).Action == ["lambda:TagResource", "lambda:UntagResource"]
    error_message = "Tagging mappings (the provider's default tags on create) is the only mapping write without the function condition."
  }
}

run "function_roles_are_created_and_widened_only_within_the_boundary" {
  command = apply

  assert {
    condition     = aws_iam_policy.function_boundary.name == "github-baton-function-boundary"
    error_message = "The bootstrap must create the boundary policy, named after policy_name_prefix."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_policy.iam.policy).Statement : s if s.Sid == "ManageExecutionRolesWithinTheBoundary"]) == {
      Sid       = "ManageExecutionRolesWithinTheBoundary"
      Effect    = "Allow"
      Action    = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]
      Resource  = ["arn:aws:iam::123456789012:role/baton-*"]
      Condition = { StringEquals = { "iam:PermissionsBoundary" = "arn:aws:iam::123456789012:policy/github-baton-function-boundary" } }
    }
    error_message = "CreateRole, PutRolePolicy, AttachRolePolicy and PutRolePermissionsBoundary must require the boundary (iam:PermissionsBoundary)."
  }

  assert {
    condition = length([
      for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s
      if s.Effect == "Allow" && s.Sid != "ManageExecutionRolesWithinTheBoundary" && length(setintersection(s.Action, [
        "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:*",
      ])) > 0
    ]) == 0
    error_message = "No other statement may create or widen a role, remove a boundary, or create or change a managed policy."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_policy.iam.policy).Statement : s if s.Sid == "DenyRemovingTheBoundary"]) == {
      Sid      = "DenyRemovingTheBoundary"
      Effect   = "Deny"
      Action   = ["iam:DeleteRolePermissionsBoundary"]
      Resource = ["*"]
    }
    error_message = "Removing a role's boundary must be denied explicitly."
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_policy.iam.policy).Statement : s if s.Sid == "DenyRolesOutsideTheBoundary"]) == {
      Sid       = "DenyRolesOutsideTheBoundary"
      Effect    = "Deny"
      Action    = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"]
      Resource  = ["*"]
      Condition = { StringNotEquals = { "iam:PermissionsBoundary" = "arn:aws:iam::123456789012:policy/github-baton-function-boundary" } }
    }
    error_message = "Creating a role, setting another boundary, or widening a role without the boundary must be denied explicitly."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_policy.iam.policy).Statement :
      s.Effect == "Deny" && s.Action == ["iam:*"] && contains(s.Resource, "arn:aws:iam::123456789012:policy/github-baton-function-boundary")
    ])
    error_message = "The deploy role must be denied every IAM action on the boundary policy (CreatePolicyVersion, SetDefaultPolicyVersion, DeletePolicy...)."
  }

  assert {
    condition     = output.role_permissions_boundary == "arn:aws:iam::123456789012:policy/github-baton-function-boundary" && output.github_variables.ROLE_PERMISSIONS_BOUNDARY == output.role_permissions_boundary
    error_message = "The boundary's ARN must be output for the workflow variables (ROLE_PERMISSIONS_BOUNDARY)."
  }
}

run "the_boundary_covers_what_baton_functions_need_and_nothing_outside_the_prefix" {
  command = apply

  assert {
    # What terraform/modules/consumer-function grants the execution role, with every option on.
    condition = length(setsubtract([
      "logs:CreateLogStream", "logs:PutLogEvents", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes", "s3:GetObject", "s3:GetObjectVersion", "dynamodb:PutItem", "dynamodb:GetItem",
      "dynamodb:UpdateItem", "dynamodb:DeleteItem", "lambda:InvokeFunction", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
    ], flatten([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s.Action]))) == 0
    error_message = "The boundary must allow every action Baton's execution roles are granted."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : [
        for r in s.Resource : can(regex("^arn:aws:(s3:::|sqs:us-east-1:123456789012:|dynamodb:us-east-1:123456789012:table/|sns:us-east-1:123456789012:|lambda:us-east-1:123456789012:function:|logs:us-east-1:123456789012:log-group:/aws/lambda/)baton-\\*$", r))
      ] if s.Sid != "WriteTraces"
    ]))
    error_message = "Every boundary statement but X-Ray's (which has no resource-level permissions) must be limited to Baton's resource prefix."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s if s.Sid == "WriteTraces"]).Action == ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    error_message = "Only X-Ray actions may use Resource \"*\" in the boundary."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : [
        for a in s.Action : !can(regex("^(iam|sts|kms):|\\*", a))
      ]
    ]))
    error_message = "Without stack keys the boundary allows no IAM, STS or KMS action, and no wildcard action."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement :
      s.Condition.ArnLike["lambda:SourceFunctionArn"] == ["arn:aws:lambda:us-east-1:123456789012:function:baton-*"]
      if contains(["WriteFunctionLogs", "UseBatonResources"], s.Sid)
    ])
    error_message = "Logs and data access must be conditioned on calls from Baton's functions (lambda:SourceFunctionArn)."
  }

  assert {
    condition     = !can(one([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s if s.Sid == "ConsumeQueues"]).Condition)
    error_message = "Consuming Baton's queues cannot carry lambda:SourceFunctionArn: Lambda's SQS poller receives without it."
  }

  assert {
    condition     = contains(one([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s if s.Sid == "UseBatonResources"]).Action, "s3:PutObject") && contains(one([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s if s.Sid == "UseBatonResources"]).Action, "sqs:SendMessage")
    error_message = "A processor may write objects and send messages within the prefix."
  }
}

run "boundary_policy_statements_widen_the_boundary" {
  command = apply

  variables {
    stack_kms_key_arns = ["arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
    boundary_policy_statements = [
      { Sid = "ReadReferenceData", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::reference-data/*"] },
      { Sid = "PutMetrics", Action = ["cloudwatch:PutMetricData"], Resource = ["*"], Condition = { StringEquals = { "cloudwatch:namespace" = ["Baton"] } } },
    ]
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s if s.Sid == "ReadReferenceData"]) == {
      Sid      = "ReadReferenceData"
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["arn:aws:s3:::reference-data/*"]
    }
    error_message = "An extra statement must be added as given, without a null Condition."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s if s.Sid == "PutMetrics"]).Condition.StringEquals["cloudwatch:namespace"] == ["Baton"]
    error_message = "An extra statement keeps its condition."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s if s.Sid == "UseStackKeys"]).Action == ["kms:Decrypt", "kms:GenerateDataKey"] && one([for s in jsondecode(aws_iam_policy.function_boundary.policy).Statement : s if s.Sid == "UseStackKeys"]).Resource == ["arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
    error_message = "With stack keys the boundary lets the functions decrypt and encrypt with them."
  }
}

run "three_regions_and_keys_fit_every_policy" {
  command = plan

  variables {
    deploy_regions     = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    stack_kms_key_arns = ["arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555", "arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000"]
    state_kms_key_arn  = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"
  }

  assert {
    condition     = alltrue([for policy in [aws_iam_policy.read, aws_iam_policy.write, aws_iam_policy.iam, aws_iam_policy.function_boundary] : length(policy.policy) <= 6144])
    error_message = "Three deploy regions with KMS keys must fit IAM's 6144 characters in every managed policy."
  }
}

run "deploy_regions_and_kms_keys_extend_the_scope" {
  command = apply

  variables {
    deploy_regions     = ["eu-west-1", "eu-central-1"]
    stack_kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
    state_kms_key_arn  = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"
  }

  assert {
    condition = one([for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s if s.Sid == "ManageQueues"]).Resource == [
      "arn:aws:sqs:eu-west-1:123456789012:baton-*",
      "arn:aws:sqs:eu-central-1:123456789012:baton-*",
    ]
    error_message = "Regional permissions must cover every deploy region."
  }

  assert {
    condition     = one([for s in concat(jsondecode(aws_iam_policy.read.policy).Statement, jsondecode(aws_iam_policy.write.policy).Statement, jsondecode(aws_iam_policy.iam.policy).Statement) : s if s.Sid == "UseStackKeys"]).Resource == [var.stack_kms_key_arns[0]]
    error_message = "The deploy role must be able to use the stacks' KMS keys."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_policy.read.policy).Statement : s if s.Sid == "StateKms"]).Resource == [var.state_kms_key_arn]
    error_message = "Both roles need the state key to read and lock state."
  }

  assert {
    condition = (
      tolist(aws_s3_bucket_server_side_encryption_configuration.state.rule)[0].apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" &&
      tolist(aws_s3_bucket_server_side_encryption_configuration.state.rule)[0].apply_server_side_encryption_by_default[0].kms_master_key_id == var.state_kms_key_arn
    )
    error_message = "state_kms_key_arn must switch the state bucket to SSE-KMS."
  }

  assert {
    condition     = tolist(aws_s3_bucket_server_side_encryption_configuration.state.rule)[0].bucket_key_enabled
    error_message = "SSE-KMS must use an S3 bucket key."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# State bucket
# ---------------------------------------------------------------------------------------------------------------

run "the_state_bucket_is_hardened" {
  command = apply

  assert {
    condition     = aws_s3_bucket.state.bucket == "tfstate-baton-123456789012-us-east-1" && !aws_s3_bucket.state.force_destroy
    error_message = "The state bucket is named after account and region and is not force-destroyed."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "The state bucket must be versioned."
  }

  assert {
    condition     = tolist(aws_s3_bucket_server_side_encryption_configuration.state.rule)[0].apply_server_side_encryption_by_default[0].sse_algorithm == "AES256"
    error_message = "The state bucket must be encrypted (SSE-S3 by default)."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.state.block_public_acls &&
      aws_s3_bucket_public_access_block.state.block_public_policy &&
      aws_s3_bucket_public_access_block.state.ignore_public_acls &&
      aws_s3_bucket_public_access_block.state.restrict_public_buckets
    )
    error_message = "All public access must be blocked."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.state.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition = one([for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s if s.Sid == "DenyInsecureTransport"]) == {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::tfstate-baton-123456789012-us-east-1", "arn:aws:s3:::tfstate-baton-123456789012-us-east-1/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
    error_message = "The bucket policy must deny every request without TLS."
  }

  assert {
    condition     = one([for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s if s.Sid == "DenyOutdatedTls"]).Condition.NumericLessThan["s3:TlsVersion"] == "1.2"
    error_message = "The bucket policy must deny TLS older than 1.2."
  }

  assert {
    condition = (
      aws_s3_bucket_lifecycle_configuration.state.rule[0].noncurrent_version_expiration[0].noncurrent_days == 90 &&
      aws_s3_bucket_lifecycle_configuration.state.rule[0].noncurrent_version_expiration[0].newer_noncurrent_versions == 10
    )
    error_message = "Old state versions expire only after 90 days, and the newest 10 are kept."
  }

  assert {
    condition     = length(aws_s3_bucket_logging.state) == 0
    error_message = "Access logging is off unless a log bucket is given."
  }

  assert {
    condition = output.backend_configs["relay/staging"] == {
      bucket       = "tfstate-baton-123456789012-us-east-1"
      key          = "baton/relay/staging.tfstate"
      region       = "us-east-1"
      encrypt      = true
      use_lockfile = true
    }
    error_message = "backend_configs must give the per-environment S3 backend settings with use_lockfile."
  }

  assert {
    condition = output.github_variables == {
      AWS_REGION                = "us-east-1"
      AWS_DEPLOY_ROLE_ARN       = "arn:aws:iam::123456789012:role/mock"
      AWS_PLAN_ROLE_ARN         = "arn:aws:iam::123456789012:role/mock"
      TF_STATE_BUCKET           = "tfstate-baton-123456789012-us-east-1"
      TF_STATE_KEY_PREFIX       = "baton/"
      ROLE_PERMISSIONS_BOUNDARY = "arn:aws:iam::123456789012:policy/github-baton-function-boundary"
      STAGING_ENVIRONMENT       = "staging"
      PRODUCTION_ENVIRONMENT    = "production"
    }
    error_message = "github_variables must give the values the deploy workflow reads, its two stages among them."
  }
}

run "access_logging_when_a_log_bucket_is_given" {
  command = plan

  variables {
    state_access_log_bucket = "central-access-logs"
  }

  assert {
    condition     = aws_s3_bucket_logging.state[0].target_bucket == "central-access-logs"
    error_message = "state_access_log_bucket must turn on server access logging."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------

run "rejects_an_unknown_claim_format" {
  command = plan

  variables {
    subject_claim_format = "modern"
  }

  expect_failures = [var.subject_claim_format]
}

run "rejects_the_immutable_format_without_ids" {
  command = plan

  variables {
    subject_claim_format = "immutable"
    github_owner_id      = 123456
  }

  expect_failures = [var.subject_claim_format]
}

run "rejects_both_formats_without_ids" {
  command = plan

  variables {
    subject_claim_format = "both"
  }

  expect_failures = [var.subject_claim_format]
}

run "rejects_a_fractional_repository_id" {
  command = plan

  variables {
    github_repository_id = 1.5
  }

  expect_failures = [var.github_repository_id]
}

run "rejects_an_owner_that_is_not_a_github_name" {
  command = plan

  variables {
    github_owner = "-octo-org"
  }

  expect_failures = [var.github_owner]
}

run "rejects_a_repository_given_with_its_owner" {
  command = plan

  variables {
    github_repository = "octo-org/baton"
  }

  expect_failures = [var.github_repository]
}

run "rejects_no_environment" {
  command = plan

  variables {
    environments = []
  }

  expect_failures = [var.environments]
}

run "rejects_a_wildcard_environment" {
  command = plan

  variables {
    environments = ["prod*"]
  }

  expect_failures = [var.environments]
}

run "rejects_a_branch_given_as_a_ref" {
  command = plan

  variables {
    plan_branches = ["refs/heads/main"]
  }

  expect_failures = [var.plan_branches]
}

run "rejects_a_provider_arn_for_another_issuer" {
  command = plan

  variables {
    existing_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/example.com"
  }

  expect_failures = [var.existing_oidc_provider_arn]
}

run "rejects_a_deploy_role_inside_the_resource_prefix" {
  command = plan

  variables {
    deploy_role_name = "baton-deployer"
  }

  expect_failures = [aws_iam_role.deploy]
}

run "rejects_a_state_bucket_inside_the_resource_prefix" {
  command = plan

  variables {
    state_bucket_name = "baton-terraform-state"
  }

  expect_failures = [aws_s3_bucket.state]
}

run "rejects_more_regions_than_a_policy_can_hold" {
  command = plan

  variables {
    deploy_regions = [
      "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
      "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2",
    ]
  }

  expect_failures = [aws_iam_policy.read, aws_iam_policy.write, aws_iam_policy.function_boundary]
}

run "rejects_iam_actions_in_the_boundary" {
  command = plan

  variables {
    boundary_policy_statements = [{ Sid = "PassRoles", Action = ["iam:PassRole"], Resource = ["*"] }]
  }

  expect_failures = [var.boundary_policy_statements]
}

run "rejects_a_wildcard_service_in_the_boundary" {
  command = plan

  variables {
    boundary_policy_statements = [{ Sid = "Everything", Action = ["*"], Resource = ["arn:aws:s3:::baton-*"] }]
  }

  expect_failures = [var.boundary_policy_statements]
}

run "rejects_a_boundary_statement_that_reuses_a_sid" {
  command = plan

  variables {
    boundary_policy_statements = [{ Sid = "ConsumeQueues", Action = ["sqs:SendMessage"], Resource = ["arn:aws:sqs:us-east-1:123456789012:other"] }]
  }

  expect_failures = [aws_iam_policy.function_boundary]
}

run "the_workflow_stages_are_the_first_and_the_last_environment" {
  command = apply

  variables {
    environments = ["qa", "staging", "prod"]
  }

  assert {
    condition     = output.github_variables.STAGING_ENVIRONMENT == "qa" && output.github_variables.PRODUCTION_ENVIRONMENT == "prod"
    error_message = "The deploy workflow promotes from the first environment to the last."
  }
}

run "one_environment_leaves_the_workflow_stages_unset" {
  command = apply

  variables {
    environments = ["production"]
  }

  assert {
    condition     = !contains(keys(output.github_variables), "STAGING_ENVIRONMENT") && !contains(keys(output.github_variables), "PRODUCTION_ENVIRONMENT")
    error_message = "With one environment there are no two stages to output."
  }

  expect_failures = [check.deploy_workflow_stages]
}
