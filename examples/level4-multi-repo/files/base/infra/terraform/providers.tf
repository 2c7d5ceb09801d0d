# Terraform settings for the messaging stack.
#
# This example declares no provider plugins: every resource is a
# terraform_data resource, which is built into Terraform (1.4 and later).
# So `terraform init` downloads nothing, and validate and plan need no
# registry or cloud credentials.

terraform {
  required_version = ">= 1.4.0"
}

variable "environment" {
  description = "Deployment environment that receives the audit topic."
  type        = string
  default     = "staging"

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "The environment must be \"staging\" or \"production\"."
  }
}

locals {
  region = "eu-west-1"

  common_labels = {
    environment = var.environment
    managed_by  = "terraform"
    team        = "payments-platform"
  }
}
