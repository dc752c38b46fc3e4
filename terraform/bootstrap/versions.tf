terraform {
  # 1.9: validations that read other variables. The bootstrap keeps its own state locally (see README.md).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
