locals {
  message_group_id = coalesce(var.message_group_id, var.bucket_name)

  # The default route takes every key that no message_groups prefix claims (and that the filter/exclude
  # prefixes admit); each prefix route takes its own keys. EventBridge cannot AND two matchers on one field,
  # so the default route's exclusions are one anything-but list (variables.tf refuses filter_prefix together
  # with message_groups for that reason). Encoded as JSON because the matchers have different shapes.
  default_exclusions = compact(concat([var.filter_prefix == "" ? var.exclude_prefix : ""], sort(keys(var.message_groups))))
  default_key_matcher = (
    var.filter_prefix != "" ? jsonencode([{ prefix = var.filter_prefix }]) :
    length(local.default_exclusions) == 0 ? "" :
    # One exclusion keeps the plain-string form existing rules were created with.
    length(local.default_exclusions) == 1 ? jsonencode([{ "anything-but" = { prefix = local.default_exclusions[0] } }]) :
    jsonencode([{ "anything-but" = { prefix = local.default_exclusions } }])
  )

  routes = merge(
    {
      default = {
        rule_name        = var.rule_name
        description      = "Object Created in ${var.bucket_name} -> SQS FIFO (group ${local.message_group_id})"
        key_matcher      = local.default_key_matcher
        message_group_id = local.message_group_id
        target_id        = var.target_id
      }
    },
    {
      for prefix, group in var.message_groups : "prefix:${prefix}" => {
        # Rule names allow 64 characters: a hash of the prefix keeps each one unique and stable.
        rule_name        = "${substr(var.rule_name, 0, 55)}-${substr(sha1(prefix), 0, 8)}"
        description      = "Object Created in ${var.bucket_name} under ${prefix} -> SQS FIFO (group ${group})"
        key_matcher      = jsonencode([{ prefix = prefix }])
        message_group_id = group
        target_id        = var.target_id
      }
    },
  )

  event_patterns = {
    for key, route in local.routes : key => {
      source        = ["aws.s3"]
      "detail-type" = ["Object Created"]
      detail = merge(
        { bucket = { name = [var.bucket_name] } },
        route.key_matcher == "" ? {} : { object = { key = jsondecode(route.key_matcher) } },
      )
    }
  }

  rule_arns = [for rule in aws_cloudwatch_event_rule.route : rule.arn]

  # Both queues this module writes a policy for refuse requests that do not use TLS.
  deny_insecure_transport = {
    Sid       = "DenyInsecureTransport"
    Effect    = "Deny"
    Principal = "*"
    Action    = "sqs:*"
    Condition = { Bool = { "aws:SecureTransport" = "false" } }
  }
  allow_rules = {
    Effect    = "Allow"
    Principal = { Service = "events.amazonaws.com" }
    Action    = "sqs:SendMessage"
    Condition = {
      ArnEquals    = { "aws:SourceArn" = local.rule_arns }
      StringEquals = { "aws:SourceAccount" = var.source_account_id }
    }
  }
}

moved {
  from = aws_cloudwatch_event_rule.this
  to   = aws_cloudwatch_event_rule.route["default"]
}

moved {
  from = aws_cloudwatch_event_target.this
  to   = aws_cloudwatch_event_target.route["default"]
}

# S3 cannot notify a FIFO queue directly. The bucket sends every event to EventBridge instead, and the rules
# below forward this bucket's Object Created events to the FIFO queue, each with its MessageGroupId.
resource "aws_s3_bucket_notification" "this" {
  bucket      = var.bucket_name
  eventbridge = true
}

resource "aws_cloudwatch_event_rule" "route" {
  for_each = local.routes

  name           = each.value.rule_name
  description    = each.value.description
  event_bus_name = var.event_bus_name
  event_pattern  = jsonencode(local.event_patterns[each.key])
  state          = "ENABLED"
  tags           = var.tags
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = var.queue_url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      merge(local.allow_rules, { Sid = "AllowOnlyTheObjectCreatedRules", Resource = var.queue_arn }),
      merge(local.deny_insecure_transport, { Resource = var.queue_arn }),
    ]
  })
}

# A delivery EventBridge cannot make (a KMS key policy without events.amazonaws.com, throttling past the retry
# window) lands here instead of being dropped. EventBridge needs a standard queue for this; redrive from it
# is by hand (`baton dlq peek --events`), and no other queue may use it as its DLQ.
resource "aws_sqs_queue" "delivery_dlq" {
  name                      = coalesce(var.delivery_dlq_name, "${var.rule_name}-delivery-dlq")
  fifo_queue                = false
  message_retention_seconds = var.delivery_dlq_message_retention_seconds

  redrive_allow_policy = jsonencode({ redrivePermission = "denyAll" })

  sqs_managed_sse_enabled           = var.delivery_dlq_kms_master_key_id == null ? true : null
  kms_master_key_id                 = var.delivery_dlq_kms_master_key_id
  kms_data_key_reuse_period_seconds = var.delivery_dlq_kms_master_key_id == null ? null : 300

  tags = var.tags
}

resource "aws_sqs_queue_policy" "delivery_dlq" {
  queue_url = aws_sqs_queue.delivery_dlq.url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      merge(local.allow_rules, { Sid = "AllowUndeliveredEventsFromTheRules", Resource = aws_sqs_queue.delivery_dlq.arn }),
      merge(local.deny_insecure_transport, { Resource = aws_sqs_queue.delivery_dlq.arn }),
    ]
  })
}

resource "aws_cloudwatch_event_target" "route" {
  for_each = local.routes

  rule           = aws_cloudwatch_event_rule.route[each.key].name
  event_bus_name = var.event_bus_name
  target_id      = each.value.target_id
  arn            = var.queue_arn

  sqs_target {
    message_group_id = each.value.message_group_id
  }

  dead_letter_config {
    arn = aws_sqs_queue.delivery_dlq.arn
  }

  retry_policy {
    maximum_event_age_in_seconds = var.retry_maximum_event_age_seconds
    maximum_retry_attempts       = var.retry_maximum_attempts
  }

  # Deliveries fail (and go to the delivery DLQ) until the queues let the rules send.
  depends_on = [aws_sqs_queue_policy.this, aws_sqs_queue_policy.delivery_dlq]
}
