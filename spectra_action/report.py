"""Turn a run's results into the checklist comment, the job summary and
commit status descriptions.

The view model is plain data; the Markdown comes from Jinja2 templates in
``templates/`` (or a team's own template) so the wording can change without
touching the logic here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, Field

from spectra_action import markdown
from spectra_action.plan import CheckboxState, Finding, Plan

logger = logging.getLogger("spectra_action.report")

MARKER = "<!-- spectra-action:checklist -->"
COMMENT_LIMIT = 65536
# The job summary holds up to 1 MiB per step; stay clear of the cap.
SUMMARY_LIMIT = 1024 * 1024 - 4096
STATUS_DESCRIPTION_LIMIT = 140
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


class RowStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    ERROR = "error"
    BLOCKED = "blocked"
    STUCK = "stuck"
    NOT_RUN = "not run"
    COMPLETE = "complete"
    NOT_AFFECTED = "not affected"


FAILING = {
    RowStatus.FAILED,
    RowStatus.TIMED_OUT,
    RowStatus.ERROR,
    RowStatus.BLOCKED,
    RowStatus.STUCK,
    RowStatus.NOT_RUN,
}
ICONS = {
    RowStatus.PASSED: "✅",
    RowStatus.FAILED: "❌",
    RowStatus.TIMED_OUT: "⏱️",
    RowStatus.ERROR: "💥",
    RowStatus.BLOCKED: "⛔",
    RowStatus.STUCK: "🛑",
    RowStatus.NOT_RUN: "❔",
    RowStatus.COMPLETE: "☑️",
    RowStatus.NOT_AFFECTED: "➖",
}


_MERMAID_STYLES = {
    RowStatus.PASSED: "fill:#d4edda,stroke:#28a745",
    RowStatus.FAILED: "fill:#f8d7da,stroke:#dc3545",
    RowStatus.TIMED_OUT: "fill:#f8d7da,stroke:#dc3545",
    RowStatus.ERROR: "fill:#f8d7da,stroke:#dc3545",
    RowStatus.BLOCKED: "fill:#fff3cd,stroke:#ffc107",
    RowStatus.STUCK: "fill:#fff3cd,stroke:#ffc107",
    RowStatus.NOT_RUN: "fill:#fff3cd,stroke:#ffc107",
    RowStatus.COMPLETE: "fill:#e2e3e5,stroke:#6c757d",
    RowStatus.NOT_AFFECTED: "fill:#ffffff,stroke:#6c757d",
}


class TaskRow(BaseModel):
    """One task line of the checklist, in plan order."""

    id: str
    title: str
    checked: bool
    status: RowStatus
    detail: str = ""
    duration: float | None = None
    attempts: int | None = None
    max_iterations: int | None = None
    risk: str | None = None
    selected: bool = False
    rerun: bool = False
    tail: str = ""
    dependencies: list[str] = Field(default_factory=list)

    @property
    def icon(self) -> str:
        return ICONS[self.status]

    @property
    def failing(self) -> bool:
        return self.status in FAILING

    @property
    def ran_and_failed(self) -> bool:
        """Whether the verify command ran and failed, so its output matters."""
        return self.status in (RowStatus.FAILED, RowStatus.TIMED_OUT, RowStatus.ERROR)


class FileRow(BaseModel):
    """One ownership finding: a changed file and the plan's verdict on it."""

    path: str
    previous_path: str | None = None
    verdict: str
    severity: str
    tasks: list[str] = Field(default_factory=list)
    status: str = ""


class ReportView(BaseModel):
    """Everything a template gets. Documented in docs/templates.md."""

    marker: str = MARKER
    result: str
    headline: str
    head_sha: str = ""
    repository: str = ""
    run_url: str | None = None
    summary_url: str | None = None
    plan_path: str = ".spectra/plan.md"
    tasks: list[TaskRow] = Field(default_factory=list)
    files: list[FileRow] = Field(default_factory=list)
    planned_file_count: int = 0
    plan_findings: list[Finding] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    mermaid: str = ""
    state: str = ""
    # Degradation switches, set by render_comment when the comment is too big.
    tail_lines: int | None = None
    collapse_unaffected: bool = False
    max_file_rows: int | None = None
    omitted: list[str] = Field(default_factory=list)

    @property
    def short_sha(self) -> str:
        return self.head_sha[:7]

    @property
    def selected_count(self) -> int:
        return sum(1 for row in self.tasks if row.selected)

    @property
    def failing_tasks(self) -> list[TaskRow]:
        return [row for row in self.tasks if row.selected and row.failing]


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _tail(text: str, lines: int | None) -> str:
    if lines is None:
        return text
    kept = text.splitlines()[-lines:] if lines > 0 else []
    return "\n".join(kept)


def _task_line(row: TaskRow) -> str:
    parts = [f"{row.icon} {row.status.value}"]
    if row.detail:
        parts[0] += f" ({markdown.inline(row.detail)})"
    if row.duration is not None:
        parts.append(format_duration(row.duration))
    if row.attempts and row.max_iterations:
        parts.append(f"attempt {row.attempts} of {row.max_iterations}")
    elif row.attempts:
        parts.append(f"attempt {row.attempts}")
    if row.risk:
        parts.append(f"risk {markdown.inline(row.risk.lower())}")
    return " · ".join(parts)


def mermaid_graph(plan: Plan, rows: Sequence[TaskRow], *, max_nodes: int = 60) -> str:
    """Return a Mermaid flowchart of the selected tasks and their direct
    dependencies, each node styled by its result; "" when nothing is selected.
    """
    by_id = {row.id: row for row in rows}
    nodes: list[str] = [row.id for row in rows if row.selected]
    if not nodes:
        return ""
    for task_id in list(nodes):
        task = plan.task(task_id)
        for dependency in task.dependencies if task else ():
            if dependency not in nodes:
                nodes.append(dependency)
    nodes = nodes[:max_nodes]
    shown = set(nodes)
    lines = ["flowchart LR"]
    for task_id in nodes:
        row = by_id[task_id]
        label = markdown.mermaid_label(f"{task_id}: {row.title[:40]}")
        lines.append(f'  T{task_id}["{label}"]:::{row.status.name.lower()}')
    for task_id in nodes:
        task = plan.task(task_id)
        for dependency in task.dependencies if task else ():
            if dependency in shown:
                lines.append(f"  T{dependency} --> T{task_id}")
    used = {by_id[task_id].status for task_id in nodes}
    lines += [
        f"  classDef {status.name.lower()} {_MERMAID_STYLES[status]}"
        for status in RowStatus
        if status in used
    ]
    return "\n".join(lines)


def _environment(template_dir: Path) -> jinja2.Environment:
    # Sandboxed, because a team's template is repository content: it must not
    # reach os.environ or other Python internals through attribute access.
    environment = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(template_dir), str(TEMPLATES_DIR)]),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["inline"] = markdown.inline
    environment.filters["code"] = markdown.code_span
    environment.filters["table_code"] = markdown.table_code
    environment.filters["fenced"] = markdown.fenced_block
    environment.filters["duration"] = format_duration
    environment.globals["task_line"] = _task_line
    environment.globals["tail"] = _tail
    return environment


def render(view: ReportView, template: str, template_path: str | None = None) -> str:
    """Render ``view`` with the named built-in template or a file of a team's own.

    A custom template that fails to load or render is logged and replaced by
    the built-in one, so a template mistake never loses the report.
    """
    if template_path:
        path = Path(template_path)
        try:
            compiled = _environment(path.parent).get_template(path.name)
            return compiled.render(view=view, tasks=view.tasks, files=view.files)
        # A custom template is user code, so any failure in it falls back.
        except Exception as error:
            logger.error(
                "The template %s failed (%s: %s); using the built-in %s instead.",
                template_path,
                type(error).__name__,
                error,
                template,
            )
    compiled = _environment(TEMPLATES_DIR).get_template(template)
    return compiled.render(view=view, tasks=view.tasks, files=view.files)


def _fits(text: str, limit: int) -> bool:
    # GitHub counts the body limit in characters; UTF-16 code units are the
    # stricter reading, so both must fit.
    return len(text) <= limit and len(text.encode("utf-16-le")) // 2 <= limit


def redact_keeping_marks(
    text: str, redact: Callable[[str], str], state: str = ""
) -> str:
    """Redact ``text`` but leave the marker and the state line as they are.

    A value masked by command output could otherwise match part of either,
    and a comment without its marker or state is a lost comment.
    """
    kept = [mark for mark in (MARKER, state) if mark]
    pieces = [text]
    for mark in kept:
        pieces = [part for piece in pieces for part in _split_keep(piece, mark)]
    return "".join(piece if piece in kept else redact(piece) for piece in pieces)


def _split_keep(text: str, mark: str) -> list[str]:
    parts = text.split(mark)
    joined: list[str] = []
    for index, part in enumerate(parts):
        if index:
            joined.append(mark)
        joined.append(part)
    return joined


def render_comment(
    view: ReportView,
    template_path: str | None = None,
    redact: Callable[[str], str] | None = None,
) -> str:
    """Render the checklist comment, degrading step by step until it fits.

    The steps: shorten output tails, drop them for all but the first failing
    tasks, collapse unaffected tasks into a count, cap the ownership table,
    and finally cut the text. The marker and the state always stay.
    ``redact`` runs on each attempt before its size is checked, because
    redaction can make a text longer.
    """
    steps: list[dict[str, object]] = [
        {},
        {"tail_lines": 40},
        {"tail_lines": 10},
        {"tail_lines": 10, "collapse_unaffected": True},
        {"tail_lines": 0, "collapse_unaffected": True},
        {"tail_lines": 0, "collapse_unaffected": True, "max_file_rows": 50},
        {"tail_lines": 0, "collapse_unaffected": True, "max_file_rows": 10},
    ]
    omitted_notes = [
        [],
        ["Output tails are shortened to 40 lines; the job summary has more."],
        ["Output tails are shortened to 10 lines; the job summary has more."],
        ["Unaffected tasks are counted, not listed."],
        ["Output tails are left out; see the job summary."],
        ["The ownership table shows the first 50 files."],
        ["The ownership table shows the first 10 files."],
    ]
    text = ""
    for step, notes in zip(steps, omitted_notes, strict=True):
        attempt = view.model_copy(update={**step, "omitted": notes})
        text = render(attempt, "comment.md.j2", template_path)
        if redact is not None:
            text = redact_keeping_marks(text, redact, view.state)
        if _fits(text, COMMENT_LIMIT):
            return text
    return _cut(text, COMMENT_LIMIT, view.state)


def _cut(text: str, limit: int, state: str) -> str:
    note = "\n\n… the rest of this report did not fit into one comment.\n"
    if len(state) > limit // 2:
        # NOTE: only a plan with thousands of tasks that all have results
        # makes a state this large. It is left out so the report still fits,
        # and attempt counts then start again on the next run.
        logger.warning("The hidden state is too large for the comment; leaving it out.")
        state = ""
    room = limit - len(note) - len(state) - 2 - len(MARKER)
    head = text[:room]
    while head and not _fits(head + note + state, limit - len(MARKER)):
        head = head[: max(0, len(head) - 1000)]
    if not head.startswith(MARKER):
        head = MARKER + "\n" + head
    return head + note + state + "\n"


def render_text(view: ReportView) -> str:
    """Render the plain-text report that ``check --format text`` prints."""
    return render(view, "check.txt.j2")


def render_summary(view: ReportView, template_path: str | None = None) -> str:
    """Render the job summary, which may be larger than a comment."""
    text = render(view, "summary.md.j2", template_path)
    if _fits(text, SUMMARY_LIMIT):
        return text
    shorter = view.model_copy(update={"tail_lines": 20})
    text = render(shorter, "summary.md.j2", template_path)
    if _fits(text, SUMMARY_LIMIT):
        return text
    return text[: SUMMARY_LIMIT - 100] + "\n\n… cut to fit the job summary.\n"


def status_description(row: TaskRow) -> str:
    """Return a commit status description within GitHub's 140 characters."""
    text = row.status.value
    if row.detail:
        text += f": {row.detail}"
    if row.duration is not None and row.status in (RowStatus.PASSED, RowStatus.FAILED):
        text += f" in {format_duration(row.duration)}"
    return truncate(text, STATUS_DESCRIPTION_LIMIT)


def truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def row_for_unselected(task_state: CheckboxState) -> RowStatus:
    if task_state is CheckboxState.COMPLETE:
        return RowStatus.COMPLETE
    if task_state is CheckboxState.STUCK:
        return RowStatus.STUCK
    return RowStatus.NOT_AFFECTED


def count_by_status(rows: Sequence[TaskRow]) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status.value] = counts.get(row.status.value, 0) + 1
    return counts
