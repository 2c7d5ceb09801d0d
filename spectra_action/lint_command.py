"""The ``spectra-action lint`` command: validate a plan and print findings.

Exit codes: 0 when the plan has no error findings, 1 when it has some, and
2 when the plan file cannot be read or is not a plan.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from spectra_action.errors import PlanError
from spectra_action.plan import Finding, Plan, load_plan

log = logging.getLogger("spectra_action.lint")

DEFAULT_PLAN = ".spectra/plan.md"
SCHEMA_VERSION = 1
FORMATS = ("text", "json", "github")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "plan",
        nargs="?",
        default=DEFAULT_PLAN,
        help=(
            "plan file; a relative path is looked up from the current folder, "
            f"then from the repository root or --repo (default: {DEFAULT_PLAN})"
        ),
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: path:line: CODE severity: message; json: one document; github: "
        "workflow commands that become annotations (default: text)",
    )
    parser.add_argument(
        "--repo",
        help="repository root that contains .spectra/project.yaml (default: the "
        "directory above the plan's .spectra/ folder, else the current one)",
    )


def main(args: argparse.Namespace) -> int:
    plan_arg = Path(args.plan)
    if args.repo and not plan_arg.is_absolute():
        plan_arg = Path(args.repo) / plan_arg
    if not args.repo and not plan_arg.is_absolute() and not plan_arg.exists():
        # Like check, a relative plan path means one from the repository's
        # root, so lint works from any folder of the checkout.
        top = _repository_root(Path.cwd())
        if top is not None and (top / plan_arg).exists():
            plan_arg = top / plan_arg
    root = Path(args.repo) if args.repo else _guess_root(plan_arg)
    relative = os.path.relpath(plan_arg.absolute(), root.absolute())
    try:
        plan = load_plan(root, relative)
    except PlanError as error:
        log.error("%s", error)
        if args.format == "json":
            _print_json({"schema_version": SCHEMA_VERSION, "error": str(error)})
        elif args.format == "github":
            print(
                f"::error file={escape_property(error.path)}::{escape_data(str(error))}"
            )
        return error.exit_code
    if args.format == "json":
        _print_json(plan_document(plan))
    elif args.format == "github":
        for command in format_github_annotations(plan.findings):
            print(command)
    else:
        for line in format_text(plan):
            print(line)
    return 1 if plan.errors else 0


def _guess_root(plan: Path) -> Path:
    """Return the folder the plan's paths are relative to: the parent of its
    ``.spectra`` folder, else the repository that contains it, else the current
    folder when the plan is inside it, else the plan's own folder."""
    absolute = plan.absolute()
    if absolute.parent.name == ".spectra":
        return absolute.parent.parent
    repository = _repository_root(absolute.parent)
    if repository is not None:
        return repository
    if absolute.is_relative_to(Path.cwd()):
        return Path.cwd()
    return absolute.parent


def _repository_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _print_json(document: dict[str, object]) -> None:
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


def plan_document(plan: Plan) -> dict[str, object]:
    """Return the ``--format json`` document for ``plan``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "path": plan.path,
        "level": plan.level,
        "level_source": plan.level_source,
        "sha256": plan.sha256,
        "tasks": len(plan.tasks),
        "errors": len(plan.errors),
        "warnings": len(plan.warnings),
        "findings": [finding.model_dump(mode="json") for finding in plan.findings],
    }


def format_text(plan: Plan) -> list[str]:
    """Return one ``path:line: CODE severity: message`` line per finding,
    then a summary line."""
    lines = [
        f"{f.path}:{f.line}: {f.code} {f.severity.value}: {f.message}"
        for f in plan.findings
    ]
    lines.append(
        f"{plan.path}: {_count(len(plan.errors), 'error')}, "
        f"{_count(len(plan.warnings), 'warning')} in "
        f"{_count(len(plan.tasks), 'task')} (level {plan.level} from "
        f"{plan.level_source})"
    )
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def escape_data(text: str) -> str:
    """Escape a workflow command message as the Actions toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github_annotations(findings: Iterable[Finding]) -> list[str]:
    """Return one ``::error`` or ``::warning`` workflow command per finding."""
    commands: list[str] = []
    for finding in findings:
        properties = ",".join(
            f"{name}={escape_property(value)}"
            for name, value in (
                ("file", finding.path),
                ("line", str(finding.line)),
                ("title", finding.code),
            )
        )
        message = escape_data(finding.message)
        commands.append(f"::{finding.severity.value} {properties}::{message}")
    return commands
