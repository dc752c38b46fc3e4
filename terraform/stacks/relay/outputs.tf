# The outputs both variants have are in pipeline_outputs.tf.

output "schedule_rule_name" {
  description = "Name of the EventBridge rule that starts relay chains."
  value       = module.trigger.schedule_rule_name
}
