#!/usr/bin/env bash
# Run spectra-action check on the example's pull-request branch, building the
# example first when TARGET_DIR contains no build of it.
#
# Usage: run.sh [TARGET_DIR] [-- CHECK_OPTIONS...]
#
# The check runs with the example's Node tools on PATH, because the verify
# commands call pnpm and markdownlint. Set SPECTRA_ACTION to choose the
# spectra-action executable. Without it, run.sh uses the project's .venv and
# then PATH.
# The exit code is the check's own.
set -euo pipefail

# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

fail() {
    echo "run.sh: error: $*" >&2
    exit 1
}

find_spectra_action() {
    if [[ -n "${SPECTRA_ACTION:-}" ]]; then
        echo "$SPECTRA_ACTION"
    elif [[ -x "$PROJECT_ROOT/.venv/bin/spectra-action" ]]; then
        echo "$PROJECT_ROOT/.venv/bin/spectra-action"
    elif command -v spectra-action >/dev/null; then
        command -v spectra-action
    else
        fail "spectra-action not found; run 'pip install -e .' in $PROJECT_ROOT" \
            "or set SPECTRA_ACTION to the executable"
    fi
}

is_built() {
    local target=$1
    [[ -f "$target/.git/spectra-example-build" ]] &&
        git -C "$target" rev-parse --quiet --verify "refs/heads/$PR_BRANCH" >/dev/null &&
        [[ -x "$TOOLS_BIN/pnpm" && -x "$TOOLS_BIN/markdownlint" ]]
}

main() {
    local target=$DEFAULT_TARGET_DIR
    if [[ $# -gt 0 && "$1" != "--" ]]; then
        target=$1
        shift
    fi
    if [[ "${1:-}" == "--" ]]; then
        shift
    fi

    local spectra_action
    spectra_action=$(find_spectra_action)

    if ! is_built "$target"; then
        # Build output goes to stderr, so stdout carries only the check.
        "$EXAMPLE_DIR/build.sh" "$target" >&2
    fi
    target=$(cd "$target" && pwd)

    export PATH="$TOOLS_BIN:$PATH"
    exec "$spectra_action" check --base main --head "$PR_BRANCH" --repo "$target" "$@"
}

main "$@"
