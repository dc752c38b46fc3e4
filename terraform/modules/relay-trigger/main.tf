resource "aws_cloudwatch_event_rule" "schedule" {
  name                = var.schedule_name
  description         = "Starts a ${var.function_name} relay chain (the chain relays itself until the queue is drained)"
  schedule_expression = var.schedule_expression
  state               = var.schedule_enabled ? "ENABLED" : "DISABLED"
  tags                = var.tags
}

resource "aws_lambda_permission" "schedule" {
  statement_id  = "AllowScheduleRule"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule.arn
}

resource "aws_cloudwatch_event_target" "schedule" {
  rule      = aws_cloudwatch_event_rule.schedule.name
  target_id = "relay"
  arn       = var.function_arn

  depends_on = [aws_lambda_permission.schedule]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = var.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
}

# Recursive loop detection follows a request chain through trace headers and stops it after about 16
# invocations. The relay hands over to itself by design, bounded by its own hop limit (BATON_MAX_HOPS) and by
# reserved concurrency, so it states that intent explicitly rather than depend on whether a direct self-invoke
# chain is counted. LocalStack implements the configuration API (it does not enforce loops); emulators that
# lack the API can turn this resource off with manage_recursion_config.
resource "aws_lambda_function_recursion_config" "this" {
  count = var.manage_recursion_config ? 1 : 0

  function_name  = var.function_name
  recursive_loop = var.recursive_loop
}
