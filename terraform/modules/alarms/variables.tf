variable "name" {
  description = "Prefix of the alarm names (and of the SNS topic name when one is created)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name))
    error_message = "name must be 1-200 characters of letters, digits, hyphens and underscores."
  }
}

variable "queue_name" {
  description = "Name of the source queue whose age of oldest message is watched."
  type        = string
}

variable "dlq_name" {
  description = "Name of the dead-letter queue whose visible messages are watched."
  type        = string
}

variable "oldest_message_age_threshold_seconds" {
  description = "Alarm when the source queue's oldest message is older than this many seconds."
  type        = number
  default     = 900

  validation {
    condition     = var.oldest_message_age_threshold_seconds >= 60
    error_message = "oldest_message_age_threshold_seconds must be at least 60 (SQS publishes the metric once a minute)."
  }
}

variable "period_seconds" {
  description = "Evaluation period of both alarms, in seconds (a multiple of 60)."
  type        = number
  default     = 60

  validation {
    condition     = var.period_seconds >= 60 && var.period_seconds % 60 == 0
    error_message = "period_seconds must be a multiple of 60 (SQS metrics have one-minute resolution)."
  }
}

variable "oldest_message_age_evaluation_periods" {
  description = "Consecutive periods the age threshold must be exceeded before the alarm fires."
  type        = number
  default     = 3

  validation {
    condition     = var.oldest_message_age_evaluation_periods >= 1 && floor(var.oldest_message_age_evaluation_periods) == var.oldest_message_age_evaluation_periods
    error_message = "oldest_message_age_evaluation_periods must be a whole number >= 1."
  }
}

variable "create_sns_topic" {
  description = "Create an SNS topic that receives alarm and OK notifications (subscribe to it outside this module)."
  type        = bool
  default     = false
}

variable "sns_topic_kms_master_key_id" {
  description = "KMS key for the created topic. It must be a customer managed key whose policy lets cloudwatch.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt: CloudWatch cannot publish to a topic encrypted with the AWS managed alias/aws/sns key. Null leaves the topic unencrypted."
  type        = string
  default     = null

  validation {
    condition     = var.sns_topic_kms_master_key_id != "alias/aws/sns"
    error_message = "CloudWatch alarms cannot publish to a topic encrypted with alias/aws/sns: use a customer managed key whose policy admits cloudwatch.amazonaws.com, or null."
  }
}

variable "alarm_actions" {
  description = "Existing ARNs (SNS topics, for example) notified when an alarm fires or recovers, in addition to the created topic."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.alarm_actions) <= 4 && alltrue([for a in var.alarm_actions : startswith(a, "arn:")])
    error_message = "alarm_actions must hold at most 4 ARNs (CloudWatch allows 5 actions per state, one is kept for the created topic)."
  }
}

variable "delivery_dlq_name" {
  description = "Name of the FIFO route's delivery DLQ (events EventBridge could not deliver) to alarm on when it is not empty. Null: no such alarm."
  type        = string
  default     = null
}

variable "event_rule_names" {
  description = "EventBridge rules whose FailedInvocations metric is alarmed on (one alarm each): the FIFO route's rules."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "tags" {
  description = "Tags for the alarms and the topic."
  type        = map(string)
  default     = {}
}
