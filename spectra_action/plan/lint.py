"""Lint rules that need the whole parsed plan.

Each rule adds findings with a stable code; docs/plan-lint.md lists them.
The parser's own findings are not repeated here.
"""

from __future__ import annotations

from spectra_action.plan.graph import DependencyGraph
from spectra_action.plan.lint_ownership import lint_ownership
from spectra_action.plan.lint_tasks import lint_task
from spectra_action.plan.models import CheckboxState, Finding, Plan
from spectra_action.plan.sink import FindingSink
from spectra_action.plan.values import id_sort_key

# Findings with these codes leave the plan unusable for the gate: the tasks,
# their commands or their order cannot be trusted. Other errors fail the gate
# but the plan is still used.
UNUSABLE_CODES: frozenset[str] = frozenset(
    {
        "NOT_A_PLAN",
        "NO_TASKS",
        "DUPLICATE_ID",
        "MISSING_VERIFY",
        "VERIFY_NOT_QUOTED",
        "UNKNOWN_DEPENDENCY",
        "SELF_DEPENDENCY",
        "DEPENDENCY_CYCLE",
    }
)
PARALLELISM_LEVEL = 3


def lint_plan(plan: Plan) -> list[Finding]:
    """Return the findings of every whole-plan rule, sorted by line."""
    sink = FindingSink(plan.path)
    if not plan.tasks:
        _no_tasks(plan, sink)
        return sink.findings()
    _ids(plan, sink)
    for task in plan.tasks:
        lint_task(task, plan.level, sink)
    lint_ownership(plan, sink)
    _parallelism(plan, sink)
    graph = DependencyGraph(plan)
    _cycles(plan, graph, sink)
    _completion(plan, sink)
    return sink.findings()


def _no_tasks(plan: Plan, sink: FindingSink) -> None:
    if plan.title is None or "spectra" not in plan.title.lower():
        sink.error(
            "NOT_A_PLAN",
            1,
            "the file has no '## Task NNN: Title' heading and no "
            "'# SPECTRA Execution Plan' title; point the plan path at a "
            "SPECTRA plan",
        )
        return
    sink.error(
        "NO_TASKS",
        1,
        "the plan has no '## Task NNN: Title' heading; add at least one task",
    )


def _ids(plan: Plan, sink: FindingSink) -> None:
    first_line: dict[str, int] = {}
    previous: str | None = None
    for task in plan.tasks:
        if task.id in first_line:
            sink.error(
                "DUPLICATE_ID",
                task.line,
                f"task id {task.id} is already used on line "
                f"{first_line[task.id]}; give this task a new id",
                task.id,
            )
        else:
            first_line[task.id] = task.line
            if previous is not None and id_sort_key(task.id) < id_sort_key(previous):
                sink.error(
                    "ID_NOT_INCREASING",
                    task.line,
                    f"task {task.id} comes after task {previous}; ids must "
                    "increase through the file, so renumber or move the task",
                    task.id,
                )
        if previous is None or id_sort_key(task.id) > id_sort_key(previous):
            previous = task.id


def _parallelism(plan: Plan, sink: FindingSink) -> None:
    if plan.parallelism_line is None:
        if plan.level >= PARALLELISM_LEVEL:
            sink.error(
                "MISSING_REQUIRED_FIELD",
                plan.tasks[-1].end_line or plan.tasks[-1].line,
                f"a level {plan.level} plan needs a '## Parallelism Assessment' "
                "section; add it after the last task",
            )
        return
    if plan.recommendation is None and plan.level >= PARALLELISM_LEVEL:
        sink.warning(
            "MISSING_RECOMMENDATION",
            plan.parallelism_line,
            "the Parallelism Assessment has no '- Recommendation:' entry; add "
            "TEAM_ELIGIBLE or SEQUENTIAL_ONLY",
        )
    known = set(plan.task_ids)
    for task_id in plan.independent_tasks:
        task = plan.task(task_id)
        if task_id not in known or task is None:
            sink.warning(
                "UNKNOWN_TASK_REFERENCE",
                plan.parallelism_line,
                f"Independent tasks names task {task_id}, which the plan does "
                "not have; remove it or fix the id",
            )
        elif task.dependencies:
            sink.warning(
                "INDEPENDENT_HAS_DEPENDENCIES",
                plan.parallelism_line,
                f"task {task_id} is listed as independent but depends on "
                f"{', '.join(task.dependencies)}; remove it from Independent "
                "tasks or drop the dependency",
                task_id,
            )


def _cycles(plan: Plan, graph: DependencyGraph, sink: FindingSink) -> None:
    for cycle in graph.find_cycles():
        task = plan.task(cycle[0])
        line = task.dependency_lines.get(cycle[-2], task.line) if task else 1
        sink.error(
            "DEPENDENCY_CYCLE",
            line,
            f"the dependencies form a cycle: {' -> '.join(cycle)}; remove one "
            "of these dependencies",
            cycle[0],
        )


def _completion(plan: Plan, sink: FindingSink) -> None:
    states = {task.id: task.state for task in plan.tasks}
    for task in plan.tasks:
        if task.state is not CheckboxState.COMPLETE:
            continue
        for prerequisite in task.dependencies:
            if states.get(prerequisite) is CheckboxState.COMPLETE:
                continue
            sink.warning(
                "COMPLETE_DEPENDS_ON_INCOMPLETE",
                task.field_lines.get("checkbox", task.line),
                f"task {task.id} is complete but its dependency {prerequisite} "
                f"is {states.get(prerequisite, 'unknown')}; finish "
                f"{prerequisite} or reopen {task.id}",
                task.id,
            )
