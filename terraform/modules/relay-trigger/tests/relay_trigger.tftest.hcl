mock_provider "aws" {}

override_resource {
  target = aws_cloudwatch_event_rule.schedule
  values = { arn = "arn:aws:events:us-east-1:123456789012:rule/relay-schedule" }
}

variables {
  function_name = "relay"
  function_arn  = "arn:aws:lambda:us-east-1:123456789012:function:relay"
  schedule_name = "relay-schedule"
}

run "schedule_permission_and_invoke_config" {
  assert {
    condition     = output.schedule_expression == "rate(5 minutes)" && aws_cloudwatch_event_rule.schedule.state == "ENABLED"
    error_message = "The schedule must default to rate(5 minutes), enabled."
  }
  assert {
    condition = (
      aws_lambda_permission.schedule.principal == "events.amazonaws.com"
      && aws_lambda_permission.schedule.action == "lambda:InvokeFunction"
      && output.permission_source_arn == "arn:aws:events:us-east-1:123456789012:rule/relay-schedule"
    )
    error_message = "Only the schedule rule may invoke the relay."
  }
  assert {
    condition     = output.target_arn == var.function_arn
    error_message = "The schedule must target the relay function."
  }
  assert {
    condition     = output.maximum_retry_attempts == 0 && output.maximum_event_age_in_seconds == 3600
    error_message = "The async invoke config must default to no retries and a one-hour event age."
  }
  assert {
    condition     = output.recursive_loop == "Allow"
    error_message = "The relay's self-invocation chain must be declared with recursive loop Allow."
  }
}

run "recursion_config_can_be_left_alone" {
  command = plan
  variables {
    manage_recursion_config = false
    schedule_enabled        = false
  }
  assert {
    condition     = length(aws_lambda_function_recursion_config.this) == 0 && aws_cloudwatch_event_rule.schedule.state == "DISABLED"
    error_message = "manage_recursion_config = false must not write the recursion setting; schedule_enabled = false disables the rule."
  }
}

run "rejects_singular_rate_above_one" {
  command = plan
  variables {
    schedule_expression = "rate(5 minute)"
  }
  expect_failures = [var.schedule_expression]
}

run "rejects_plural_rate_of_one_three_retries_and_short_event_age" {
  command = plan
  variables {
    schedule_expression          = "rate(1 minutes)"
    maximum_retry_attempts       = 3
    maximum_event_age_in_seconds = 30
  }
  expect_failures = [var.schedule_expression, var.maximum_retry_attempts, var.maximum_event_age_in_seconds]
}
