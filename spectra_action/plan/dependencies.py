"""Merge the dependencies declared in every part of a plan onto its tasks."""

from __future__ import annotations

from spectra_action.plan.models import Plan, Task
from spectra_action.plan.sink import FindingSink
from spectra_action.plan.values import Edge, id_sort_key


def merge_dependencies(
    plan: Plan,
    edges: list[Edge],
    capstones: list[tuple[str, int]],
    sink: FindingSink,
) -> None:
    """Set each task's ``dependencies`` to the known ids it needs.

    An edge that names an id no task has becomes UNKNOWN_DEPENDENCY and one
    from a task to itself SELF_DEPENDENCY. Neither is kept, so the graph
    holds only real tasks. A capstone (``Task N depends on all``) needs
    every other task.
    """
    by_id: dict[str, list[Task]] = {}
    for task in plan.tasks:
        by_id.setdefault(task.id, []).append(task)
    edges = edges + _capstone_edges(plan, capstones, by_id, sink)
    reported: set[tuple[int, str]] = set()
    for edge in edges:
        if _check_edge(edge, by_id, sink, reported):
            for task in by_id[edge.dependent]:
                task.dependency_lines.setdefault(edge.prerequisite, edge.line)
    for task in plan.tasks:
        task.dependencies = sorted(task.dependency_lines, key=id_sort_key)


def _capstone_edges(
    plan: Plan,
    capstones: list[tuple[str, int]],
    by_id: dict[str, list[Task]],
    sink: FindingSink,
) -> list[Edge]:
    edges: list[Edge] = []
    for task_id, line in capstones:
        if task_id not in by_id:
            sink.error(
                "UNKNOWN_DEPENDENCY",
                line,
                f"task {task_id} depends on all tasks, but no task has id "
                f"{task_id}; fix the id or add the task",
            )
            continue
        edges += [
            Edge(task_id, other.id, line, "Dependency Graph")
            for other in plan.tasks
            if other.id != task_id
        ]
    return edges


def _check_edge(
    edge: Edge,
    by_id: dict[str, list[Task]],
    sink: FindingSink,
    reported: set[tuple[int, str]],
) -> bool:
    for task_id in (edge.dependent, edge.prerequisite):
        if task_id in by_id:
            continue
        if (edge.line, task_id) not in reported:
            reported.add((edge.line, task_id))
            sink.error(
                "UNKNOWN_DEPENDENCY",
                edge.line,
                f"{edge.origin} names task {task_id}, but no task has that id; "
                "fix the id or add the task",
                edge.dependent if edge.dependent in by_id else None,
            )
        return False
    if edge.dependent == edge.prerequisite:
        sink.error(
            "SELF_DEPENDENCY",
            edge.line,
            f"task {edge.dependent} depends on itself in {edge.origin}; "
            "remove that entry",
            edge.dependent,
        )
        return False
    return True
