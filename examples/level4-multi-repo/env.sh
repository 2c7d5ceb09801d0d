# Settings shared by build.sh and run.sh. Source it from bash, do not run it.
#
# The Node tools that the verify commands call (pnpm, markdownlint) come from
# the npm registry at the exact versions in tools/package-lock.json. They are
# installed once into a cache directory named after a hash of that lock file,
# so a later build reuses them and needs no network.

EXAMPLE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_ROOT=$(cd "$EXAMPLE_DIR/../.." && pwd)

DEFAULT_TARGET_DIR="$EXAMPLE_DIR/build/repo"
PR_BRANCH="pr/tasks-001-003"
# Overlays for the PR branch, one directory per commit, applied in name order.
PR_FILES_DIR="$EXAMPLE_DIR/files/pr-tasks-001-003"

# The cache is shared with the project's tests and CI, so the npm tools are
# downloaded once. SPECTRA_EXAMPLE_CACHE moves it.
CACHE_DIR=${SPECTRA_EXAMPLE_CACHE:-"$PROJECT_ROOT/.cache/example-tools"}
TOOLS_LOCK="$EXAMPLE_DIR/tools/package-lock.json"
TOOLS_KEY=$(sha256sum "$TOOLS_LOCK" | cut -c1-16)
TOOLS_DIR="$CACHE_DIR/tools/$TOOLS_KEY"
TOOLS_BIN="$TOOLS_DIR/node_modules/.bin"
NPM_CACHE_DIR="$CACHE_DIR/npm-cache"
PNPM_STORE_DIR="$CACHE_DIR/pnpm-store"
PNPM_CACHE_DIR="$CACHE_DIR/pnpm-cache"

# Without these, Terraform sends a version check to checkpoint-api.hashicorp.com
# and npm and pnpm query the registry for newer releases of themselves.
export CHECKPOINT_DISABLE=1
export npm_config_update_notifier=false
