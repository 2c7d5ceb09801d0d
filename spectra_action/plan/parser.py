"""Parse the text of a SPECTRA plan into a Plan with parse findings.

The parser never raises on content. Anything it has to guess or cannot read
becomes a Finding with a stable code, and the rules that need the whole plan
(required fields, ownership, cycles) live in :mod:`spectra_action.plan.lint`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from spectra_action.plan.dependencies import merge_dependencies
from spectra_action.plan.lines import Line, heading, is_fence, split_lines
from spectra_action.plan.models import Plan, Task
from spectra_action.plan.sections import (
    GRAPH,
    PARALLELISM,
    ParallelismSection,
    read_dependency_graph,
)
from spectra_action.plan.sink import FindingSink
from spectra_action.plan.tasks import TaskBuilder
from spectra_action.plan.values import Edge, canonical_id

_TASK = re.compile(r"^Task\s+(\d+)\s*:\s*(.*)$")
# The optional "#" sits in its own group, so that two runs of spaces never
# compete for the same characters and the match stays linear.
_LOOSE_TASK = re.compile(r"^Task(?:\s*#)?\s*(\d+)\b\s*[:.\-–—]?(.*)$", re.IGNORECASE)
_HEADER_FIELD = re.compile(r"^(Project|Level|Generated|Source)\s*:\s*(.*)$", re.I)
DEFAULT_LEVEL = 1
MAX_LEVEL = 4


@dataclass
class _State:
    """State of the line scanner: what it has read and the open block."""

    sink: FindingSink
    tasks: list[Task] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    capstones: list[tuple[str, int]] = field(default_factory=list)
    builder: TaskBuilder | None = None
    section: str | None = None
    section_lines: list[Line] = field(default_factory=list)
    parallelism: ParallelismSection | None = None
    title: str | None = None
    project: str | None = None
    header_level: int | None = None
    header_level_line: int = 0


def parse_plan(
    text: str,
    path: str = ".spectra/plan.md",
    *,
    level: int | None = None,
    level_source: str | None = None,
) -> Plan:
    """Parse plan text. ``level`` overrides the plan's ``## Level:`` line."""
    sink = FindingSink(path)
    state = _State(sink)
    lines = split_lines(text, sink)
    _scan(lines, state)
    _close_block(state, lines[-1].number if lines else 0)
    plan = Plan(
        path=path,
        title=state.title,
        project=state.project,
        tasks=state.tasks,
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        header_level=state.header_level,
    )
    _apply_level(plan, state, level, level_source)
    if state.parallelism is not None:
        plan.parallelism_line = state.parallelism.line
        plan.recommendation = state.parallelism.recommendation
        plan.independent_tasks = state.parallelism.independent
        state.edges += state.parallelism.edges
    merge_dependencies(plan, state.edges, state.capstones, sink)
    plan.findings = sink.findings()
    return plan


def _scan(lines: list[Line], state: _State) -> None:
    in_fence = False
    for line in lines:
        if is_fence(line.text):
            in_fence = not in_fence
        found = None if in_fence else heading(line.text)
        if found is None or found[0] > 3:
            _feed(state, line)
            continue
        _close_block(state, line.number - 1)
        _open_block(state, line, found[0], found[1])


def _feed(state: _State, line: Line) -> None:
    if state.builder is not None:
        state.builder.feed(line)
        state.builder.task.source_lines.append(line.raw)
    elif state.section is not None:
        state.section_lines.append(line)


def _open_block(state: _State, line: Line, level: int, title: str) -> None:
    if _open_task(state, line, level, title):
        return
    if level == 1 and state.title is None:
        state.title = title
    header = _HEADER_FIELD.match(title)
    if level == 2 and header:
        _header_field(state, line, header.group(1).lower(), header.group(2))
        return
    name = title.rstrip(":").strip()
    if level == 2 and name.lower() == PARALLELISM.lower():
        if state.parallelism is not None:
            state.sink.error(
                "DUPLICATE_SECTION",
                line.number,
                f"the plan has a second '## {PARALLELISM}' section; merge it "
                f"into the one on line {state.parallelism.line}",
            )
        state.section = PARALLELISM
        state.parallelism = ParallelismSection(line.number)
    elif level == 2 and name.lower() == GRAPH.lower():
        state.section = GRAPH
    else:
        state.section = "other"


def _open_task(state: _State, line: Line, level: int, title: str) -> bool:
    strict = _TASK.match(title)
    match = strict or _LOOSE_TASK.match(title)
    if match is None or level == 1:
        return False
    digits, name = match.group(1), match.group(2).strip()
    task_id = canonical_id(digits)
    if strict is None or level != 2:
        state.sink.warning(
            "TASK_HEADING_FORMAT",
            line.number,
            f"the task heading {title!r} is read as task {task_id}; write "
            f"'## Task {task_id}: {name or 'Title'}'",
            task_id,
        )
    if len(digits) != 3:
        state.sink.warning(
            "ID_NOT_THREE_DIGITS",
            line.number,
            f"the task id {digits!r} is not three digits; it is read as "
            f"{task_id}, write ids as three digits (001 to 999)",
            task_id,
        )
    task = Task(id=task_id, title=name, line=line.number, source_lines=[line.raw])
    state.builder = TaskBuilder(task, state.sink)
    state.tasks.append(task)
    return True


def _header_field(state: _State, line: Line, key: str, value: str) -> None:
    value = value.strip()
    if key == "project":
        state.project = value or None
    elif key == "level":
        state.header_level_line = line.number
        if value.isascii() and value.isdigit() and int(value) <= MAX_LEVEL:
            state.header_level = int(value)
        else:
            state.sink.error(
                "INVALID_FIELD",
                line.number,
                f"the plan level {value!r} is not a whole number from 0 to 4; "
                "write '## Level: N'",
            )


def _close_block(state: _State, end_line: int) -> None:
    if state.builder is not None:
        state.edges += state.builder.finish(end_line)
        state.builder = None
    if state.section == PARALLELISM and state.parallelism is not None:
        state.parallelism.read(state.section_lines, state.sink)
    elif state.section == GRAPH:
        edges, capstones = read_dependency_graph(state.section_lines, state.sink)
        state.edges += edges
        state.capstones += capstones
    state.section = None
    state.section_lines = []


def _apply_level(
    plan: Plan, state: _State, level: int | None, level_source: str | None
) -> None:
    if level is None:
        if state.header_level is not None:
            plan.level, plan.level_source = state.header_level, "plan"
        else:
            plan.level, plan.level_source = DEFAULT_LEVEL, "default"
        return
    plan.level, plan.level_source = level, level_source or "argument"
    if state.header_level is not None and state.header_level != level:
        state.sink.warning(
            "LEVEL_MISMATCH",
            state.header_level_line,
            f"the plan says level {state.header_level} but level {level} from "
            f"{plan.level_source} is used; make the two agree",
        )
