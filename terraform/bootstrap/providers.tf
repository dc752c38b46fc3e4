provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = "baton", Component = "deploy-bootstrap" }, var.tags)
  }
}
