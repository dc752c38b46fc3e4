# Mocked AWS provider of the stacks' and modules/pipeline's offline tests (mock_provider "aws" { source = ... }):
# account 123456789012 in us-east-1. The provider still validates ARN-typed arguments, so the computed ARNs the
# tests do not override get a valid shape.

mock_data "aws_region" {
  defaults = { id = "us-east-1", name = "us-east-1" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/test"
    user_id    = "AIDATEST"
  }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
}

mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:us-east-1:123456789012:mock" }
}
