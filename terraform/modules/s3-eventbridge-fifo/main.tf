locals {
  message_group_id = coalesce(var.message_group_id, var.bucket_name)

  # With a prefix, keys outside it (the excluded prefix among them) are not routed anyway. Encoded as JSON
  # because the two matchers have different shapes.
  key_matcher = (
    var.filter_prefix != "" ? jsonencode([{ prefix = var.filter_prefix }]) :
    var.exclude_prefix != "" ? jsonencode([{ "anything-but" = { prefix = var.exclude_prefix } }]) : ""
  )

  event_pattern = {
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = merge(
      { bucket = { name = [var.bucket_name] } },
      local.key_matcher == "" ? {} : { object = { key = jsondecode(local.key_matcher) } },
    )
  }
}

# S3 cannot notify a FIFO queue directly. The bucket sends every event to EventBridge instead, and the rule
# below forwards this bucket's Object Created events to the FIFO queue with a fixed MessageGroupId.
resource "aws_s3_bucket_notification" "this" {
  bucket      = var.bucket_name
  eventbridge = true
}

resource "aws_cloudwatch_event_rule" "this" {
  name           = var.rule_name
  description    = "Object Created in ${var.bucket_name} -> SQS FIFO"
  event_bus_name = var.event_bus_name
  event_pattern  = jsonencode(local.event_pattern)
  state          = "ENABLED"
  tags           = var.tags
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = var.queue_url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowOnlyTheObjectCreatedRule"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = var.queue_arn
        Condition = {
          ArnEquals    = { "aws:SourceArn" = aws_cloudwatch_event_rule.this.arn }
          StringEquals = { "aws:SourceAccount" = var.source_account_id }
        }
      },
    ]
  })
}

resource "aws_cloudwatch_event_target" "this" {
  rule           = aws_cloudwatch_event_rule.this.name
  event_bus_name = var.event_bus_name
  target_id      = var.target_id
  arn            = var.queue_arn

  sqs_target {
    message_group_id = local.message_group_id
  }

  # Deliveries fail (and are retried, then dropped) until the queue lets the rule send.
  depends_on = [aws_sqs_queue_policy.this]
}
