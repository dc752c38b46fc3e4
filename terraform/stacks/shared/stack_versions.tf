# Shared by both stacks (each links this file as its versions.tf).

terraform {
  # 1.9: cross-variable validation. 1.10: use_lockfile in the S3 backend configuration (environments/*.s3.tfbackend).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
