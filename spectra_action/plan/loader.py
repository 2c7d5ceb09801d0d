"""Read a plan from a checkout, pick its level, then parse and lint it."""

from __future__ import annotations

import logging
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from spectra_action.errors import PlanError
from spectra_action.plan.lint import lint_plan
from spectra_action.plan.models import Finding, Plan, Severity
from spectra_action.plan.parser import MAX_LEVEL, parse_plan

log = logging.getLogger("spectra_action.plan")

MAX_PLAN_BYTES = 5 * 1024 * 1024
PROJECT_YAML = ".spectra/project.yaml"


def parse_plan_text(text: str, path: str, *, level: int | None = None) -> Plan:
    """Parse and lint plan text without touching the file system.

    Used for a plan read from git (the base commit's version), where there
    is no file to open.
    """
    plan = parse_plan(text, path, level=level)
    _add_findings(plan, lint_plan(plan))
    return plan


def load_plan(
    repo_root: Path, plan_path: str, *, project_yaml: str = PROJECT_YAML
) -> Plan:
    """Read ``plan_path`` under ``repo_root``, parse it and lint it.

    The level comes from ``project_yaml`` (``level:``) when that file sets
    it, else from the plan's ``## Level:`` line, else it is 1. Raises
    PlanError when the file is missing, outside the checkout, larger than
    MAX_PLAN_BYTES, not UTF-8 or not a SPECTRA plan at all.
    """
    data = _read_plan_bytes(repo_root, plan_path)
    text = _decode(data, plan_path)
    level, findings = read_project_level(repo_root, project_yaml)
    source = project_yaml if level is not None else None
    plan = parse_plan(text, plan_path, level=level, level_source=source)
    if not plan.tasks and "spectra" not in (plan.title or "").lower():
        raise PlanError(
            "the file is not a SPECTRA plan: it has no '## Task NNN: Title' "
            "heading and no '# SPECTRA Execution Plan' title; set the plan "
            "path to the plan file",
            path=plan_path,
        )
    _add_findings(plan, findings + lint_plan(plan))
    log.debug(
        "Loaded plan %s: level %s from %s, %s tasks, %s findings",
        plan_path,
        plan.level,
        plan.level_source,
        len(plan.tasks),
        len(plan.findings),
    )
    return plan


def _add_findings(plan: Plan, findings: list[Finding]) -> None:
    merged = [*plan.findings, *findings]
    merged.sort(key=lambda finding: (finding.path != plan.path, finding.line))
    plan.findings = merged


def _resolve_inside(repo_root: Path, relative: str, label: str) -> Path:
    root = repo_root.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise PlanError(
            f"the {label} resolves to {target}, outside the checkout {root}; "
            "use a path inside the repository (and no symlink that leaves it)",
            path=relative,
        )
    return target


def _read_plan_bytes(repo_root: Path, plan_path: str) -> bytes:
    target = _resolve_inside(repo_root, plan_path, "plan path")
    if not target.is_file():
        if target.is_dir():
            problem = "is a directory"
            fix = "point"
        else:
            problem = "was not found"
            fix = "create it, or point"
        raise PlanError(
            f"the plan file {problem}; {fix} the action's plan-path input, "
            "check's --plan option or lint's PLAN argument at the plan file",
            path=plan_path,
        )
    try:
        with target.open("rb") as handle:
            data = handle.read(MAX_PLAN_BYTES + 1)
    except OSError as error:
        raise PlanError(
            f"the plan file cannot be read ({error.strerror}); check its permissions",
            path=plan_path,
        ) from error
    if len(data) > MAX_PLAN_BYTES:
        raise PlanError(
            f"the plan file is larger than {MAX_PLAN_BYTES // (1024 * 1024)} MB; "
            "a plan should be far smaller, so check that the path names the plan",
            path=plan_path,
        )
    return data


def _decode(data: bytes, plan_path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PlanError(
            f"the plan is not valid UTF-8 (byte 0x{data[error.start]:02x} at "
            f"offset {error.start}); save the file as UTF-8",
            path=plan_path,
            line=line,
        ) from error


def read_project_level(
    repo_root: Path, project_yaml: str
) -> tuple[int | None, list[Finding]]:
    """Return the ``level:`` of the project file, if set, and its findings.

    A missing file or key gives ``(None, [])``. Broken YAML or an invalid
    level gives None and an error finding that names line and column, so
    the gate fails but the plan is still linted with the plan's own level.
    """
    target = _resolve_inside(repo_root, project_yaml, "project file")
    if not target.is_file():
        return None, []
    try:
        document = YAML(typ="rt").load(target.read_text(encoding="utf-8"))
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or "invalid YAML"
        return None, [
            _project_error(
                project_yaml,
                line,
                f"the project file is not valid YAML at line {line}, column "
                f"{column} ({problem}); fix the YAML",
            )
        ]
    except (OSError, UnicodeDecodeError) as error:
        return None, [
            _project_error(
                project_yaml, 1, f"the project file cannot be read ({error})"
            )
        ]
    return _level_from(document, project_yaml)


def _level_from(
    document: object, project_yaml: str
) -> tuple[int | None, list[Finding]]:
    if document is None:
        return None, []
    if not isinstance(document, dict):
        return None, [
            _project_error(
                project_yaml,
                1,
                "the project file is not a YAML mapping; write 'level: N' at "
                "the top level",
            )
        ]
    if "level" not in document:
        return None, []
    value = document["level"]
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= MAX_LEVEL
    ):
        return value, []
    line = 1
    position = getattr(document, "lc", None)
    if position is not None:
        line = position.key("level")[0] + 1
    return None, [
        _project_error(
            project_yaml,
            line,
            f"the project level {value!r} is not a whole number from 0 to "
            f"{MAX_LEVEL}; write 'level: N'",
        )
    ]


def _project_error(path: str, line: int, message: str) -> Finding:
    return Finding(
        code="INVALID_PROJECT_FILE",
        severity=Severity.ERROR,
        path=path,
        line=line,
        message=message,
    )
