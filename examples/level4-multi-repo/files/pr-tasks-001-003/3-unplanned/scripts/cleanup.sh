#!/usr/bin/env bash
# Remove local build output: Terraform working files and installed packages.
set -euo pipefail

cd "$(dirname "$0")/.."
rm -rf infra/terraform/.terraform
find . -name node_modules -type d -prune -exec rm -rf {} +
echo "removed Terraform working files and node_modules"
