# Settings for a local LocalStack (edge port 4566). Use with a scratch copy of terraform/ without backend.tf:
#   terraform apply -var-file=environments/localstack.tfvars -var lambda_zip_path=<repo>/dist/baton-lambda.zip
# Credentials come from the environment: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test.
aws_endpoint_url     = "http://127.0.0.1:4566"
aws_region           = "us-east-1"
bucket_force_destroy = true
