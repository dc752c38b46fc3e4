resource "aws_sns_topic" "this" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key; encryption needs a customer managed key whose policy admits CloudWatch, passed through var.sns_topic_kms_master_key_id. Alarm notifications carry no payload data.
  count = var.create_sns_topic ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = var.sns_topic_kms_master_key_id
  tags              = var.tags
}

locals {
  actions = concat(aws_sns_topic.this[*].arn, var.alarm_actions)
}

resource "aws_cloudwatch_metric_alarm" "dlq_visible" {
  alarm_name        = "${var.name}-dlq-not-empty"
  alarm_description = "Messages are waiting in the dead-letter queue ${var.dlq_name}: inspect them and redrive (StartMessageMoveTask) once the cause is fixed."

  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dlq_name }
  statistic           = "Maximum"
  period              = var.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"

  actions_enabled = true
  alarm_actions   = local.actions
  ok_actions      = local.actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  alarm_name        = "${var.name}-oldest-message-age"
  alarm_description = "The oldest message in ${var.queue_name} has waited more than ${var.oldest_message_age_threshold_seconds} s: the consumer is stalled, failing or too slow."

  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = var.queue_name }
  statistic           = "Maximum"
  period              = var.period_seconds
  evaluation_periods  = var.oldest_message_age_evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.oldest_message_age_threshold_seconds
  treat_missing_data  = "notBreaching"

  actions_enabled = true
  alarm_actions   = local.actions
  ok_actions      = local.actions

  tags = var.tags
}

# The FIFO route's own failure signals: events EventBridge could not deliver to the queue. Without these a
# broken route (a key policy that shuts out events.amazonaws.com, say) looks like an idle pipeline.
locals {
  route_alarms = merge(
    var.delivery_dlq_name == null ? {} : {
      delivery-dlq-not-empty = {
        description = "Events EventBridge could not deliver to the queue are waiting in ${var.delivery_dlq_name}: read their ERROR_CODE/ERROR_MESSAGE attributes (baton dlq peek --events), fix the cause, then re-send them."
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = var.delivery_dlq_name }
        statistic   = "Maximum"
      }
    },
    {
      for rule in var.event_rule_names : "${rule}-failed-invocations" => {
        description = "The EventBridge rule ${rule} failed to deliver events to its target (they are retried, then kept in the delivery DLQ)."
        namespace   = "AWS/Events"
        metric_name = "FailedInvocations"
        dimensions  = { RuleName = rule }
        statistic   = "Sum"
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "route" {
  for_each = local.route_alarms

  alarm_name        = "${var.name}-${each.key}"
  alarm_description = each.value.description

  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"

  actions_enabled = true
  alarm_actions   = local.actions
  ok_actions      = local.actions

  tags = var.tags
}
