# Remote state, configured per environment at init time:
#   terraform init -backend-config=environments/<env>.s3.tfbackend
# Local runs (the demo, integration tests) work on a scratch copy of terraform/ without this file.
terraform {
  backend "s3" {}
}
