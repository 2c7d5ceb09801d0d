"""Action inputs, read from the ``INPUT_*`` variables the runner sets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel

from spectra_action.config import parse_duration
from spectra_action.errors import ConfigError

Mode = Literal["run", "plan", "verify", "report"]
ChangedFilesSource = Literal["auto", "git", "api"]
ReportMode = Literal["status", "check-run", "both", "none"]
TaskStatuses = Literal["auto", "all", "selected", "none"]
Permission = Literal["admin", "write"]


def get_input(env: Mapping[str, str], name: str, default: str = "") -> str:
    """Return an input's value, trimmed like the Actions toolkit does.

    The runner keeps hyphens (``INPUT_PLAN-PATH``); a workflow that sets the
    variable itself often writes underscores, so both spellings are read.
    """
    upper = name.upper()
    for key in (f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"):
        value = env.get(key)
        if value is not None and value.strip():
            return value.strip()
    return default


def _choice(
    env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]
) -> str:
    value = get_input(env, name, default).lower()
    if value not in allowed:
        raise ConfigError(
            f"invalid input {name} {value!r}: use one of {', '.join(allowed)}"
        )
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = get_input(env, name)
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigError(
            f"invalid input {name} {raw!r}: use a whole number of 1 or more"
        )
    return number


def _boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = get_input(env, name).lower()
    if not raw:
        return default
    if raw in ("true", "yes", "1", "on"):
        return True
    if raw in ("false", "no", "0", "off"):
        return False
    raise ConfigError(f"invalid input {name} {raw!r}: use true or false")


class ActionInputs(BaseModel):
    """Every input ``action.yml`` declares, validated."""

    token: str = ""
    plan_path: str = ".spectra/plan.md"
    config_path: str = ".github/spectra.yml"
    mode: Mode = "run"
    tasks: str = ""
    max_parallel: int = os.cpu_count() or 1
    task_timeout: float = 1200.0
    run_dependents: bool = True
    changed_files: ChangedFilesSource = "auto"
    report: ReportMode = "status"
    task_statuses: TaskStatuses = "auto"
    template_path: str = ""
    summary_template_path: str = ""
    results_dir: str = ""
    max_jobs: int = 16
    required_permission: Permission = "write"
    tail_lines: int = 200
    tail_bytes: int = 32768


def read_inputs(env: Mapping[str, str]) -> ActionInputs:
    """Read and validate the action's inputs; raise ConfigError naming a bad one."""
    timeout = get_input(env, "task-timeout", "20m")
    return ActionInputs(
        token=get_input(env, "token") or env.get("GITHUB_TOKEN", ""),
        plan_path=get_input(env, "plan-path", ".spectra/plan.md"),
        config_path=get_input(env, "config-path", ".github/spectra.yml"),
        mode=_choice(env, "mode", "run", ("run", "plan", "verify", "report")),
        tasks=get_input(env, "tasks"),
        max_parallel=_positive_int(env, "max-parallel", os.cpu_count() or 1),
        task_timeout=parse_duration(timeout, name="task-timeout"),
        run_dependents=_boolean(env, "run-dependents", True),
        changed_files=_choice(env, "changed-files", "auto", ("auto", "git", "api")),
        report=_choice(
            env, "report", "status", ("status", "check-run", "both", "none")
        ),
        task_statuses=_choice(
            env, "task-statuses", "auto", ("auto", "all", "selected", "none")
        ),
        template_path=get_input(env, "template-path"),
        summary_template_path=get_input(env, "summary-template-path"),
        results_dir=get_input(env, "results-dir"),
        max_jobs=_positive_int(env, "max-jobs", 16),
        required_permission=_choice(
            env, "required-permission", "write", ("admin", "write")
        ),
        tail_lines=_positive_int(env, "tail-lines", 200),
        tail_bytes=_positive_int(env, "tail-bytes", 32768),
    )
