# Root Terraform module of the repository.
#
# Verify commands run at the repository root, so `terraform validate` and
# `terraform plan` read this file, which includes the messaging stack from
# infra/terraform. A local module needs one `terraform init` to be recorded
# in .terraform/, but it downloads nothing because no provider is declared.

variable "environment" {
  description = "Deployment environment: staging or production."
  type        = string
  default     = "staging"
}

module "messaging" {
  source = "./infra/terraform"

  environment = var.environment
}

output "messaging" {
  description = "Every output of the messaging stack."
  value       = module.messaging
}
