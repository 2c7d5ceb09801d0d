"""The GitHub Action: a pull request event in, a report on GitHub out."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from spectra_action import actions
from spectra_action.context import EventContext, load_context
from spectra_action.errors import ConfigError, SpectraError
from spectra_action.github import GitHubClient, GitHubError, RetryPolicy
from spectra_action.inputs import ActionInputs, read_inputs
from spectra_action.pipeline import (
    GateRequest,
    GateResult,
    UnusablePlanError,
    error_view,
    finish_gate,
    prepare_gate,
    run_gate,
)
from spectra_action.plan import Finding
from spectra_action.publish import Publisher, check_annotations
from spectra_action.redact import Redactor
from spectra_action.report import ReportView, render_comment, render_summary
from spectra_action.runner import RunSettings
from spectra_action.scoping import declared_tasks
from spectra_action.state import RunState, encode_state

logger = logging.getLogger("spectra_action.action")

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


def run_action(env: Mapping[str, str]) -> int:
    """Run the action for the event in ``env``; return the exit code."""
    context = load_context(env)
    inputs = read_inputs(env)
    actions.mark_safe_directory(context.workspace)
    if context.event_name in PULL_REQUEST_EVENTS and context.pr_number:
        return gate_pull_request(context, inputs, env)
    if context.event_name == "workflow_run" and inputs.mode == "report":
        return report_workflow_run(context, inputs, env)
    if context.event_name == "issue_comment":
        from spectra_action.comment_action import handle_comment

        return handle_comment(context, inputs, env)
    logger.info(
        "Event %s is not a pull request or a pull request comment; nothing to gate.",
        context.event_name,
    )
    return 0


def make_client(
    context: EventContext, inputs: ActionInputs, env: Mapping[str, str]
) -> GitHubClient:
    if not inputs.token:
        raise ConfigError(
            "input token is empty; pass `token: ${{ github.token }}` to the action"
        )
    retry = RetryPolicy(
        attempts=int(_env_number(env, "SPECTRA_RETRY_ATTEMPTS", 5)) or 1,
        total_seconds=_env_number(env, "SPECTRA_RETRY_SECONDS", 300),
    )
    return GitHubClient(
        token=inputs.token,
        api_url=context.api_url,
        repository=context.repository,
        retry=retry,
        bot_login=env.get("SPECTRA_BOT_LOGIN") or None,
        write_interval=_env_number(env, "SPECTRA_WRITE_INTERVAL", 0.8),
    )


def _env_number(env: Mapping[str, str], name: str, default: float) -> int | float:
    """Read an advanced numeric setting from the environment."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"invalid {name} {raw!r}: use a number") from None
    if value < 0:
        raise ConfigError(f"invalid {name} {raw!r}: use a number of 0 or more")
    return int(value) if value.is_integer() else value


def make_redactor(env: Mapping[str, str], inputs: ActionInputs) -> Redactor:
    return Redactor(env, extra_values=[inputs.token] if inputs.token else [])


def run_settings(inputs: ActionInputs, env: Mapping[str, str]) -> RunSettings:
    results_dir = inputs.results_dir or os.path.join(
        env.get("RUNNER_TEMP") or tempfile.gettempdir(), "spectra-results"
    )
    return RunSettings(
        max_parallel=inputs.max_parallel,
        timeout=inputs.task_timeout,
        tail_lines=inputs.tail_lines,
        tail_bytes=inputs.tail_bytes,
        results_dir=Path(results_dir),
        stream=True,
        github_actions=True,
        # The results directory is meant to be uploaded as an artifact, which
        # leaves the runner, so its logs are redacted like everything else.
        redact_log=True,
    )


def forced_tasks(inputs: ActionInputs, known: list[str]) -> list[str] | None:
    """Return the tasks the ``tasks`` input names, or None for automatic."""
    raw = inputs.tasks.replace(",", " ").split()
    if not raw:
        return None
    if [word.lower() for word in raw] == ["all"]:
        return list(known)
    chosen = []
    for word in raw:
        task_id = word.zfill(3) if word.isdigit() else word
        if task_id not in known:
            raise ConfigError(
                f"input tasks names {word!r}, which is not a task of the plan; "
                f"use ids such as {', '.join(known[:3])}, or all"
            )
        chosen.append(task_id)
    return chosen


def gate_pull_request(
    context: EventContext, inputs: ActionInputs, env: Mapping[str, str]
) -> int:
    """Gate one pull request: run the plan's checks and publish the report."""
    if inputs.mode in ("plan", "verify"):
        return _unprivileged_mode(context, inputs, env)
    if context.pr_number is None or not context.head_sha:
        raise ConfigError(
            f"the {context.event_name} event payload has no pull request number "
            "or head SHA; run the action on pull_request events"
        )
    client = make_client(context, inputs, env)
    redactor = make_redactor(env, inputs)
    publisher = Publisher(
        client, number=context.pr_number, redactor=redactor, target_url=context.run_url
    )
    head = context.head_sha
    if inputs.report in ("status", "both"):
        publisher.pending(head)
    try:
        return _gate_with_pending(context, inputs, env, client, publisher, redactor)
    except BaseException:
        # Never leave the required check pending: an unexpected failure
        # still ends it, then goes on to the bug report.
        _fail_reports(
            inputs,
            publisher,
            head,
            "spectra-action failed unexpectedly; see the job log",
        )
        raise


def _gate_with_pending(
    context: EventContext,
    inputs: ActionInputs,
    env: Mapping[str, str],
    client: GitHubClient,
    publisher: Publisher,
    redactor: Redactor,
) -> int:
    previous = publisher.previous_state()
    settings = run_settings(inputs, env)
    try:
        _template(context, inputs.template_path)
        _template(context, inputs.summary_template_path)
        request = build_request(
            context, inputs, env, client, previous, settings, redactor
        )
        if inputs.mode == "report":
            gate = _collect_report(request, inputs, env)
        else:
            gate = run_gate(request)
    except UnusablePlanError as error:
        return _publish_error(
            context, inputs, env, publisher, str(error), error.findings
        )
    except SpectraError as error:
        return _publish_error(context, inputs, env, publisher, str(error), [])
    publish_gate(context, inputs, env, publisher, gate)
    return gate.exit_code


def _collect_report(
    request: GateRequest, inputs: ActionInputs, env: Mapping[str, str]
) -> GateResult:
    from spectra_action.fanout_action import collected_results

    prepared = prepare_gate(request)
    results_dir = request.settings.results_dir
    assert results_dir is not None
    results, notes = collected_results(results_dir, prepared, request.head)
    gate = finish_gate(request, prepared, results)
    gate.view.notes.extend(notes)
    return gate


def _unprivileged_mode(
    context: EventContext, inputs: ActionInputs, env: Mapping[str, str]
) -> int:
    """Run mode plan or verify, which write nothing to GitHub, so a read-only
    token (a fork's pull request) is enough."""
    from spectra_action.fanout_action import run_plan_mode, run_verify_mode

    client = make_client(context, inputs, env)
    redactor = make_redactor(env, inputs)
    previous = None
    if inputs.mode == "plan" and context.pr_number is not None:
        publisher = Publisher(
            client, number=context.pr_number, redactor=redactor, target_url=None
        )
        previous = publisher.previous_state()
    settings = run_settings(inputs, env)
    try:
        request = build_request(
            context, inputs, env, client, previous, settings, redactor
        )
        if inputs.mode == "plan":
            return run_plan_mode(request, inputs, env, context)
        return run_verify_mode(request, inputs, env, context)
    except (UnusablePlanError, SpectraError) as error:
        findings = error.findings if isinstance(error, UnusablePlanError) else []
        logger.error("%s", error)
        _annotate_findings(findings)
        actions.write_outputs(
            env.get("GITHUB_OUTPUT"),
            {"result": "error", "affected-tasks": "[]", "matrix": '{"include":[]}'},
        )
        return 2


def report_workflow_run(
    context: EventContext, inputs: ActionInputs, env: Mapping[str, str]
) -> int:
    """Publish fan-out results from a ``workflow_run`` event.

    The artifact names the pull request; the API must confirm that the pull
    request exists and that its head is the artifact's head SHA. Only data
    read from validated result files reaches the report.
    """
    from spectra_action.fanout_action import read_pull_record, verify_fork_pull

    settings = run_settings(inputs, env)
    assert settings.results_dir is not None
    record = read_pull_record(settings.results_dir)
    if context.workflow_run_head_sha != record.head_sha:
        raise ConfigError(
            f"the results name head {record.head_sha}, but the workflow run "
            f"that produced them ran on {context.workflow_run_head_sha}; "
            "nothing is reported for results that do not match their run"
        )
    client = make_client(context, inputs, env)
    pull = verify_fork_pull(client, record)
    pr_context = context.model_copy(
        update={
            "pr_number": pull.number,
            "head_sha": pull.head_sha,
            "base_sha": pull.base_sha,
            "head_ref": pull.head_ref,
            "base_ref": pull.base_ref,
            "head_repo": pull.head_repo,
            "title": pull.title,
            "body": pull.body,
            "labels": pull.labels,
            "is_pull_request": True,
        }
    )
    report_inputs = inputs.model_copy(update={"mode": "report"})
    return gate_pull_request(pr_context, report_inputs, env)


def build_request(
    context: EventContext,
    inputs: ActionInputs,
    env: Mapping[str, str],
    client: GitHubClient,
    previous: RunState | None,
    settings: RunSettings,
    redactor: Redactor,
) -> GateRequest:
    """Build the gate request for a pull request from the workspace's plan."""
    from spectra_action.config import DEFAULT_CONFIG_PATH, load_config
    from spectra_action.plan import load_plan

    workspace = context.workspace
    if context.event_name == "workflow_run" and context.head_sha:
        # The workspace is the base branch; verify ran on the head's plan.
        from spectra_action.fanout_action import head_plan

        plan = head_plan(workspace, context.head_sha, inputs.plan_path)
    else:
        plan = load_plan(workspace, inputs.plan_path)
    named = inputs.config_path != DEFAULT_CONFIG_PATH
    if named and not (workspace / inputs.config_path).is_file():
        raise ConfigError(
            f"config-path {inputs.config_path} was not found in the repository; "
            "fix the input, or leave it out to use .github/spectra.yml or the "
            "defaults"
        )
    config = load_config(workspace, inputs.config_path)
    declaration = declared_tasks(
        branch=context.head_ref,
        title=context.title,
        labels=context.labels,
        body=context.body,
        config=config.scoping,
        known_ids=plan.task_ids,
    )
    for task_id, sources in declaration.unknown.items():
        logger.warning(
            "The pull request declares task %s (%s), but the plan has no such "
            "task; fix the id or add the task to the plan.",
            task_id,
            ", ".join(sources),
        )
    number = context.pr_number
    assert number is not None

    def client_files() -> Iterator[tuple[str, str, str | None]]:
        return client.pull_files(number)

    return GateRequest(
        repo_root=workspace,
        head=context.head_sha or "HEAD",
        base=context.base_sha,
        plan_path=inputs.plan_path,
        config_path=inputs.config_path,
        change_source=inputs.changed_files,
        api_files=client_files,
        declared=declaration.tasks,
        forced=forced_tasks(inputs, plan.task_ids),
        run_dependents=inputs.run_dependents,
        settings=settings,
        previous=previous,
        redactor=redactor,
        env=env,
        plan_override=plan,
        config_override=config,
    )


def _annotate_findings(findings: Sequence[Finding]) -> None:
    """Print plan findings as workflow annotations on the plan file."""
    for finding in findings:
        actions.emit(
            actions.annotation(
                finding.severity.value,
                finding.message,
                file=finding.path,
                line=finding.line,
                title=finding.code,
            )
        )


def _publish_error(
    context: EventContext,
    inputs: ActionInputs,
    env: Mapping[str, str],
    publisher: Publisher,
    message: str,
    findings: list[Finding],
) -> int:
    logger.error("%s", message)
    _annotate_findings(findings)
    view = error_view(message, findings, context.head_sha or "")
    view.run_url = context.run_url
    # Keep the attempt counts and results through a broken run.
    previous = publisher.previous_state()
    if previous is not None:
        view.state = encode_state(previous)
    _write_files(
        env, view, inputs, redactor=publisher.redactor, result="error", affected=[]
    )
    head = context.head_sha
    if not head or context.pr_number is None:
        return 2
    current = _current_head(publisher.client, context.pr_number)
    if current is not None and current != head:
        logger.warning(
            "The pull request moved on to %s; the error report for %s is left "
            "out of the checklist comment.",
            current,
            head,
        )
    else:
        publisher.comment(render_comment(view, redact=publisher.redactor.redact))
    _fail_reports(inputs, publisher, head, f"unusable plan or configuration: {message}")
    return 2


def _fail_reports(
    inputs: ActionInputs, publisher: Publisher, head: str, description: str
) -> None:
    """Set the failing aggregate status or check run that the report mode
    selects, so a required ``spectra`` check does not stay pending."""
    if inputs.report in ("status", "both"):
        publisher.status(head, "failure", "spectra", description)
    if inputs.report in ("check-run", "both"):
        publisher.check_run(
            head,
            conclusion="failure",
            title=description,
            summary=description,
            annotations=[],
        )


def _write_files(
    env: Mapping[str, str],
    view: ReportView,
    inputs: ActionInputs,
    *,
    redactor: Redactor,
    result: str,
    affected: list[str],
    comment_url: str | None = None,
    results_dir: str | None = None,
    summary_template: str | None = None,
) -> None:
    """Write the job summary and the step outputs.

    ``redactor`` is the run's own, which contains the masks that verify
    commands registered. A fresh one would miss them.
    """
    actions.write_summary(
        env.get("GITHUB_STEP_SUMMARY"),
        redactor.redact(render_summary(view, summary_template)),
    )
    outputs = {"result": result, "affected-tasks": json.dumps(affected)}
    if comment_url:
        outputs["comment-url"] = comment_url
    if results_dir:
        outputs["results-dir"] = results_dir
    actions.write_outputs(env.get("GITHUB_OUTPUT"), outputs)


def _annotate(gate: GateResult) -> list[tuple[str, str, str]]:
    file_messages = []
    for row in gate.view.files:
        message = f"{row.path} is {row.verdict}"
        if row.tasks:
            message += f" (tasks {', '.join(row.tasks)})"
        level = "error" if row.severity == "error" else "warning"
        actions.emit(
            actions.annotation(level, message, file=row.path, title="spectra ownership")
        )
        file_messages.append((row.path, row.severity, message))
    _annotate_findings(gate.plan_findings)
    return file_messages


def publish_gate(
    context: EventContext,
    inputs: ActionInputs,
    env: Mapping[str, str],
    publisher: Publisher,
    gate: GateResult,
    *,
    check_stale: bool = True,
) -> None:
    """Write the report of a finished gate run to GitHub and the runner.

    With ``check_stale``, a run whose head is no longer the pull request's
    head leaves the comment to the newer run and only sets its own statuses.
    """
    assert context.pr_number is not None and context.head_sha
    head = context.head_sha
    view = gate.view
    view.run_url = context.run_url
    view.summary_url = context.run_url
    view.repository = context.repository
    summary_template = _template(context, inputs.summary_template_path)
    file_messages = _annotate(gate)
    current_head = (
        _current_head(publisher.client, context.pr_number) if check_stale else None
    )
    stale = current_head is not None and current_head != head
    if stale:
        logger.warning(
            "The pull request moved on to %s while this run checked %s; the "
            "checklist comment is left for the newer run, and only the statuses "
            "of %s are set.",
            current_head,
            head,
            head,
        )
    else:
        publisher.comment(
            render_comment(
                view,
                _template(context, inputs.template_path),
                redact=publisher.redactor.redact,
            )
        )
    description = view.headline
    aggregate = "success" if gate.exit_code == 0 else "failure"
    if inputs.report in ("status", "both"):
        publisher.statuses(
            head,
            view,
            mode=inputs.task_statuses,
            aggregate_state=aggregate,
            aggregate_description=description,
        )
    if inputs.report in ("check-run", "both"):
        publisher.check_run(
            head,
            conclusion=aggregate,
            title=description,
            summary=render_summary(view, summary_template),
            annotations=check_annotations(gate.plan_findings, file_messages),
        )
    view.notes.extend(publisher.denied.values())
    view.notes.extend(publisher.failures)
    _write_files(
        env,
        view,
        inputs,
        redactor=publisher.redactor,
        result=gate.result,
        affected=gate.selection.selected,
        comment_url=publisher.comment_url,
        results_dir=str(run_settings(inputs, env).results_dir),
        summary_template=summary_template,
    )


def _template(context: EventContext, path: str) -> str | None:
    """Resolve a template input against the workspace; None for built-in."""
    if not path:
        return None
    root = context.workspace.resolve()
    resolved = (root / path).resolve()
    if not resolved.is_relative_to(root):
        raise ConfigError(
            f"template {path} resolves to {resolved}, outside the checkout "
            f"{root}; keep templates inside the repository"
        )
    if not resolved.is_file():
        raise ConfigError(
            f"template {path} not found in the repository; "
            "fix the template-path or summary-template-path input"
        )
    return str(resolved)


def _current_head(client: GitHubClient, number: int) -> str | None:
    try:
        return client.pull_head_sha(number)
    except GitHubError as error:
        logger.warning("Could not read the pull request's current head: %s", error)
        return None
