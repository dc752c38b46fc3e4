terraform {
  # Cross-variable validation (a validation block that reads other variables) needs Terraform 1.9.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
