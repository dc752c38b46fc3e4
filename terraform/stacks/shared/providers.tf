# Shared by both stacks and the proof harness's bench root (each links this file); local.variant comes from
# the linking root's main.tf.

locals {
  # Set when the stack deploys to an emulator such as LocalStack instead of AWS.
  custom_endpoint = var.aws_endpoint_url != null

  tags = merge({ Project = "baton", Variant = local.variant }, var.tags)
}

provider "aws" {
  region = var.aws_region

  # Emulator-friendly flags, on only with an endpoint override. The account ID is still requested: the
  # emulator answers STS, the queue policies condition on the account, and aws_s3_bucket needs it with
  # provider >= 6.23 (which is also why s3control gets an endpoint below).
  s3_use_path_style           = local.custom_endpoint
  skip_credentials_validation = local.custom_endpoint
  skip_metadata_api_check     = local.custom_endpoint
  skip_requesting_account_id  = false

  dynamic "endpoints" {
    for_each = local.custom_endpoint ? [var.aws_endpoint_url] : []
    content {
      cloudwatch = endpoints.value
      dynamodb   = endpoints.value
      events     = endpoints.value
      iam        = endpoints.value
      kms        = endpoints.value
      lambda     = endpoints.value
      logs       = endpoints.value
      s3         = endpoints.value
      s3control  = endpoints.value
      sns        = endpoints.value
      sqs        = endpoints.value
      sts        = endpoints.value
    }
  }

  default_tags {
    tags = local.tags
  }
}
