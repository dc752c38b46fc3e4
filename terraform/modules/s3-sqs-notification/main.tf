resource "aws_sqs_queue_policy" "this" {
  queue_url = var.queue_url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowS3NotificationsFromThisBucketOnly"
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = var.queue_arn
        Condition = {
          ArnEquals    = { "aws:SourceArn" = var.bucket_arn }
          StringEquals = { "aws:SourceAccount" = var.source_account_id }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = var.queue_arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_s3_bucket_notification" "this" {
  bucket = var.bucket_name

  queue {
    id            = var.notification_id
    queue_arn     = var.queue_arn
    events        = var.events
    filter_prefix = var.filter_prefix == "" ? null : var.filter_prefix
    filter_suffix = var.filter_suffix == "" ? null : var.filter_suffix
  }

  # S3 sends a test event when the configuration is written and refuses it unless the queue already lets S3
  # send ("Unable to validate the following destination configurations").
  depends_on = [aws_sqs_queue_policy.this]
}
