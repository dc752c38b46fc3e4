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
  description = "MessageGroupId of the messages EventBridge sends."
  value       = module.route.message_group_id
}
