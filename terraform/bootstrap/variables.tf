# ---------------------------------------------------------------------------------------------------------------
# Account and region
# ---------------------------------------------------------------------------------------------------------------

variable "aws_region" {
  description = "Region of the state bucket, and the default (only) region the deploy role may deploy Baton to."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$", var.aws_region))
    error_message = "aws_region must be a region code such as us-east-1 or eu-central-1."
  }
}

variable "deploy_regions" {
  description = "Regions the deploy and plan roles may manage Baton stacks in. Empty: aws_region only. Up to three regions fit IAM's size limit of a managed policy (the plan fails with a clear message beyond)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for r in var.deploy_regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$", r))])
    error_message = "deploy_regions must contain region codes such as us-east-1."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of Project and Component)."
  type        = map(string)
  default     = {}
  nullable    = false
}

# ---------------------------------------------------------------------------------------------------------------
# GitHub repository and OIDC subject claims
# ---------------------------------------------------------------------------------------------------------------

variable "github_owner" {
  description = "Owner (organization or user) of the repository that deploys Baton, exactly as GitHub spells it: IAM compares the sub claim case-sensitively."
  type        = string

  validation {
    condition     = length(var.github_owner) <= 39 && can(regex("^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9])*$", var.github_owner))
    error_message = "github_owner must be a GitHub account name: 1-39 letters, digits and single hyphens, not starting or ending with a hyphen."
  }
}

variable "github_repository" {
  description = "Name of the repository that deploys Baton (without the owner), exactly as GitHub spells it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_repository)) && !contains([".", ".."], var.github_repository)
    error_message = "github_repository must be a repository name: 1-100 letters, digits, '.', '_' and '-' (not '.' or '..'), without the owner."
  }
}

variable "github_owner_id" {
  description = "Numeric id of the repository owner (GET /users/<owner> or /orgs/<owner>, field id). Needed by the immutable subject claim format."
  type        = number
  default     = null

  validation {
    condition     = var.github_owner_id == null || try(var.github_owner_id >= 1 && floor(var.github_owner_id) == var.github_owner_id, false)
    error_message = "github_owner_id must be a positive whole number (the owner's numeric GitHub id), or null."
  }
}

variable "github_repository_id" {
  description = "Numeric id of the repository (GET /repos/<owner>/<repo>, field id). Needed by the immutable subject claim format."
  type        = number
  default     = null

  validation {
    condition     = var.github_repository_id == null || try(var.github_repository_id >= 1 && floor(var.github_repository_id) == var.github_repository_id, false)
    error_message = "github_repository_id must be a positive whole number (the repository's numeric GitHub id), or null."
  }
}

variable "subject_claim_format" {
  description = <<-EOT
    Format of the OIDC sub claim the trust policies accept:
    "legacy"    repo:OWNER/REPO:...                              (repositories that use the name-only format)
    "immutable" repo:OWNER-OWNERID/REPO-REPOID:...               (repositories created or renamed after GitHub's
                                                                  2026 switch, or opted in; needs both ids)
    "both"      either of the two, for the time of a migration   (needs both ids)
  EOT
  type        = string
  default     = "legacy"

  validation {
    condition     = contains(["legacy", "immutable", "both"], var.subject_claim_format)
    error_message = "subject_claim_format must be \"legacy\", \"immutable\" or \"both\"."
  }

  validation {
    condition     = var.subject_claim_format == "legacy" || (var.github_owner_id != null && var.github_repository_id != null)
    error_message = "subject_claim_format \"immutable\" and \"both\" need github_owner_id and github_repository_id: the immutable sub claim embeds them (repo:OWNER-OWNERID/REPO-REPOID:...)."
  }
}

variable "environments" {
  description = "GitHub environments the deploy role trusts (the sub claim of a job that runs under environment: <name>), in deploy order: the deploy workflow applies the first (staging) and, after its smoke tests passed, the last (production). Protection rules and required reviewers are set on these environments in GitHub."
  type        = list(string)
  default     = ["staging", "production"]
  nullable    = false

  validation {
    condition     = length(var.environments) >= 1 && length(distinct(var.environments)) == length(var.environments)
    error_message = "environments must list at least one GitHub environment, each once."
  }

  validation {
    condition     = alltrue([for e in var.environments : can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", e))])
    error_message = "Each environment name must be 1-255 letters, digits, '.', '_' or '-', starting with a letter or digit (no wildcards: the trust policy matches names exactly)."
  }
}

variable "create_plan_role" {
  description = "Create the read-only plan role, trusted for pull requests and plan_branches of the repository (plans need no environment approval)."
  type        = bool
  default     = true
}

variable "plan_branches" {
  description = "Branches whose workflow runs may assume the plan role (the deploy workflow plans pushes to these before the apply job). Pull requests are always trusted when create_plan_role is true."
  type        = list(string)
  default     = ["main"]
  nullable    = false

  validation {
    condition     = alltrue([for b in var.plan_branches : can(regex("^[A-Za-z0-9._/-]{1,255}$", b)) && !startswith(b, "refs/")])
    error_message = "plan_branches must be branch names such as main or release/1.x (no refs/heads/ prefix, no wildcards)."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# OIDC identity provider
# ---------------------------------------------------------------------------------------------------------------

variable "existing_oidc_provider_arn" {
  description = "ARN of an existing IAM OIDC provider for token.actions.githubusercontent.com (an account has at most one per URL). Null creates it."
  type        = string
  default     = null

  validation {
    condition     = var.existing_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.existing_oidc_provider_arn))
    error_message = "existing_oidc_provider_arn must be the ARN of the GitHub Actions OIDC provider (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com), or null to create it."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------------------------

variable "deploy_role_name" {
  description = "Name of the role the apply job assumes. Must not start with resource_name_prefix (the role may not manage itself)."
  type        = string
  default     = "github-baton-deploy"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.deploy_role_name))
    error_message = "deploy_role_name must be a valid IAM role name (1-64 characters of letters, digits and +=,.@_-)."
  }
}

variable "plan_role_name" {
  description = "Name of the read-only role the plan jobs assume. Must not start with resource_name_prefix."
  type        = string
  default     = "github-baton-plan"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.plan_role_name))
    error_message = "plan_role_name must be a valid IAM role name (1-64 characters of letters, digits and +=,.@_-)."
  }
}

variable "policy_name_prefix" {
  description = "Prefix of the two managed policies: <prefix>-read (both roles) and <prefix>-deploy (deploy role)."
  type        = string
  default     = "github-baton"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,100}$", var.policy_name_prefix))
    error_message = "policy_name_prefix must be 1-100 characters of letters, digits and +=,.@_-."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration of both roles, in seconds (3600-43200). configure-aws-credentials asks for 1 hour unless told otherwise."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200 && floor(var.max_session_duration) == var.max_session_duration
    error_message = "max_session_duration must be a whole number of seconds between 3600 and 43200."
  }
}

variable "resource_name_prefix" {
  description = "Prefix of every Baton resource the deploy role may create (the stack variable name of each deployment must start with it, e.g. baton-relay-staging). Scopes every permission of both roles."
  type        = string
  default     = "baton-"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,29}$", var.resource_name_prefix))
    error_message = "resource_name_prefix must be 2-30 lowercase letters, digits and hyphens, starting with a letter (stack names are lowercase)."
  }
}

variable "stack_kms_key_arns" {
  description = "Customer managed KMS keys the stacks use (their kms_key_arn). The deploy role gets the key use it needs to create encrypted queues, tables, log groups and functions; the plan role gets kms:DescribeKey."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for k in var.stack_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/.+$", k))])
    error_message = "stack_kms_key_arns must contain KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "boundary_policy_statements" {
  description = <<-EOT
    Extra statements for the permissions boundary of the functions' execution roles, for a processor that needs
    more than the boundary allows (see README.md, "Permissions boundary"). The boundary only caps: the stack's
    execution role still needs the permission in its own policy. IAM and STS actions are refused, since a
    function that can change roles could step outside the boundary.
  EOT
  type = list(object({
    Sid       = string
    Effect    = optional(string, "Allow")
    Action    = list(string)
    Resource  = list(string)
    Condition = optional(map(map(list(string))))
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for s in var.boundary_policy_statements : can(regex("^[A-Za-z0-9]{1,100}$", s.Sid)) && contains(["Allow", "Deny"], s.Effect) && length(s.Action) > 0 && length(s.Resource) > 0])
    error_message = "Each boundary_policy_statements entry needs an alphanumeric Sid, Effect \"Allow\" or \"Deny\", and at least one Action and one Resource."
  }

  validation {
    condition     = alltrue(flatten([for s in var.boundary_policy_statements : [for a in s.Action : s.Effect == "Deny" || !can(regex("^([^:]*|[^:]*\\*[^:]*:.*|(iam|sts):.*)$", lower(a)))]]))
    error_message = "boundary_policy_statements must not allow IAM or STS actions, or actions with a wildcard in the service prefix (such as \"*\"): a function able to change roles or assume others could leave the boundary."
  }

  validation {
    condition     = length(distinct([for s in var.boundary_policy_statements : s.Sid])) == length(var.boundary_policy_statements)
    error_message = "Each boundary_policy_statements entry needs its own Sid."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# State bucket
# ---------------------------------------------------------------------------------------------------------------

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket. Null derives tfstate-baton-<account id>-<region>. Must not start with resource_name_prefix."
  type        = string
  default     = null

  validation {
    condition     = var.state_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens), or null."
  }
}

variable "state_key_prefix" {
  description = "Key prefix of the Baton state files in the bucket (keys are <prefix><stack>/<environment>.tfstate). Both roles are limited to it."
  type        = string
  default     = "baton/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.()-]+(/[A-Za-z0-9!_.()-]+)*/$", var.state_key_prefix))
    error_message = "state_key_prefix must be a relative key prefix ending with '/', such as baton/ (letters, digits and !_.()- between slashes, no wildcards)."
  }
}

variable "state_kms_key_arn" {
  description = "Customer managed KMS key for the state bucket (SSE-KMS with an S3 bucket key). Null uses SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.state_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/.+$", var.state_kms_key_arn))
    error_message = "state_kms_key_arn must be a KMS key ARN, or null."
  }
}

variable "state_access_log_bucket" {
  description = "Existing bucket that receives the state bucket's server access logs (null: no access logging)."
  type        = string
  default     = null
}

variable "state_noncurrent_version_expiration_days" {
  description = "Delete noncurrent state versions this many days after they were replaced (the newest state_noncurrent_versions_kept are kept regardless)."
  type        = number
  default     = 90

  validation {
    condition     = var.state_noncurrent_version_expiration_days >= 1 && floor(var.state_noncurrent_version_expiration_days) == var.state_noncurrent_version_expiration_days
    error_message = "state_noncurrent_version_expiration_days must be a whole number of days >= 1."
  }
}

variable "state_noncurrent_versions_kept" {
  description = "Number of noncurrent versions of each state file kept even after state_noncurrent_version_expiration_days (1-100)."
  type        = number
  default     = 10

  validation {
    condition     = var.state_noncurrent_versions_kept >= 1 && var.state_noncurrent_versions_kept <= 100 && floor(var.state_noncurrent_versions_kept) == var.state_noncurrent_versions_kept
    error_message = "state_noncurrent_versions_kept must be a whole number between 1 and 100."
  }
}

variable "state_bucket_force_destroy" {
  description = "Let terraform destroy delete the state bucket with every state version in it. Keep false outside experiments."
  type        = bool
  default     = false
}
