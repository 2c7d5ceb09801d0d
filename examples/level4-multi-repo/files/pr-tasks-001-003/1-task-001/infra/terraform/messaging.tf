# The audit event topic, its dead-letter topic and the principals allowed to
# use them.
#
# terraform_data replaces a cloud provider's topic and IAM resources, so
# the plan shows the same shape (names, labels, grants) without credentials.

locals {
  audit_topic_name       = "audit-events-${var.environment}"
  audit_dead_letter_name = "audit-events-dlq-${var.environment}"

  audit_producers = ["payments-service"]
  audit_consumers = ["audit-indexer"]

  # A consumer gets this many delivery attempts, with exponential backoff
  # between them, before the broker moves the event to the dead-letter topic.
  audit_max_delivery_attempts = 5
  audit_min_backoff_seconds   = 10
  audit_max_backoff_seconds   = 600
}

resource "terraform_data" "audit_topic" {
  input = {
    name            = local.audit_topic_name
    region          = local.region
    partitions      = 6
    retention_hours = 168
    message_format  = "json"
    schema_version  = 1
    labels          = local.common_labels
  }
}

resource "terraform_data" "audit_dead_letter_topic" {
  input = {
    name            = local.audit_dead_letter_name
    region          = local.region
    partitions      = 1
    retention_hours = 336
    message_format  = "json"
    labels          = merge(local.common_labels, { dead_letter_for = local.audit_topic_name })
  }
}

resource "terraform_data" "audit_topic_publish" {
  for_each = toset(local.audit_producers)

  input = {
    topic     = terraform_data.audit_topic.output.name
    principal = each.key
    role      = "publisher"
  }
}

resource "terraform_data" "audit_topic_subscribe" {
  for_each = toset(local.audit_consumers)

  input = {
    topic                 = terraform_data.audit_topic.output.name
    principal             = each.key
    role                  = "subscriber"
    dead_letter_topic     = terraform_data.audit_dead_letter_topic.output.name
    max_delivery_attempts = local.audit_max_delivery_attempts
    min_backoff_seconds   = local.audit_min_backoff_seconds
    max_backoff_seconds   = local.audit_max_backoff_seconds
  }
}

output "audit_topic_name" {
  description = "Name of the audit event topic, as auditTopicName in the contract builds it."
  value       = local.audit_topic_name
}

output "audit_dead_letter_topic_name" {
  description = "Topic that receives audit events after the last failed delivery."
  value       = local.audit_dead_letter_name
}

output "audit_topic_principals" {
  description = "Principals granted access to the audit topic, by role."
  value = {
    publishers  = local.audit_producers
    subscribers = local.audit_consumers
  }
}
