data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  suffix     = var.fifo_queue ? ".fifo" : ""
  queue_name = "${var.name}${local.suffix}"
  dlq_name   = "${var.name}-dlq${local.suffix}"

  # The DLQ names its source queue and the source queue names its DLQ. Building the source queue's ARN from
  # its name breaks the cycle, so the redrive-allow policy can live on the DLQ itself: a separate
  # aws_sqs_queue_redrive_allow_policy would, on destroy, clear the attribute and wait for it to disappear,
  # which emulators that report it as an empty string never do.
  queue_arn = join(":", [
    "arn", data.aws_partition.current.partition, "sqs", data.aws_region.current.id,
    data.aws_caller_identity.current.account_id, local.queue_name,
  ])

  # checkov (CKV_AWS_27) and reviewers both want the encryption choice written out, even though new queues
  # default to SQS-managed SSE.
  sqs_managed_sse_enabled = var.kms_master_key_id == null ? true : null
  kms_reuse_period        = var.kms_master_key_id == null ? null : var.kms_data_key_reuse_period_seconds
}

resource "aws_sqs_queue" "dlq" {
  name                        = local.dlq_name
  fifo_queue                  = var.fifo_queue
  content_based_deduplication = var.fifo_queue ? var.content_based_deduplication : null
  message_retention_seconds   = var.dlq_message_retention_seconds
  visibility_timeout_seconds  = var.visibility_timeout_seconds

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.queue_arn]
  })

  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.kms_reuse_period

  tags = var.tags
}

resource "aws_sqs_queue" "this" {
  name                        = local.queue_name
  fifo_queue                  = var.fifo_queue
  content_based_deduplication = var.fifo_queue ? var.content_based_deduplication : null
  visibility_timeout_seconds  = var.visibility_timeout_seconds
  message_retention_seconds   = var.message_retention_seconds
  receive_wait_time_seconds   = var.receive_wait_time_seconds
  delay_seconds               = var.delay_seconds

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.kms_reuse_period

  tags = var.tags

  lifecycle {
    postcondition {
      condition     = self.arn == local.queue_arn
      error_message = "The queue's ARN (${self.arn}) differs from the one the DLQ's redrive-allow policy names (${local.queue_arn})."
    }
  }
}

# The source queue's policy belongs to whoever sends to it (the route modules, which deny plain HTTP there);
# the DLQ only receives by redrive, so its policy does nothing but refuse requests without TLS.
resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.dlq.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
