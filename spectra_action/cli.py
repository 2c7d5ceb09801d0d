"""The ``spectra-action`` command: the action entrypoint, ``check`` and ``lint``.

Exit codes: 0 the gate passes, 1 it fails, 2 the plan or the configuration
cannot be used, 3 an unexpected error. Exit code 3 means a bug, so the
traceback is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from spectra_action import __version__, lint_command, tokens
from spectra_action.changes import default_base
from spectra_action.config import DEFAULT_CONFIG_PATH, parse_duration
from spectra_action.errors import ConfigError, GitError, SpectraError
from spectra_action.pipeline import GateRequest, UnusablePlanError, error_view, run_gate
from spectra_action.plan import Finding
from spectra_action.redact import Redactor
from spectra_action.report import render_comment, render_text
from spectra_action.results_json import gate_document
from spectra_action.runner import RunSettings

logger = logging.getLogger("spectra_action")


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("spectra-action: %(levelname)s: %(message)s")
    )
    root = logging.getLogger("spectra_action")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        stderr = result.stderr.strip()
        if "dubious ownership" in stderr:
            hint = (
                f"another user owns {repo}; run `git config --global --add "
                f"safe.directory {repo}` if you trust it"
            )
        else:
            hint = "pass --repo with the path of a git checkout"
        raise GitError(f"`git {' '.join(args)}` failed in {repo}: {stderr}; {hint}")
    return result.stdout.strip()


def _resolve(repo: Path, ref: str, option: str) -> str:
    """Return the commit SHA ``ref`` names; GitError naming the option if none."""
    try:
        return _git(
            repo, "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"
        )
    except GitError:
        raise GitError(
            f"{option} {ref!r} is not a branch, tag or commit of {repo}; pass "
            "one that exists, such as main, origin/main or a commit SHA"
        ) from None


@contextlib.contextmanager
def checkout_of(repo: Path, head: str) -> Iterator[tuple[Path, str]]:
    """Yield a directory with ``head`` checked out and the head's SHA.

    When ``head`` is what the work tree has checked out, the work tree itself
    is used, uncommitted edits included. Otherwise a temporary worktree is
    made, so the verify commands see exactly the head commit's files.
    """
    head_sha = _resolve(repo, head, "--head")
    current = _git(repo, "rev-parse", "HEAD")
    if head_sha == current:
        yield repo, head_sha
        return
    with tempfile.TemporaryDirectory(prefix="spectra-head-") as scratch:
        tree = Path(scratch) / "tree"
        _git(repo, "worktree", "add", "--detach", str(tree), head_sha)
        logger.info("Checked out %s in a temporary worktree at %s.", head, tree)
        try:
            yield tree, head_sha
        finally:
            _git(repo, "worktree", "remove", "--force", str(tree))


def _check(args: argparse.Namespace) -> int:
    try:
        return _run_check(args)
    except SpectraError as error:
        if args.format != "json":
            raise
        logger.error("%s", error)
        print(json.dumps({"schema_version": 1, "result": "error", "error": str(error)}))
        return error.exit_code


def _run_check(args: argparse.Namespace) -> int:
    repo = Path(args.repo).resolve()
    top = Path(_git(repo, "rev-parse", "--show-toplevel"))
    if args.config != DEFAULT_CONFIG_PATH and not (top / args.config).is_file():
        raise ConfigError(
            f"--config {args.config} was not found in {top}; pass an existing "
            "file, or leave --config out to use .github/spectra.yml or the defaults"
        )
    base = args.base or default_base(top)
    settings = RunSettings(
        max_parallel=args.max_parallel or (os.cpu_count() or 1),
        timeout=parse_duration(args.task_timeout, name="--task-timeout"),
        results_dir=Path(args.results_dir).resolve() if args.results_dir else None,
        stream=args.stream,
    )
    forced = None
    if args.tasks:
        words = args.tasks.replace(",", " ").split()
        forced = [word.zfill(3) if word.isdigit() else word.lower() for word in words]
    with checkout_of(top, args.head) as (tree, head_sha):
        base_sha = _resolve(top, base, "--base")
        request = GateRequest(
            repo_root=tree,
            head=head_sha,
            base=base_sha,
            plan_path=args.plan,
            config_path=args.config,
            change_source="git",
            forced=forced,
            run_dependents=not args.no_dependents,
            settings=settings,
            redactor=Redactor(os.environ),
        )
        try:
            gate = run_gate(request)
        except UnusablePlanError as error:
            _print_error(args, str(error), error.findings)
            return 2
    if args.format == "json":
        print(json.dumps(gate_document(gate), indent=2))
    elif args.format == "text":
        redactor = request.redactor or Redactor(os.environ)
        sys.stdout.write(redactor.redact(render_text(gate.view)))
    else:
        redactor = request.redactor or Redactor(os.environ)
        sys.stdout.write(render_comment(gate.view, redact=redactor.redact))
    return gate.exit_code


def _print_error(
    args: argparse.Namespace, message: str, findings: Sequence[Finding]
) -> None:
    view = error_view(message, findings)
    if args.format == "text":
        sys.stdout.write(render_text(view))
    elif args.format == "json":
        print(
            json.dumps(
                {"schema_version": 1, "result": "error", "error": message}, indent=2
            )
        )
    else:
        sys.stdout.write(render_comment(view))


def _parallel_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"invalid --max-parallel {text!r}: use a whole number of 1 or more"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spectra-action",
        description=(
            "Hold pull requests to a SPECTRA plan. Without a command, run as the "
            "GitHub Action, reading GITHUB_* and INPUT_* variables."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug messages"
    )
    commands = parser.add_subparsers(dest="command")
    check = commands.add_parser(
        "check",
        help="run the gate on a local checkout and print the checklist comment",
        description="Run the gate on a local git checkout, without GitHub.",
    )
    check.add_argument(
        "--repo", default=".", help="path of the git checkout (default: .)"
    )
    check.add_argument(
        "--base",
        help=(
            "base commit or ref "
            "(default: the merge base with the remote's default branch)"
        ),
    )
    check.add_argument(
        "--head", default="HEAD", help="head commit or ref (default: HEAD)"
    )
    check.add_argument(
        "--plan",
        default=".spectra/plan.md",
        help="plan path in the repository (default: .spectra/plan.md)",
    )
    check.add_argument(
        "--config",
        default=".github/spectra.yml",
        help=(
            "configuration file in the repository (default: .github/spectra.yml; "
            "a file named here must exist)"
        ),
    )
    check.add_argument(
        "--format",
        choices=("markdown", "text", "json"),
        default="markdown",
        help=(
            "markdown: the checklist comment (the default); text: a plain "
            "report for a terminal; json: the document in docs/json-output.md"
        ),
    )
    check.add_argument(
        "--tasks", help="run these task ids (or all) instead of the automatic selection"
    )
    check.add_argument(
        "--task-timeout",
        default="20m",
        help="limit per verify command: seconds or 90s, 20m, 1h (default: 20m)",
    )
    # SUPPRESS keeps the subcommand's default from resetting a -v given
    # before the subcommand.
    check.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log debug messages",
    )
    check.add_argument(
        "--max-parallel",
        type=_parallel_count,
        default=0,
        help="verify commands at once (default: CPUs)",
    )
    check.add_argument(
        "--no-dependents",
        action="store_true",
        help="do not select tasks that depend on affected ones",
    )
    check.add_argument(
        "--results-dir", help="write one full log per task into this directory"
    )
    check.add_argument(
        "--stream",
        action="store_true",
        help="print verify output to stderr while it runs",
    )
    lint = commands.add_parser(
        "lint",
        help="validate a plan and print its findings",
        description="Validate a SPECTRA plan and print every finding.",
    )
    lint_command.add_arguments(lint)
    commands.add_parser("action", help="run as the GitHub Action (the default)")
    return parser


def _terminate(signum: int, frame: object) -> None:
    # Unwinding stops the running verify commands, whose process groups the
    # runner kills on the way out, and ends a pending status.
    logger.warning("Stopping: received signal %d.", signum)
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose or os.environ.get("RUNNER_DEBUG") == "1")
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "lint":
            return lint_command.main(args)
        from spectra_action.action import run_action

        if tokens.needs_reexec(os.environ):
            tokens.reexec_without_secrets(list(argv or sys.argv[1:]))
        env = dict(os.environ)
        tokens.take_token(env)
        return run_action(env)
    except SpectraError as error:
        logger.error("%s", error)
        return error.exit_code


def entrypoint() -> int:
    """Console-script entry: ``main`` with a last guard for bugs."""
    try:
        return main()
    except KeyboardInterrupt:
        return 130
    except Exception:
        traceback.print_exc()
        print(
            "spectra-action: error: unexpected failure (a bug in spectra-action); "
            "please report it with the traceback above",
            file=sys.stderr,
        )
        return 3
