"""Lint rules on File-ownership: overlaps, unordered touches, Files drift."""

from __future__ import annotations

from itertools import pairwise

from spectra_action.plan.graph import DependencyGraph
from spectra_action.plan.models import FileOwnership, Plan, Task
from spectra_action.plan.paths import (
    PathEntry,
    make_entry,
    normalize,
    overlapping_pairs,
)
from spectra_action.plan.sink import FindingSink


def lint_ownership(plan: Plan, sink: FindingSink) -> None:
    owned = _entries(plan, "owns")
    touched = _entries(plan, "touches")
    _overlaps(owned, sink)
    _unordered_touches(plan, owned, touched, sink)
    for task in plan.tasks:
        if task.ownership is not None:
            _files_drift(task, task.ownership, sink)


def _entries(plan: Plan, name: str) -> list[PathEntry]:
    entries: list[PathEntry] = []
    for task in plan.tasks:
        if task.ownership is None:
            continue
        line = task.field_lines.get(f"ownership.{name}", task.ownership.line)
        entries += [make_entry(p, task.id, line) for p in getattr(task.ownership, name)]
    return entries


def _overlaps(owned: list[PathEntry], sink: FindingSink) -> None:
    for first, second in overlapping_pairs(owned):
        earlier, later = sorted((first, second), key=lambda entry: entry.line)
        if earlier.text == later.text:
            clash = f"which task {earlier.task_id} also owns"
        else:
            clash = f"which overlaps {earlier.text} owned by task {earlier.task_id}"
        sink.error(
            "OWNERSHIP_OVERLAP",
            later.line,
            f"task {later.task_id} owns {later.text}, {clash} (line "
            f"{earlier.line}); keep it in one task's owns and list it under "
            "touches in the other",
            later.task_id,
        )


def _unordered_touches(
    plan: Plan,
    owned: list[PathEntry],
    touched: list[PathEntry],
    sink: FindingSink,
) -> None:
    """Warn when two tasks change one file and no dependency orders them.

    Tasks sharing a file are put in topological order and only neighbours
    are compared: if each neighbour pair is ordered, every pair is, by
    transitivity, so each unordered group is reported at least once.
    """
    graph = DependencyGraph(plan)
    position = {
        task_id: index
        for index, task_id in enumerate(graph.topological_order(plan.task_ids))
    }
    owned_ids = {id(entry) for entry in owned}
    sharers: dict[str, dict[str, PathEntry]] = {}
    for first, second in overlapping_pairs(owned + touched):
        if id(first) in owned_ids and id(second) in owned_ids:
            continue
        label = first.text if first.is_file else second.text
        group = sharers.setdefault(label, {})
        for entry in (first, second):
            group.setdefault(entry.task_id, entry)
    for label, group in sharers.items():
        order = sorted(group, key=position.__getitem__)
        for before, after in pairwise(order):
            if graph.ordered(before, after):
                continue
            entry = group[after]
            sink.warning(
                "TOUCH_UNORDERED",
                entry.line,
                f"tasks {before} and {after} both change {label}, but no "
                "dependency orders them; add a dependency between them",
                after,
            )


def _files_drift(task: Task, ownership: FileOwnership, sink: FindingSink) -> None:
    line = task.field_lines.get("files", task.line)
    listed = [
        make_entry(path, task.id, line)
        for path in ownership.owns + ownership.touches + ownership.reads
    ]
    listed_files = {entry.text for entry in listed if entry.is_file}
    listed_patterns = [entry for entry in listed if not entry.is_file]
    files = [normalize(path) for path in task.files]
    for path in files:
        if path in listed_files:
            continue
        if not any(entry.matches(path) for entry in listed_patterns):
            sink.warning(
                "FILES_NOT_OWNED",
                line,
                f"task {task.id} lists {path} in Files but in no File-ownership "
                "list; add it to owns, touches or reads",
                task.id,
            )
    owns_line = task.field_lines.get("ownership.owns", ownership.line)
    file_set = set(files)
    for owned in ownership.owns:
        entry = make_entry(owned, task.id, owns_line)
        if entry.text in file_set:
            continue
        if entry.is_file or not any(entry.matches(path) for path in files):
            sink.warning(
                "OWNED_NOT_IN_FILES",
                owns_line,
                f"task {task.id} owns {entry.text}, which matches nothing in its "
                "Files; add the path to Files or drop it from owns",
                task.id,
            )
