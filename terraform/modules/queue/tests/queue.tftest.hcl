mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/test", user_id = "AIDATEST" }
  }
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

override_resource {
  target = aws_sqs_queue.dlq
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:jobs-dlq"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dlq"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dlq"
  }
}

variables {
  name = "jobs"
}

run "standard_queue_with_dlq" {
  override_resource {
    target = aws_sqs_queue.this
    values = {
      arn = "arn:aws:sqs:us-east-1:123456789012:jobs"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    }
  }

  assert {
    condition     = aws_sqs_queue.this.name == "jobs" && aws_sqs_queue.dlq.name == "jobs-dlq"
    error_message = "Standard queues are named <name> and <name>-dlq."
  }
  assert {
    condition     = jsondecode(output.redrive_policy) == { deadLetterTargetArn = "arn:aws:sqs:us-east-1:123456789012:jobs-dlq", maxReceiveCount = 5 }
    error_message = "The redrive policy must point at the DLQ with maxReceiveCount 5 by default."
  }
  assert {
    condition     = jsondecode(output.dlq_redrive_allow_policy) == { redrivePermission = "byQueue", sourceQueueArns = ["arn:aws:sqs:us-east-1:123456789012:jobs"] }
    error_message = "The DLQ must accept dead letters from its source queue only."
  }
  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled && aws_sqs_queue.dlq.sqs_managed_sse_enabled && aws_sqs_queue.this.kms_master_key_id == null
    error_message = "Without a KMS key both queues must have SQS-managed SSE written explicitly."
  }
  assert {
    condition     = aws_sqs_queue.dlq.message_retention_seconds == 1209600 && aws_sqs_queue.this.message_retention_seconds == 345600
    error_message = "The DLQ must keep messages 14 days, the source queue 4 days by default."
  }
  assert {
    condition = jsondecode(output.dlq_policy).Statement == [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.dlq.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "The DLQ's policy must deny every request that does not use TLS."
  }
}

run "fifo_queue_with_fifo_dlq" {
  command   = plan
  state_key = "fifo"

  variables {
    fifo_queue                  = true
    content_based_deduplication = true
    max_receive_count           = 1
  }

  assert {
    condition     = aws_sqs_queue.this.name == "jobs.fifo" && aws_sqs_queue.dlq.name == "jobs-dlq.fifo"
    error_message = "FIFO queues must get the .fifo suffix, the DLQ too."
  }
  assert {
    condition     = aws_sqs_queue.this.fifo_queue && aws_sqs_queue.dlq.fifo_queue && aws_sqs_queue.this.content_based_deduplication
    error_message = "A FIFO source queue needs a FIFO DLQ; content-based deduplication must be on when asked."
  }
}

run "kms_key_replaces_sqs_managed_sse" {
  command = plan

  variables {
    kms_master_key_id = "arn:aws:kms:us-east-1:123456789012:key/0f6b0a4e-1111-2222-3333-444455556666"
    max_receive_count = 7
  }

  assert {
    condition = (
      aws_sqs_queue.this.kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/0f6b0a4e-1111-2222-3333-444455556666"
      && aws_sqs_queue.this.kms_data_key_reuse_period_seconds == 300
    )
    error_message = "A KMS key must be set on the queue with the data key reuse period."
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy).maxReceiveCount == 7
    error_message = "The redrive policy must carry the configured maxReceiveCount."
  }
}

run "rejects_dlq_retention_below_source_retention" {
  command = plan
  variables {
    message_retention_seconds     = 1209600
    dlq_message_retention_seconds = 345600
  }
  expect_failures = [var.dlq_message_retention_seconds]
}

run "rejects_deduplication_on_standard_queue_zero_receives_and_fifo_suffix" {
  command = plan
  variables {
    content_based_deduplication = true
    max_receive_count           = 0
    name                        = "jobs.fifo"
  }
  expect_failures = [var.content_based_deduplication, var.max_receive_count, var.name]
}

run "the_dlq_names_the_source_queue_it_will_get" {
  state_key = "mismatch"

  override_resource {
    target = aws_sqs_queue.this
    values = { arn = "arn:aws:sqs:us-east-1:123456789012:another-queue" }
  }

  expect_failures = [aws_sqs_queue.this]
}
