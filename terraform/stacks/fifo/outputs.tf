# The outputs both variants have are in pipeline_outputs.tf.

output "event_rule_name" {
  description = "Name of the EventBridge rule that routes the bucket's Object Created events to the FIFO queue."
  value       = module.route.rule_name
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping (SQS FIFO queue -> function)."
  value       = module.trigger.uuid
}

output "message_group_id" {
  description = "MessageGroupId of every key no message_groups prefix claims."
  value       = module.route.message_group_id
}

output "message_groups" {
  description = "Key prefix -> MessageGroupId of the prefix rules (read by baton backfill)."
  value       = module.route.message_groups
}

output "event_rule_names" {
  description = "Every rule of the EventBridge route: the default rule, then one per message_groups prefix."
  value       = module.route.rule_names
}

output "delivery_dlq_url" {
  description = "URL of the delivery DLQ: events EventBridge could not deliver to the queue (baton dlq peek --events)."
  value       = module.route.delivery_dlq_url
}

output "delivery_dlq_arn" {
  description = "ARN of the delivery DLQ."
  value       = module.route.delivery_dlq_arn
}
