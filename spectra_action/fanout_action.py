"""The action's matrix modes: ``plan`` selects and packs tasks into matrix
entries, ``verify`` runs one entry and writes result files, ``report`` reads
every entry's results and publishes them as a single-job run would.

Result files are untrusted input in ``report``: each is validated, and must
name the head SHA and plan hash of this run and a task of its selection.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ValidationError

from spectra_action import actions
from spectra_action.changes import ensure_commit
from spectra_action.context import EventContext
from spectra_action.errors import ConfigError, GitError, PlanError
from spectra_action.fanout import (
    ResultFile,
    group_tasks,
    matrix_json,
    pack_groups,
    read_results,
    write_result,
)
from spectra_action.github import GitHubClient, GitHubError, PullInfo
from spectra_action.inputs import ActionInputs
from spectra_action.pipeline import (
    GateRequest,
    PreparedGate,
    execute,
    plan_at,
    prepare_gate,
)
from spectra_action.plan import Plan
from spectra_action.runner import Outcome, TaskResult

logger = logging.getLogger("spectra_action.fanout")

RESULTS_SUBDIR = "results"
PULL_FILE = "pull.json"
MAX_PULL_FILE_BYTES = 4096


class PullRecord(BaseModel):
    """The pull request a fan-out run is for, written next to the results so
    a ``workflow_run`` report can tell which pull request to check."""

    number: int
    head_sha: str


def results_path(results_dir: Path) -> Path:
    return results_dir / RESULTS_SUBDIR


def write_pull_record(results_dir: Path, number: int, head_sha: str) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    record = PullRecord(number=number, head_sha=head_sha)
    (results_dir / PULL_FILE).write_text(record.model_dump_json())


def read_pull_record(results_dir: Path) -> PullRecord:
    """Read ``pull.json`` from an artifact; raise ConfigError when it is
    missing, too large or malformed."""
    path = results_dir / PULL_FILE
    try:
        if path.is_symlink() or path.stat().st_size > MAX_PULL_FILE_BYTES:
            raise ConfigError(
                f"{path} is not a small regular file; re-run the verify jobs"
            )
        return PullRecord.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(
            f"{path} is missing; upload the verify jobs' results-dir with it"
        ) from None
    except ValidationError as error:
        raise ConfigError(
            f"{path} is not a valid pull record: {error.errors()[0]['msg']}"
        ) from None


def plan_matrix(
    prepared: PreparedGate, inputs: ActionInputs, durations: Mapping[str, float]
) -> str:
    groups = group_tasks(prepared.plan, prepared.selection.run)
    entries = pack_groups(groups, durations, max_jobs=inputs.max_jobs)
    logger.info(
        "Packed %d selected tasks into %d matrix entries.",
        len(prepared.selection.run),
        len(entries),
    )
    return matrix_json(entries)


def run_plan_mode(
    request: GateRequest,
    inputs: ActionInputs,
    env: Mapping[str, str],
    context: EventContext,
) -> int:
    prepared = prepare_gate(request)
    previous = request.previous
    durations = {
        task_id: state.duration
        for task_id, state in (previous.tasks.items() if previous else ())
        if state.duration is not None
    }
    matrix = plan_matrix(prepared, inputs, durations)
    results_dir = request.settings.results_dir
    if results_dir is not None and context.pr_number and context.head_sha:
        write_pull_record(results_dir, context.pr_number, context.head_sha)
    actions.write_outputs(
        env.get("GITHUB_OUTPUT"),
        {
            "matrix": matrix,
            "affected-tasks": json.dumps(prepared.selection.selected),
        },
    )
    return 0


def run_verify_mode(
    request: GateRequest,
    inputs: ActionInputs,
    env: Mapping[str, str],
    context: EventContext,
) -> int:
    """Run the tasks the ``tasks`` input names, or the automatic selection when
    it is empty, and write one result file each."""
    prepared = prepare_gate(request)
    task_ids = list(request.forced or prepared.selection.run)
    if request.forced is None:
        logger.info(
            "Input tasks is empty, so the %d automatically selected tasks run.",
            len(task_ids),
        )
    results = execute(request, prepared, task_ids)

    results_dir = request.settings.results_dir
    assert results_dir is not None
    head = request.head
    write_results(results_dir, results, head, prepared.plan.sha256)
    if context.pr_number:
        write_pull_record(results_dir, context.pr_number, head)

    failed = [r.task_id for r in results.values() if r.outcome is not Outcome.PASSED]
    actions.write_outputs(
        env.get("GITHUB_OUTPUT"),
        {
            "result": "failed" if failed else "passed",
            "affected-tasks": json.dumps(list(results)),
            "results-dir": str(results_dir),
        },
    )
    return 1 if failed else 0


def write_results(
    results_dir: Path, results: Mapping[str, TaskResult], head: str, plan_sha256: str
) -> None:
    """Write one result file per task under ``results_dir/results``."""
    for task_id, result in results.items():
        write_result(
            results_path(results_dir),
            ResultFile(
                task_id=task_id,
                head_sha=head,
                plan_sha256=plan_sha256,
                outcome=result.outcome.value,
                exit_code=result.exit_code,
                duration=result.duration,
                tail=result.tail,
                message=result.message,
                blocked_by=list(result.blocked_by),
            ),
        )


def collected_results(
    results_dir: Path, prepared: PreparedGate, head_sha: str
) -> tuple[dict[str, TaskResult], list[str]]:
    """Return the valid results of the selected tasks and the rejection notes."""
    files, rejected = read_results(
        results_path(results_dir),
        head_sha=head_sha,
        plan_sha256=prepared.plan.sha256,
        selection=prepared.selection.run,
    )
    notes = [f"Rejected {Path(r.path).name}: {r.reason}." for r in rejected]
    results: dict[str, TaskResult] = {}
    for task_id, item in files.items():
        try:
            outcome = Outcome(item.outcome)
        except ValueError:
            note = _unknown_outcome_note(task_id, item.outcome)
            logger.warning("%s", note)
            notes.append(note)
            continue
        results[task_id] = TaskResult(
            task_id=task_id,
            outcome=outcome,
            exit_code=item.exit_code,
            duration=item.duration,
            tail=item.tail,
            message=item.message,
            blocked_by=item.blocked_by,
        )
    return results, notes


def _unknown_outcome_note(task_id: str, outcome: str) -> str:
    known = ", ".join(repr(member.value) for member in Outcome)
    return (
        f"Rejected the result of task {task_id}: its outcome {outcome!r} is "
        f"unknown, because this version of spectra-action writes only {known}."
    )


def head_plan(workspace: Path, head_sha: str, plan_path: str) -> Plan:
    """Read the plan as the pull request's head commit has it, without
    checking the head out.

    A ``workflow_run`` report runs in a checkout of the base branch, but the
    verify jobs ran on the head, and their result files carry the hash of the
    head's plan. The text is only parsed, and nothing from the head runs.
    Raises GitError when the commit cannot be fetched and PlanError when the
    head has no plan.
    """
    if not ensure_commit(workspace, head_sha):
        raise GitError(
            f"the pull request's head {head_sha} is not in {workspace} and "
            "could not be fetched; check out the base repository with "
            "actions/checkout before mode report"
        )
    plan = plan_at(workspace, head_sha, plan_path)
    if plan is None:
        raise PlanError(
            f"the pull request's head {head_sha} has no plan at {plan_path}; "
            "set plan-path to the plan file",
            path=plan_path,
        )
    # NOTE: the level comes from the plan's "## Level:" line. A project.yaml
    # level, which load_plan prefers, is not read from the head.
    return plan


def verify_fork_pull(client: GitHubClient, record: PullRecord) -> PullInfo:
    """Check through the API that the artifact's pull request is open and its
    head is the artifact's head SHA; return the pull request."""
    try:
        pull = client.pull(record.number)
    except GitHubError as error:
        raise ConfigError(
            f"pull request #{record.number} named by the results could not be "
            f"read: {error}"
        ) from None
    if pull.head_sha != record.head_sha:
        raise ConfigError(
            f"the results are for commit {record.head_sha}, but pull request "
            f"#{record.number} now has head {pull.head_sha}, so nothing is "
            "reported; the workflow run for the new head reports its own results"
        )
    if pull.state != "open":
        raise ConfigError(
            f"pull request #{record.number} is {pull.state}, so its results are "
            "not reported"
        )
    return pull
