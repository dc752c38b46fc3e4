output "aws_region" {
  description = "Region of the state bucket (the AWS_REGION repository variable)."
  value       = var.aws_region
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC identity provider (created here or reused)."
  value       = local.oidc_provider_arn
}

output "deploy_role_arn" {
  description = "ARN of the deploy role (the AWS_DEPLOY_ROLE_ARN variable): assumed by the apply job under a GitHub environment."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "ARN of the read-only plan role (the AWS_PLAN_ROLE_ARN variable), or null when create_plan_role is false."
  value       = var.create_plan_role ? aws_iam_role.plan[0].arn : null
}

output "deploy_role_subjects" {
  description = "OIDC sub claims the deploy role trusts (one per environment and claim format)."
  value       = local.deploy_subjects
}

output "plan_role_subjects" {
  description = "OIDC sub claims the plan role trusts (empty when create_plan_role is false)."
  value       = var.create_plan_role ? local.plan_subjects : []
}

output "role_permissions_boundary" {
  description = "ARN of the permissions boundary every function execution role must carry (the ROLE_PERMISSIONS_BOUNDARY variable; the stacks' role_permissions_boundary): the deploy role creates and widens roles only with it."
  value       = aws_iam_policy.function_boundary.arn
}

output "state_bucket_name" {
  description = "Name of the Terraform state bucket (the TF_STATE_BUCKET variable)."
  value       = aws_s3_bucket.state.bucket
}

output "state_bucket_arn" {
  description = "ARN of the Terraform state bucket."
  value       = aws_s3_bucket.state.arn
}

output "state_key_prefix" {
  description = "Key prefix of the stacks' state files (the TF_STATE_KEY_PREFIX variable)."
  value       = var.state_key_prefix
}

output "backend_configs" {
  description = "S3 backend settings per stack and environment (\"<stack>/<environment>\"), as the deploy workflow derives them; write one to terraform/stacks/<stack>/environments/<environment>.s3.tfbackend to pin it in the repository."
  value = {
    for pair in setproduct(["relay", "fifo"], var.environments) : "${pair[0]}/${pair[1]}" => {
      bucket       = aws_s3_bucket.state.bucket
      key          = "${var.state_key_prefix}${pair[0]}/${pair[1]}.tfstate"
      region       = var.aws_region
      encrypt      = true
      use_lockfile = true
    }
  }
}

output "github_variables" {
  description = "Repository variables the deploy workflow reads (Settings > Secrets and variables > Actions > Variables). None of them is secret."
  value = merge(
    {
      AWS_REGION          = var.aws_region
      AWS_DEPLOY_ROLE_ARN = aws_iam_role.deploy.arn
      TF_STATE_BUCKET     = aws_s3_bucket.state.bucket
      TF_STATE_KEY_PREFIX = var.state_key_prefix
      # The deploy workflow passes it to both stacks as -var role_permissions_boundary=...
      ROLE_PERMISSIONS_BOUNDARY = aws_iam_policy.function_boundary.arn
    },
    var.create_plan_role ? { AWS_PLAN_ROLE_ARN = aws_iam_role.plan[0].arn } : {},
    # The workflow's two stages: the first environment, then (after its applies and smoke tests) the last.
    length(var.environments) >= 2 ? {
      STAGING_ENVIRONMENT    = var.environments[0]
      PRODUCTION_ENVIRONMENT = var.environments[length(var.environments) - 1]
    } : {},
  )
}
