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
