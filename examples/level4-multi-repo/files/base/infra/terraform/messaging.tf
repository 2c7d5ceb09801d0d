# The audit event topic and the principals allowed to use it.
#
# terraform_data replaces a cloud provider's topic and IAM resources, so
# the plan shows the same shape (names, labels, grants) without credentials.

locals {
  audit_topic_name = "audit-events-${var.environment}"

  audit_producers = ["payments-service"]
  audit_consumers = ["audit-indexer"]
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
    topic     = terraform_data.audit_topic.output.name
    principal = each.key
    role      = "subscriber"
  }
}

output "audit_topic_name" {
  description = "Name of the audit event topic, as auditTopicName in the contract builds it."
  value       = local.audit_topic_name
}

output "audit_topic_principals" {
  description = "Principals granted access to the audit topic, by role."
  value = {
    publishers  = local.audit_producers
    subscribers = local.audit_consumers
  }
}
