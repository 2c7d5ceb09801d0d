#!/usr/bin/env bash
# Build the level-4 example: a git repository that follows plan.md, with a
# pull-request branch that changes the files of tasks 001 and 003 plus one
# file that no task declares.
#
# Usage: build.sh [TARGET_DIR]    (default: build/repo next to this script)
#
# Needs git, node and npm, and terraform for task 001. The first run downloads
# pnpm, markdownlint-cli and tsx from the npm registry into the cache (see
# env.sh), and later runs reuse it.
set -euo pipefail

# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

BUILD_MARKER=spectra-example-build

# Fixed identity, dates and no user git configuration, so every build makes
# the same commit ids.
export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Example Agent"
export GIT_AUTHOR_EMAIL="agent@example.invalid"
export GIT_COMMITTER_NAME="Example Agent"
export GIT_COMMITTER_EMAIL="agent@example.invalid"

usage() {
    sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

fail() {
    echo "build.sh: error: $*" >&2
    exit 1
}

step() {
    echo "==> $*"
}

require_commands() {
    local name
    for name in "$@"; do
        command -v "$name" >/dev/null || fail "$name not found on PATH; install it and run again"
    done
}

# Print TARGET as an absolute path, creating its parent directory.
absolute_path() {
    local parent
    parent=$(dirname "$1")
    mkdir -p "$parent"
    echo "$(cd "$parent" && pwd)/$(basename "$1")"
}

install_tools() {
    if [[ -x "$TOOLS_BIN/pnpm" && -x "$TOOLS_BIN/markdownlint" ]]; then
        step "Reusing Node tools in $TOOLS_DIR"
        return
    fi
    step "Installing Node tools into $TOOLS_DIR"
    mkdir -p "$CACHE_DIR/tools"
    local staging
    staging=$(mktemp -d "$CACHE_DIR/tools/.install.XXXXXX")
    cp "$EXAMPLE_DIR/tools/package.json" "$TOOLS_LOCK" "$staging/"
    if ! (cd "$staging" && npm ci --cache "$NPM_CACHE_DIR" --prefer-offline \
        --no-audit --no-fund --loglevel=error); then
        rm -rf "$staging"
        fail "npm ci failed for $EXAMPLE_DIR/tools; check access to the npm registry"
    fi
    # Installing into a staging directory and renaming it means an
    # interrupted install never leaves a half-filled tools directory behind.
    # When a parallel build renamed its copy first, that copy is kept.
    if ! mv -T "$staging" "$TOOLS_DIR" 2>/dev/null; then
        rm -rf "$staging"
        [[ -x "$TOOLS_BIN/pnpm" ]] || fail "could not move the tools into $TOOLS_DIR"
    fi
}

# Remove TARGET only when it is empty or a repository that this script built.
prepare_target() {
    local target=$1
    if [[ -e "$target" ]]; then
        if [[ -f "$target/.git/$BUILD_MARKER" ]] || [[ -d "$target" && -z "$(ls -A "$target")" ]]; then
            rm -rf "$target"
        else
            fail "$target exists and was not made by build.sh; remove it or pass another TARGET_DIR"
        fi
    fi
    mkdir -p "$target"
    git -C "$target" init --quiet --initial-branch=main
    touch "$target/.git/$BUILD_MARKER"
}

# Commit everything in the work tree with a fixed date (ISO 8601, UTC).
commit_all() {
    local target=$1 date=$2 subject=$3 body=$4
    git -C "$target" add --all
    GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
        git -C "$target" commit --quiet --no-verify -m "$subject" -m "$body"
}

build_main() {
    local target=$1
    step "Committing the plan and the base content on main"
    cp -R "$EXAMPLE_DIR/files/base/." "$target/"
    mkdir -p "$target/.spectra"
    cp "$EXAMPLE_DIR/plan.md" "$target/.spectra/plan.md"
    commit_all "$target" "2026-02-10T09:00:00Z" \
        "Start the payments platform and its SPECTRA plan" \
        "The plan splits the audit event work into three tasks: the topic, the
producer in the payments service and the architecture docs."
}

install_workspace() {
    local target=$1
    step "Installing the pnpm workspace (node_modules is not committed)"
    if ! (cd "$target" && PATH="$TOOLS_BIN:$PATH" pnpm install --frozen-lockfile \
        --prefer-offline --store-dir "$PNPM_STORE_DIR" --cache-dir "$PNPM_CACHE_DIR" \
        --reporter=append-only); then
        fail "pnpm install failed in $target; check access to the npm registry"
    fi
}

# Apply one overlay directory from files/ on the current branch and commit it.
commit_overlay() {
    local target=$1 overlay=$2 date=$3 subject=$4 body=$5
    cp -R "$PR_FILES_DIR/$overlay/." "$target/"
    commit_all "$target" "$date" "$subject" "$body"
}

build_pr_branch() {
    local target=$1
    step "Committing the pull-request branch $PR_BRANCH"
    git -C "$target" switch --quiet --create "$PR_BRANCH"
    commit_overlay "$target" 1-task-001 "2026-02-11T10:00:00Z" \
        "Add a dead-letter topic for audit events" \
        "Task 001: consumers get five delivery attempts with backoff before an
event moves to the dead-letter topic."
    commit_overlay "$target" 2-task-003 "2026-02-11T11:00:00Z" \
        "Document audit topic topology and retries" \
        "Task 003: the architecture page gains the topology and retry rules,
and the runbook gains the alert paths and the dead-letter replay."
    commit_overlay "$target" 3-unplanned "2026-02-11T12:00:00Z" \
        "Add a script that removes local build output" \
        "No task in the plan declares scripts/cleanup.sh, so the check is
expected to flag it."
}

# Record the local module in .terraform/ (ignored by git) so that task 001's
# verify command works. No provider is declared, so this needs no network.
init_terraform() {
    local target=$1
    if ! command -v terraform >/dev/null; then
        echo "build.sh: warning: terraform not found on PATH, so the init step is" \
            "skipped and task 001's verify command will fail; install Terraform" \
            "1.4 or later and build again" >&2
        return
    fi
    step "Initializing the Terraform root module (no backend, no downloads)"
    if ! terraform -chdir="$target" init -backend=false -input=false -no-color >/dev/null; then
        fail "terraform init failed in $target; run it there to see the error"
    fi
}

print_summary() {
    local target=$1
    echo
    echo "Built $target"
    echo "Branches:"
    git -C "$target" log --oneline --decorate main "$PR_BRANCH" | sed 's/^/  /'
    echo "Files changed by $PR_BRANCH (scripts/cleanup.sh is in no task):"
    git -C "$target" diff --name-status "main...$PR_BRANCH" | sed 's/^/  /'
    echo
    echo "The verify commands need the example's tools on PATH:"
    echo "  export PATH=\"$TOOLS_BIN:\$PATH\""
    echo "Run the check with:"
    echo "  $EXAMPLE_DIR/run.sh $target"
    echo "which runs, with that PATH:"
    echo "  spectra-action check --base main --head $PR_BRANCH --repo $target"
}

main() {
    if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
        usage
        return 0
    fi
    if [[ $# -gt 1 ]]; then
        usage >&2
        exit 2
    fi
    local target
    target=$(absolute_path "${1:-$DEFAULT_TARGET_DIR}")

    require_commands git node npm
    install_tools
    prepare_target "$target"
    build_main "$target"
    install_workspace "$target"
    init_terraform "$target"
    build_pr_branch "$target"
    print_summary "$target"
}

main "$@"
