"""The gate from plan to report, without GitHub: shared by the command line
and the action.

``run_gate`` reads the plan and the configuration, lists and judges the
changed files, selects and runs tasks, and returns everything the report
needs. It raises only SpectraError for an unusable plan or configuration,
and the caller reports that.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spectra_action.actions import FileCommandGuard
from spectra_action.changes import ApiFile, ChangeSet, collect_changes
from spectra_action.config import Policy, SpectraConfig, load_config
from spectra_action.errors import ConfigError
from spectra_action.ownership import FileVerdict, VerdictKind, judge_changes
from spectra_action.plan import (
    CheckboxState,
    Finding,
    Plan,
    Severity,
    load_plan,
    parse_plan_text,
)
from spectra_action.plan.lint import UNUSABLE_CODES
from spectra_action.redact import Redactor
from spectra_action.report import (
    FileRow,
    ReportView,
    RowStatus,
    TaskRow,
    mermaid_graph,
    row_for_unselected,
)
from spectra_action.runner import Outcome, RunSettings, TaskResult, run_tasks
from spectra_action.selection import Selection, select_tasks
from spectra_action.state import RunState, TaskState, encode_state, title_key

logger = logging.getLogger("spectra_action.pipeline")

_OUTCOME_ROWS = {
    Outcome.PASSED: RowStatus.PASSED,
    Outcome.FAILED: RowStatus.FAILED,
    Outcome.TIMED_OUT: RowStatus.TIMED_OUT,
    Outcome.BLOCKED: RowStatus.BLOCKED,
    Outcome.ERROR: RowStatus.ERROR,
}


@dataclass
class GateRequest:
    """What one run of the gate works on.

    ``base`` and ``head`` are commits of the checkout in ``repo_root``; the
    verify commands run in ``repo_root``, which must have ``head`` checked out.
    ``forced`` replaces the automatic selection. ``previous`` is the state
    stored by the last run on the same pull request; ``keep_previous`` keeps
    the earlier results of tasks this run does not select (reruns).
    """

    repo_root: Path
    head: str
    base: str | None = None
    plan_path: str = ".spectra/plan.md"
    config_path: str = ".github/spectra.yml"
    change_source: str = "git"
    api_files: Callable[[], Iterable[ApiFile]] | None = None
    declared: Mapping[str, Sequence[str]] = field(default_factory=dict)
    forced: Sequence[str] | None = None
    run_dependents: bool = True
    settings: RunSettings = field(default_factory=RunSettings)
    previous: RunState | None = None
    keep_previous: bool = False
    redactor: Redactor | None = None
    env: Mapping[str, str] | None = None
    plan_override: Plan | None = None
    config_override: SpectraConfig | None = None


@dataclass
class GateResult:
    """The outcome of one run: the verdict and everything that reports it."""

    plan: Plan
    config: SpectraConfig
    changes: ChangeSet
    verdicts: list[FileVerdict]
    selection: Selection
    results: dict[str, TaskResult]
    view: ReportView
    state: RunState
    result: str
    exit_code: int
    reasons: list[str]
    file_findings: list[FileVerdict]
    plan_findings: list[Finding]


def plan_at(repo_root: Path, revision: str, plan_path: str) -> Plan | None:
    """Parse the plan as it is at ``revision``; None when it is not there."""
    completed = subprocess.run(
        ["git", "-C", str(repo_root), "show", f"{revision}:{plan_path}"],
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        return None
    text = completed.stdout.decode("utf-8", "replace")
    return parse_plan_text(text, plan_path)


def ticked_tasks(base_plan: Plan | None, head_plan: Plan) -> list[str]:
    """Return tasks whose checkbox the change ticks (pending or stuck on the
    base, complete on the head)."""
    if base_plan is None:
        return []
    before = {task.id: task.state for task in base_plan.tasks}
    return [
        task.id
        for task in head_plan.tasks
        if task.state is CheckboxState.COMPLETE
        and before.get(task.id, CheckboxState.PENDING) is not CheckboxState.COMPLETE
    ]


def _matching_state(previous: RunState | None, plan: Plan) -> RunState | None:
    """Drop stored task states whose title no longer matches the task with
    that id, so a renumbered plan does not hand one task's attempts to
    another."""
    if previous is None:
        return None
    titles = {task.id: title_key(task.title) for task in plan.tasks}
    kept = {
        task_id: state
        for task_id, state in previous.tasks.items()
        if state.title is None or titles.get(task_id) == state.title
    }
    dropped = sorted(set(previous.tasks) - set(kept))
    if dropped:
        logger.info(
            "Stored results of %s are dropped: those ids now name other tasks.",
            ", ".join(dropped),
        )
    return previous.model_copy(update={"tasks": kept})


def fail_gate(gate: GateResult, reason: str) -> None:
    """Add a reason the gate fails to a finished result, in place."""
    gate.reasons.append(reason)
    gate.result = "failed"
    gate.exit_code = 1
    gate.view.result = "failed"
    gate.view.headline = _headline("failed", gate.reasons, len(gate.results))


def unusable_findings(plan: Plan) -> list[Finding]:
    return [finding for finding in plan.errors if finding.code in UNUSABLE_CODES]


def _policy_severity(policy: Policy, kind: VerdictKind) -> str:
    names = {
        VerdictKind.OWNED: "owned",
        VerdictKind.TOUCHED: "touched",
        VerdictKind.READ_ONLY: "read_only",
        VerdictKind.FOREIGN: "foreign",
        VerdictKind.UNPLANNED: "unplanned",
        VerdictKind.IGNORED: "ignored",
    }
    return str(getattr(policy, names[kind]).value)


def _file_rows(verdicts: Sequence[FileVerdict], policy: Policy) -> list[FileRow]:
    rows = []
    for verdict in verdicts:
        severity = _policy_severity(policy, verdict.kind)
        if severity == "off":
            continue
        rows.append(
            FileRow(
                path=verdict.path,
                previous_path=verdict.previous_path,
                verdict=verdict.kind.value,
                severity=severity,
                tasks=list(verdict.tasks),
                status=verdict.status.value,
            )
        )
    return rows


def _task_rows(
    plan: Plan,
    selection: Selection,
    results: Mapping[str, TaskResult],
    state: RunState,
    previous: RunState | None,
    keep_previous: bool,
) -> list[TaskRow]:
    rows = []
    selected = set(selection.selected)
    for task in plan.tasks:
        task_state = state.tasks.get(task.id, TaskState())
        row = TaskRow(
            id=task.id,
            title=task.title,
            checked=False,
            status=row_for_unselected(task.state),
            risk=task.risk,
            max_iterations=task.max_iterations,
            attempts=task_state.attempts or None,
            dependencies=list(task.dependencies),
            selected=task.id in selected,
        )
        if task.id in results:
            result = results[task.id]
            row.status = _OUTCOME_ROWS[result.outcome]
            if result.outcome is not Outcome.PASSED:
                row.detail = _without_status(result.message, row.status)
            row.duration = result.duration
            row.tail = result.tail
        elif task.id in selection.blocked:
            row.status = RowStatus.BLOCKED
            row.detail = selection.blocked[task.id]
        elif task.id in selection.stuck:
            row.status = RowStatus.STUCK
            row.detail = selection.stuck[task.id]
        elif task.id in selection.run and not keep_previous:
            row.status = RowStatus.NOT_RUN
            row.detail = "no result was reported for this task"
        elif keep_previous and previous and task.id in previous.tasks:
            earlier = previous.tasks[task.id]
            if earlier.outcome:
                row.status = RowStatus(earlier.outcome)
                row.detail = earlier.message
                row.duration = earlier.duration
                row.selected = row.status is not RowStatus.NOT_AFFECTED
        if task.state is CheckboxState.STUCK and task.id not in selected:
            row.detail = row.detail or "marked stuck in the plan"
        row.checked = row.status is RowStatus.PASSED or (
            row.status is RowStatus.COMPLETE
        )
        # A task out of attempts needs /spectra reset; a rerun box there
        # would only report it stuck again.
        out_of_attempts = (
            row.status is RowStatus.STUCK and task.state is not CheckboxState.STUCK
        )
        row.rerun = (
            row.selected
            and not out_of_attempts
            and row.status
            in (RowStatus.FAILED, RowStatus.TIMED_OUT, RowStatus.ERROR, RowStatus.STUCK)
        )
        rows.append(row)
    return rows


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + "s"


def _without_status(message: str, status: RowStatus) -> str:
    """Drop a leading status word, so "timed out (timed out after 2s)"
    reads "timed out (after 2s)"."""
    word = status.value
    if message.startswith(word + ": "):
        return message[len(word) + 2 :]
    if message.startswith(word + " "):
        return message[len(word) + 1 :]
    return message


def _next_state(
    plan: Plan,
    head_sha: str,
    results: Mapping[str, TaskResult],
    previous: RunState | None,
    selection: Selection,
) -> RunState:
    tasks: dict[str, TaskState] = {}
    for task in plan.tasks:
        earlier = previous.tasks.get(task.id) if previous else None
        current = earlier.model_copy() if earlier else TaskState()
        current.title = title_key(task.title)
        result = results.get(task.id)
        if result is not None and result.outcome is not Outcome.BLOCKED:
            current.attempts += 1
        if result is not None:
            current.outcome = _OUTCOME_ROWS[result.outcome].value
            current.exit_code = result.exit_code
            current.duration = result.duration
            current.message = result.message
        elif task.id in selection.stuck:
            current.outcome = RowStatus.STUCK.value
            current.message = selection.stuck[task.id]
        elif task.id in selection.blocked:
            current.outcome = RowStatus.BLOCKED.value
            current.message = selection.blocked[task.id]
        if current != TaskState(title=title_key(task.title)):
            tasks[task.id] = current
    return RunState(head_sha=head_sha, plan_sha256=plan.sha256, tasks=tasks)


def _headline(result: str, reasons: Sequence[str], ran: int) -> str:
    if result == "passed":
        if ran:
            return f"All {ran} selected tasks passed and every changed file is planned."
        return "No task is affected and every changed file is planned."
    return "The gate failed: " + "; ".join(reasons) + "."


@dataclass
class PreparedGate:
    """Everything decided before any verify command runs."""

    plan: Plan
    config: SpectraConfig
    changes: ChangeSet
    verdicts: list[FileVerdict]
    selection: Selection
    plan_changed: bool
    ticked: list[str]


def prepare_gate(request: GateRequest) -> PreparedGate:
    """Read the plan and configuration, judge the changes and select tasks.

    Raises UnusablePlanError or SpectraError when there is nothing to gate on.
    """
    repo = request.repo_root
    plan = request.plan_override or load_plan(repo, request.plan_path)
    blocking = unusable_findings(plan)
    if blocking:
        # The other findings often name the cause, such as a misspelt field.
        others = [finding for finding in plan.findings if finding not in blocking]
        raise UnusablePlanError(plan, [*blocking, *others])
    config = request.config_override or load_config(repo, request.config_path)
    base = request.base or request.head
    changes = collect_changes(
        repo,
        base,
        request.head,
        source=request.change_source,  # type: ignore[arg-type]
        api_files=request.api_files,
    )
    verdicts = judge_changes(
        plan,
        changes.files,
        ignore=config.effective_ignore(request.plan_path),
        scope=set(request.declared) or None,
    )
    plan_changed = any(
        request.plan_path in (change.path, change.previous_path)
        for change in changes.files
    )
    ticked = (
        ticked_tasks(plan_at(repo, base, request.plan_path), plan)
        if plan_changed
        else []
    )
    request.previous = _matching_state(request.previous, plan)
    forced = request.forced
    if forced is not None and "all" in forced:
        forced = plan.task_ids
    unknown = [task_id for task_id in forced or () if task_id not in plan.task_ids]
    if unknown:
        raise ConfigError(
            f"the requested {_plural(len(unknown), 'task')} {', '.join(unknown)} "
            f"{'is' if len(unknown) == 1 else 'are'} not in the plan; "
            f"use ids of the plan such as {', '.join(plan.task_ids[:3])}, or all"
        )
    previous = request.previous
    attempts = {k: v.attempts for k, v in previous.tasks.items()} if previous else {}
    outcomes = (
        {k: v.outcome or "" for k, v in previous.tasks.items()} if previous else {}
    )
    selection = select_tasks(
        plan,
        verdicts,
        declared=request.declared,
        ticked=ticked,
        forced=forced,
        run_dependents=request.run_dependents,
        attempts=attempts,
        last_outcomes=outcomes,
        passed_before=(
            [k for k, v in previous.tasks.items() if v.outcome == "passed"]
            if previous and request.keep_previous
            else []
        ),
    )
    return PreparedGate(
        plan, config, changes, verdicts, selection, plan_changed, ticked
    )


def execute(
    request: GateRequest, prepared: PreparedGate, task_ids: Sequence[str]
) -> dict[str, TaskResult]:
    """Run the verify commands of ``task_ids`` with the request's settings.

    Whatever the commands write into the runner's file-command files while
    they run is undone afterwards, so a test cannot set the action's outputs.
    """
    settings = request.settings.model_copy(
        update={
            "timeouts": {
                **_config_timeouts(prepared.config),
                **request.settings.timeouts,
            }
        }
    )
    logger.info("Running %d tasks: %s", len(task_ids), ", ".join(task_ids) or "none")
    guard = FileCommandGuard.capture(request.env or {})
    try:
        return run_tasks(
            prepared.plan,
            list(task_ids),
            cwd=request.repo_root,
            settings=settings,
            env=request.env,
            redactor=request.redactor,
        )
    finally:
        # NOTE: a process that left its group with setsid can outlive the
        # runner's cleanup and write after this restore.
        guard.restore()


def finish_gate(
    request: GateRequest, prepared: PreparedGate, results: dict[str, TaskResult]
) -> GateResult:
    """Turn the results of a prepared gate into the verdict and the report."""
    return _assemble(
        request,
        prepared.plan,
        prepared.config,
        prepared.changes,
        prepared.verdicts,
        prepared.selection,
        results,
        prepared.plan_changed,
        prepared.ticked,
    )


def run_gate(request: GateRequest) -> GateResult:
    """Run the whole gate on a local checkout; see the module docstring."""
    prepared = prepare_gate(request)
    results = execute(request, prepared, prepared.selection.run)
    return finish_gate(request, prepared, results)


def _config_timeouts(config: SpectraConfig) -> dict[str, float]:
    return {
        task_id: settings.timeout
        for task_id, settings in config.tasks.items()
        if settings.timeout is not None
    }


def _assemble(
    request: GateRequest,
    plan: Plan,
    config: SpectraConfig,
    changes: ChangeSet,
    verdicts: list[FileVerdict],
    selection: Selection,
    results: dict[str, TaskResult],
    plan_changed: bool,
    ticked: Sequence[str],
) -> GateResult:
    state = _next_state(plan, request.head, results, request.previous, selection)
    rows = _task_rows(
        plan, selection, results, state, request.previous, request.keep_previous
    )
    files = _file_rows(verdicts, config.policy)
    plan_findings = list(plan.findings) if plan_changed else []
    reasons: list[str] = []
    failing = [row for row in rows if row.selected and row.failing]
    if failing:
        reasons.append(
            _plural(len(failing), "task")
            + " "
            + ", ".join(f"{row.id} {row.status.value}" for row in failing)
        )
    file_errors = [row for row in files if row.severity == "error"]
    if file_errors:
        kinds = " or ".join(sorted({row.verdict for row in file_errors}))
        if len(file_errors) == 1:
            reasons.append(f"1 changed file is {kinds}")
        else:
            reasons.append(f"{len(file_errors)} changed files are {kinds}")
    plan_errors = [f for f in plan_findings if f.severity is Severity.ERROR]
    if plan_errors:
        noun = "error" if len(plan_errors) == 1 else "errors"
        reasons.append(f"the changed plan has {len(plan_errors)} lint {noun}")
    if not changes.complete:
        reasons.append(changes.note or "the list of changed files is incomplete")
    notes = [changes.note] if changes.note else []
    if not changes.files:
        base = (request.base or request.head)[:7]
        notes.append(
            f"No files changed between the base {base} and the head "
            f"{request.head[:7]}; check that the base is the branch the work "
            "started from."
        )
    for task_id in ticked:
        notes.append(f"This pull request ticks task {task_id}, so it was verified.")
    result = "failed" if reasons else "passed"
    view = ReportView(
        result=result,
        headline=_headline(result, reasons, len(results)),
        head_sha=request.head,
        plan_path=request.plan_path,
        tasks=rows,
        files=files,
        planned_file_count=sum(
            1 for v in verdicts if v.kind in (VerdictKind.OWNED, VerdictKind.TOUCHED)
        ),
        plan_findings=plan_findings,
        notes=notes,
        mermaid=mermaid_graph(plan, rows),
        state=encode_state(state),
    )
    return GateResult(
        plan=plan,
        config=config,
        changes=changes,
        verdicts=verdicts,
        selection=selection,
        results=results,
        view=view,
        state=state,
        result=result,
        exit_code=1 if reasons else 0,
        reasons=reasons,
        file_findings=[
            v for v in verdicts if _policy_severity(config.policy, v.kind) != "off"
        ],
        plan_findings=plan_findings,
    )


class UnusablePlanError(Exception):
    """The plan parsed, but it has errors that leave nothing to gate on."""

    def __init__(self, plan: Plan, findings: Sequence[Finding]) -> None:
        first = findings[0]
        super().__init__(f"{first.path}:{first.line}: {first.code} {first.message}")
        self.plan = plan
        self.findings = list(findings)


def error_view(
    message: str, findings: Sequence[Finding] = (), head_sha: str = ""
) -> ReportView:
    """Return the report for a run that could not gate at all (exit 2)."""
    return ReportView(
        result="error",
        headline=f"The gate could not run: {message}",
        head_sha=head_sha,
        plan_findings=list(findings),
    )
