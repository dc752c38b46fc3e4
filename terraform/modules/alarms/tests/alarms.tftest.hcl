mock_provider "aws" {
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:jobs-alarms" }
  }
}

variables {
  name       = "jobs"
  queue_name = "jobs.fifo"
  dlq_name   = "jobs-dlq.fifo"
}

run "alarms_on_dlq_and_queue_age" {
  command = plan

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dlq_visible.metric_name == "ApproximateNumberOfMessagesVisible"
      && aws_cloudwatch_metric_alarm.dlq_visible.dimensions == tomap({ QueueName = "jobs-dlq.fifo" })
      && aws_cloudwatch_metric_alarm.dlq_visible.comparison_operator == "GreaterThanThreshold"
      && aws_cloudwatch_metric_alarm.dlq_visible.threshold == 0
    )
    error_message = "The DLQ alarm must fire on any visible message (> 0) in the DLQ."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.oldest_message_age.metric_name == "ApproximateAgeOfOldestMessage"
      && aws_cloudwatch_metric_alarm.oldest_message_age.dimensions == tomap({ QueueName = "jobs.fifo" })
      && aws_cloudwatch_metric_alarm.oldest_message_age.threshold == 900
    )
    error_message = "The age alarm must watch the source queue's oldest message against the threshold."
  }
  assert {
    condition     = length(aws_sns_topic.this) == 0 && output.alarm_actions == []
    error_message = "No topic and no actions unless asked for."
  }
}

run "topic_receives_alarms" {
  variables {
    create_sns_topic = true
    alarm_actions    = ["arn:aws:sns:us-east-1:123456789012:oncall"]
  }
  assert {
    condition = (
      output.alarm_actions == ["arn:aws:sns:us-east-1:123456789012:jobs-alarms", "arn:aws:sns:us-east-1:123456789012:oncall"]
      && aws_cloudwatch_metric_alarm.dlq_visible.alarm_actions == toset(output.alarm_actions)
      && aws_cloudwatch_metric_alarm.oldest_message_age.ok_actions == toset(output.alarm_actions)
    )
    error_message = "Both alarms must notify the created topic and the given actions."
  }
}

run "rejects_aws_managed_sns_key_short_threshold_and_odd_period" {
  command = plan
  variables {
    create_sns_topic                     = true
    sns_topic_kms_master_key_id          = "alias/aws/sns"
    oldest_message_age_threshold_seconds = 30
    period_seconds                       = 90
  }
  expect_failures = [
    var.sns_topic_kms_master_key_id,
    var.oldest_message_age_threshold_seconds,
    var.period_seconds,
  ]
}

run "no_route_alarms_by_default" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.route) == 0 && length(output.route_alarm_names) == 0
    error_message = "Without a delivery DLQ or event rules there are no route alarms."
  }
}

run "alarms_on_the_fifo_route" {
  command = plan

  variables {
    delivery_dlq_name = "jobs-object-created-delivery-dlq"
    event_rule_names  = ["jobs-object-created", "jobs-object-created-1a2b3c4d"]
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.route["delivery-dlq-not-empty"].namespace == "AWS/SQS"
      && aws_cloudwatch_metric_alarm.route["delivery-dlq-not-empty"].dimensions == tomap({ QueueName = "jobs-object-created-delivery-dlq" })
      && aws_cloudwatch_metric_alarm.route["delivery-dlq-not-empty"].threshold == 0
    )
    error_message = "An undelivered event waiting in the delivery DLQ must raise an alarm."
  }
  assert {
    condition = alltrue([
      for rule in var.event_rule_names : (
        aws_cloudwatch_metric_alarm.route["${rule}-failed-invocations"].namespace == "AWS/Events"
        && aws_cloudwatch_metric_alarm.route["${rule}-failed-invocations"].metric_name == "FailedInvocations"
        && aws_cloudwatch_metric_alarm.route["${rule}-failed-invocations"].dimensions == tomap({ RuleName = rule })
        && aws_cloudwatch_metric_alarm.route["${rule}-failed-invocations"].statistic == "Sum"
      )
    ])
    error_message = "Each rule's FailedInvocations must raise an alarm."
  }
  assert {
    condition     = length(output.route_alarm_names) == 3 && contains(output.route_alarm_names, "jobs-delivery-dlq-not-empty")
    error_message = "route_alarm_names lists the three route alarms."
  }
}
