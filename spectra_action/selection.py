"""Task selection: the tasks a pull request affects, those that run, and
those that cannot run."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from pydantic import BaseModel, Field

from spectra_action.ownership import FileVerdict, VerdictKind
from spectra_action.plan import CheckboxState, Plan, Task
from spectra_action.plan.graph import DependencyGraph


class Selection(BaseModel):
    """The tasks of one run.

    ``run`` contains the tasks whose verify commands run, in dependency order.
    ``blocked`` maps a selected task that cannot run to the reason, and
    ``stuck`` maps a selected task that is out of attempts, or marked stuck in
    the plan, to the reason. ``reasons`` says why each task was selected.
    """

    run: list[str] = Field(default_factory=list)
    blocked: dict[str, str] = Field(default_factory=dict)
    stuck: dict[str, str] = Field(default_factory=dict)
    reasons: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def selected(self) -> list[str]:
        """Every selected task: those that run, are blocked or are stuck."""
        return [*self.run, *self.blocked, *self.stuck]


def _add(reasons: dict[str, list[str]], task_id: str, reason: str) -> None:
    entries = reasons.setdefault(task_id, [])
    if reason not in entries:
        entries.append(reason)


def affected_by_files(verdicts: Sequence[FileVerdict]) -> dict[str, list[str]]:
    """Map each task that owns or touches a changed file to the reasons."""
    reasons: dict[str, list[str]] = {}
    for verdict in verdicts:
        if verdict.kind in (VerdictKind.OWNED, VerdictKind.FOREIGN):
            for task_id in verdict.tasks:
                _add(reasons, task_id, f"owns {verdict.path}")
        elif verdict.kind is VerdictKind.TOUCHED:
            for task_id in verdict.tasks:
                _add(reasons, task_id, f"touches {verdict.path}")
    return reasons


def select_tasks(
    plan: Plan,
    verdicts: Sequence[FileVerdict],
    *,
    declared: Mapping[str, Sequence[str]] | None = None,
    ticked: Collection[str] = (),
    forced: Collection[str] | None = None,
    run_dependents: bool = True,
    attempts: Mapping[str, int] | None = None,
    last_outcomes: Mapping[str, str] | None = None,
    passed_before: Collection[str] = (),
) -> Selection:
    """Select the tasks a change affects and sort out which can run.

    ``forced`` replaces the automatic selection (the ``tasks`` input or a
    rerun command). ``passed_before`` names tasks that passed on this same
    commit in an earlier run, which satisfy their dependents like complete
    tasks do. ``attempts`` and ``last_outcomes`` come from earlier runs
    on the same pull request and decide whether a task is out of budget.
    """
    reasons: dict[str, list[str]] = {}
    if forced is not None:
        for task_id in forced:
            _add(reasons, task_id, "requested")
    else:
        for task_id, why in affected_by_files(verdicts).items():
            for reason in why:
                _add(reasons, task_id, reason)
        for task_id, sources in (declared or {}).items():
            for source in sources:
                _add(reasons, task_id, f"declared by the {source}")
        for task_id in ticked:
            _add(reasons, task_id, "checkbox ticked by this pull request")
    known = set(plan.task_ids)
    reasons = {task_id: why for task_id, why in reasons.items() if task_id in known}
    graph = DependencyGraph(plan)
    if run_dependents:
        for task_id in list(reasons):
            for dependent in sorted(graph.dependents(task_id)):
                _add(reasons, dependent, f"depends on {task_id}")
    return _sort_out(
        plan,
        graph,
        reasons,
        attempts or {},
        last_outcomes or {},
        forced,
        set(passed_before),
    )


def _sort_out(
    plan: Plan,
    graph: DependencyGraph,
    reasons: dict[str, list[str]],
    attempts: Mapping[str, int],
    last_outcomes: Mapping[str, str],
    forced: Collection[str] | None,
    passed_before: set[str],
) -> Selection:
    selection = Selection(reasons=reasons)
    candidates: list[str] = []
    tasks = {task.id: task for task in plan.tasks}
    for task_id in graph.topological_order(list(reasons)):
        task = tasks[task_id]
        forced_here = forced is not None and task_id in forced
        used = attempts.get(task_id, 0)
        budget = task.max_iterations
        if task.state is CheckboxState.STUCK and not forced_here:
            selection.stuck[task_id] = (
                "marked stuck ([!]) in the plan; "
                "set its checkbox to [ ] to run it again"
            )
        elif (
            budget is not None
            and used >= budget
            and last_outcomes.get(task_id) != "passed"
        ):
            selection.stuck[task_id] = (
                f"used {used} of {budget} attempts without passing; "
                f"comment `/spectra reset {task_id}` to allow more"
            )
        else:
            candidates.append(task_id)
    selected = set(candidates)
    for task_id in candidates:
        reason = _unmet_dependency(tasks, task_id, selected | passed_before, selection)
        if reason:
            selection.blocked[task_id] = reason
            selected.discard(task_id)
        else:
            selection.run.append(task_id)
    return selection


def _unmet_dependency(
    tasks: Mapping[str, Task], task_id: str, selected: set[str], selection: Selection
) -> str | None:
    for dependency_id in tasks[task_id].dependencies:
        if dependency_id in selected:
            continue
        dependency = tasks.get(dependency_id)
        if dependency is None:
            continue
        if dependency_id in selection.blocked:
            return f"needs {dependency_id}, which is blocked"
        if dependency_id in selection.stuck:
            return f"needs {dependency_id}, which is stuck"
        if dependency.state is not CheckboxState.COMPLETE:
            return (
                f"needs {dependency_id}, which is {dependency.state.value} in the plan"
            )
    return None
