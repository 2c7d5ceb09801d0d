"""Lint rules for one task: checkbox, required fields and field values."""

from __future__ import annotations

from spectra_action.plan.models import Task
from spectra_action.plan.sink import FindingSink

RISKS = ("low", "medium", "high")
SCOPES = ("code", "infra", "docs", "config", "multi-repo")
# Field name -> (spelling in the format, first level that requires it).
REQUIRED_FROM: dict[str, tuple[str, int]] = {
    "ac": ("AC", 0),
    "files": ("Files", 0),
    "risk": ("Risk", 1),
    "max_iterations": ("Max-iterations", 1),
    "scope": ("Scope", 2),
    "wiring_proof": ("Wiring-proof", 2),
    "ownership": ("File-ownership", 3),
}
WIRING_KEYS = ("CLI", "Integration")


def lint_task(task: Task, level: int, sink: FindingSink) -> None:
    _checkbox(task, sink)
    for name, (spelling, first_level) in REQUIRED_FROM.items():
        if level >= first_level and name not in task.field_lines:
            _missing(task, spelling, level, sink)
    _verify(task, sink)
    _empty_lists(task, sink)
    _values(task, level, sink)
    if level >= REQUIRED_FROM["wiring_proof"][1]:
        _wiring_keys(task, sink)
    if level >= REQUIRED_FROM["ownership"][1] and task.ownership is not None:
        _ownership_lists(task, sink)


def _missing(task: Task, spelling: str, level: int, sink: FindingSink) -> None:
    sink.error(
        "MISSING_REQUIRED_FIELD",
        task.line,
        f"task {task.id} has no '{spelling}' field, which level {level} "
        f"requires; add '- {spelling}:' to the task",
        task.id,
    )


def _checkbox(task: Task, sink: FindingSink) -> None:
    line = task.field_lines.get("checkbox")
    if line is None:
        sink.error(
            "MISSING_CHECKBOX",
            task.line,
            f"task {task.id} has no checkbox line; add '- [ ] {task.id}: "
            f"{task.title}' under the heading",
            task.id,
        )
        return
    if task.checkbox_id != task.id:
        written = task.checkbox_id or "no id"
        sink.error(
            "CHECKBOX_MISMATCH",
            line,
            f"the checkbox names {written} but the heading is task {task.id}; "
            f"write '{task.id}: {task.title}' after the checkbox",
            task.id,
        )
    elif _squash(task.checkbox_title) != _squash(task.title):
        sink.error(
            "CHECKBOX_MISMATCH",
            line,
            f"the checkbox title {task.checkbox_title!r} differs from the "
            f"heading title {task.title!r}; make them the same",
            task.id,
        )


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _verify(task: Task, sink: FindingSink) -> None:
    line = task.field_lines.get("verify")
    if line is None:
        sink.error(
            "MISSING_VERIFY",
            task.line,
            f"task {task.id} has no 'Verify' field; add '- Verify: `command`' "
            "with a command that exits 0 when the task is done",
            task.id,
        )
    elif not task.verify_quoted:
        raw = task.raw_fields.get("verify", "").strip()
        sink.error(
            "VERIFY_NOT_QUOTED",
            line,
            f"the Verify value {raw[:80]!r} is not one command in backticks; "
            f"write it as `{raw.strip('`') or 'command'}`",
            task.id,
        )
    elif not task.verify:
        sink.error(
            "MISSING_VERIFY",
            line,
            f"the Verify command of task {task.id} is empty; put the command "
            "between the backticks",
            task.id,
        )


def _empty_lists(task: Task, sink: FindingSink) -> None:
    if "ac" in task.field_lines and not task.ac:
        sink.error(
            "EMPTY_FIELD",
            task.field_lines["ac"],
            f"the AC of task {task.id} has no criteria; add indented "
            "'- criterion' lines under it",
            task.id,
        )
    if "files" in task.field_lines and not task.files:
        sink.error(
            "EMPTY_FIELD",
            task.field_lines["files"],
            f"the Files list of task {task.id} is empty; list the paths the "
            "task changes, separated by commas",
            task.id,
        )


def _values(task: Task, level: int, sink: FindingSink) -> None:
    checks = (
        ("risk", "Risk", task.risk is None, "one of " + ", ".join(RISKS)),
        ("scope", "Scope", task.scope is None, "one of " + ", ".join(SCOPES)),
        (
            "max_iterations",
            "Max-iterations",
            task.max_iterations is None,
            "a whole number of attempts, 1 or more",
        ),
    )
    for name, spelling, invalid, expected in checks:
        line = task.field_lines.get(name)
        if line is None or not invalid:
            continue
        raw = task.raw_fields.get(name, "").strip()
        message = (
            f"the {spelling} value {raw!r} of task {task.id} is invalid; "
            f"write {expected}"
        )
        if level >= REQUIRED_FROM[name][1]:
            sink.error("INVALID_FIELD", line, message, task.id)
        else:
            sink.warning("INVALID_FIELD", line, message, task.id)


def _wiring_keys(task: Task, sink: FindingSink) -> None:
    proof = task.wiring_proof
    if proof is None:
        return
    keys = {key.lower(): value for key, value in proof.items()}
    for key in WIRING_KEYS:
        if keys.get(key.lower()):
            continue
        sink.error(
            "MISSING_REQUIRED_FIELD",
            task.field_lines["wiring_proof"],
            f"the Wiring-proof of task {task.id} has no '{key}:' entry; add "
            f"'  - {key}: ...' under it",
            task.id,
        )


def _ownership_lists(task: Task, sink: FindingSink) -> None:
    line = task.field_lines["ownership"]
    if "ownership.owns" not in task.field_lines:
        sink.error(
            "MISSING_REQUIRED_FIELD",
            line,
            f"the File-ownership of task {task.id} has no 'owns:' list; add "
            "'  - owns: [paths]' (or '[]')",
            task.id,
        )
    if "ownership.touches" not in task.field_lines:
        sink.warning(
            "MISSING_TOUCHES",
            line,
            f"the File-ownership of task {task.id} has no 'touches:' list; add "
            "'  - touches: []' when the task shares no files",
            task.id,
        )
    if "ownership.reads" not in task.field_lines:
        sink.warning(
            "MISSING_READS",
            line,
            f"the File-ownership of task {task.id} has no 'reads:' list; add "
            "'  - reads: []' when the task reads no other files",
            task.id,
        )
