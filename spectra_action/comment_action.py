"""Handling of ``/spectra`` commands in pull request comments.

Comment-triggered workflows run with a write token on the base repository,
so this module decides carefully what runs: only commands from people with
the required permission, only the plan and configuration of the base branch,
and only the head commit the API names when the command arrives.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from spectra_action import markdown
from spectra_action.commands import (
    Command,
    ParsedComment,
    Verb,
    help_text,
    parse_comment,
    ticked_reruns,
)
from spectra_action.config import load_config_text
from spectra_action.context import EventContext
from spectra_action.errors import ConfigError, GitError, SpectraError
from spectra_action.github import GitHubClient, GitHubError, PullInfo
from spectra_action.inputs import ActionInputs
from spectra_action.pipeline import (
    GateRequest,
    UnusablePlanError,
    fail_gate,
    plan_at,
    run_gate,
)
from spectra_action.plan import Plan
from spectra_action.publish import Publisher
from spectra_action.report import MARKER, RowStatus
from spectra_action.state import RunState

logger = logging.getLogger("spectra_action.comments")

REACTION_ACCEPTED = "eyes"
REACTION_FINISHED = "rocket"
REACTION_REJECTED = "confused"
_PERMISSION_RANK = {"none": 0, "read": 1, "write": 2, "admin": 3}
_FAILED_STATES = {
    RowStatus.FAILED.value,
    RowStatus.TIMED_OUT.value,
    RowStatus.ERROR.value,
    RowStatus.BLOCKED.value,
    RowStatus.STUCK.value,
}


def has_permission(permission: str, required: str) -> bool:
    return _PERMISSION_RANK.get(permission, 0) >= _PERMISSION_RANK[required]


def _git(repo: Path, args: Sequence[str], token: str | None = None) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    if token:
        # The header reaches only this git process, through its environment,
        # the way actions/checkout authenticates fetches.
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(
            {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "http.extraheader",
                "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
            }
        )
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise GitError(f"`git {' '.join(args)}` failed: {result.stderr.strip()}")
    return result.stdout.strip()


def check_out_pull_head(repo: Path, number: int, sha: str, token: str | None) -> str:
    """Fetch ``refs/pull/N/head`` and check out exactly ``sha``.

    Returns the SHA the fetched ref pointed to, which differs from ``sha``
    when the pull request moved on between the API call and the fetch; the
    approved ``sha`` is still what gets checked out.
    """
    _git(
        repo,
        [
            "fetch",
            "--no-tags",
            "origin",
            f"+refs/pull/{number}/head:refs/spectra/pull/{number}",
        ],
        token,
    )
    fetched = _git(repo, ["rev-parse", f"refs/spectra/pull/{number}"])
    if fetched != sha:
        try:
            _git(repo, ["cat-file", "-e", f"{sha}^{{commit}}"])
        except GitError:
            _git(repo, ["fetch", "--no-tags", "origin", sha], token)
    _git(repo, ["checkout", "--quiet", "--detach", sha])
    return fetched


def ensure_base(repo: Path, sha: str, ref: str, token: str | None) -> None:
    try:
        _git(repo, ["cat-file", "-e", f"{sha}^{{commit}}"])
    except GitError:
        _git(
            repo,
            ["fetch", "--no-tags", "origin", f"+refs/heads/{ref}:refs/spectra/base"],
            token,
        )


class CommentRun:
    """One comment event on a pull request, from trust checks to the report."""

    def __init__(
        self,
        context: EventContext,
        inputs: ActionInputs,
        env: Mapping[str, str],
        client: GitHubClient,
        publisher: Publisher,
    ) -> None:
        assert context.comment is not None and context.pr_number is not None
        self.context = context
        self.comment = context.comment
        self.number = context.pr_number
        self.inputs = inputs
        self.env = env
        self.client = client
        self.publisher = publisher

    def react(self, content: str) -> None:
        try:
            self.client.react(self.comment.id, content)
        except GitHubError as error:
            logger.warning("Could not add the %s reaction: %s", content, error)

    def reply(self, text: str) -> None:
        body = self.publisher.redactor.redact(text)
        try:
            self.client.create_comment(self.number, body)
        except GitHubError as error:
            logger.warning("Could not reply on the pull request: %s", error)

    def requested(
        self, base_plan: Plan | None
    ) -> tuple[list[Command], ParsedComment | None]:
        """Return the commands this event requests."""
        known = base_plan.task_ids if base_plan else []
        if self.comment.action == "created":
            parsed = parse_comment(self.comment.body, known_ids=known)
            return parsed.commands, parsed
        if self.comment.action == "edited" and self._is_own_checklist():
            ticked = ticked_reruns(self.comment.previous_body or "", self.comment.body)
            return [Command(verb=Verb.RERUN, targets=[t], line=0) for t in ticked], None
        return [], None

    def _is_own_checklist(self) -> bool:
        return (
            self.comment.user_login == self.client.bot_login()
            and self.comment.body.startswith(MARKER)
        )

    def permission_ok(self) -> bool:
        login = self.comment.sender_login
        try:
            permission = self.client.permission(login)
        except GitHubError as error:
            logger.warning("Could not read the permission of %s: %s", login, error)
            permission = "none"
        required = self.inputs.required_permission
        if has_permission(permission, required):
            return True
        logger.warning(
            "%s has %s permission and %s is required; the command is ignored.",
            login,
            permission,
            required,
        )
        self.react(REACTION_REJECTED)
        self.reply(
            f"spectra-action runs commands only for people with {required} "
            f"permission on this repository; @{login} has {permission}. "
            "Ask a maintainer to run the command."
        )
        return False


def _targets(
    commands: Sequence[Command], plan: Plan, previous: RunState | None
) -> tuple[list[str], list[str]]:
    """Return (tasks to rerun, tasks to reset) in plan order."""
    rerun: set[str] = set()
    reset: set[str] = set()
    for command in commands:
        ids: set[str]
        if command.targets == ["all"]:
            ids = set(plan.task_ids)
        elif command.targets == ["failed"]:
            ids = {
                task_id
                for task_id, state in (previous.tasks.items() if previous else ())
                if state.outcome in _FAILED_STATES
            }
        else:
            ids = set(command.targets)
        (rerun if command.verb is Verb.RERUN else reset).update(ids)
    order = plan.task_ids
    return [t for t in order if t in rerun], [t for t in order if t in reset]


def _problem_reply(parsed: ParsedComment, plan: Plan | None) -> str:
    lines = ["spectra-action could not read these commands:", ""]
    for problem in parsed.problems:
        # The message quotes the commenter's words, so it is escaped.
        lines.append(f"- line {problem.line}: {markdown.inline(problem.message)}")
    ids = (
        ", ".join(plan.task_ids[:20]) if plan else "none (the base branch has no plan)"
    )
    lines += ["", f"Task ids of the plan: {ids}.", "", help_text()]
    return "\n".join(lines)


def handle_comment(
    context: EventContext, inputs: ActionInputs, env: Mapping[str, str]
) -> int:
    """Handle one ``issue_comment`` event and return the exit code."""
    comment = context.comment
    if comment is None or not context.is_pull_request or context.pr_number is None:
        logger.info("The comment is not on a pull request; nothing to do.")
        return 0
    if comment.sender_type == "Bot" or comment.sender_login.endswith("[bot]"):
        logger.info(
            "Ignoring a comment event caused by the bot %s.", comment.sender_login
        )
        return 0
    if comment.action == "created" and "/spectra" not in comment.body.lower():
        return 0
    from spectra_action.action import make_client, make_redactor

    client = make_client(context, inputs, env)
    publisher = Publisher(
        client,
        number=context.pr_number,
        redactor=make_redactor(env, inputs),
        target_url=context.run_url,
    )
    run = CommentRun(context, inputs, env, client, publisher)
    if comment.action == "edited" and not run._is_own_checklist():
        return 0
    pull = client.pull(context.pr_number)
    workspace = context.workspace
    ensure_base(workspace, pull.base_sha, pull.base_ref, inputs.token)
    base_plan = plan_at(workspace, pull.base_sha, inputs.plan_path)
    commands, parsed = run.requested(base_plan)
    if not commands and not (parsed and parsed.problems):
        return 0
    if not run.permission_ok():
        return 0
    if parsed and parsed.problems:
        run.react(REACTION_REJECTED)
        run.reply(_problem_reply(parsed, base_plan))
    if not commands:
        return 0
    if any(c.verb is Verb.HELP for c in commands):
        run.reply(help_text())
    actionable = [c for c in commands if c.verb is not Verb.HELP]
    if not actionable:
        return 0
    if base_plan is None:
        run.react(REACTION_REJECTED)
        run.reply(
            f"The base branch {pull.base_ref} has no plan at {inputs.plan_path}, so "
            "there is nothing to rerun."
        )
        return 2
    run.react(REACTION_ACCEPTED)
    try:
        code = _rerun(run, pull, base_plan, actionable)
    except (SpectraError, UnusablePlanError) as error:
        logger.error("%s", error)
        run.react(REACTION_REJECTED)
        run.reply(f"spectra-action could not run the command: {error}")
        return 2
    run.react(REACTION_FINISHED)
    return code


def _rerun(
    run: CommentRun, pull: PullInfo, base_plan: Plan, commands: Sequence[Command]
) -> int:
    from spectra_action.action import publish_gate, run_settings

    inputs = run.inputs
    workspace = run.context.workspace
    previous = run.publisher.previous_state()
    rerun, reset = _targets(commands, base_plan, previous)
    # A reset clears the budget and then verifies the task at once: a reset
    # task that stayed unverified would otherwise drop out of the verdict.
    requested = {*rerun, *reset}
    rerun = [task_id for task_id in base_plan.task_ids if task_id in requested]
    if previous and reset:
        for task_id in reset:
            if task_id in previous.tasks:
                previous.tasks[task_id].attempts = 0
                if previous.tasks[task_id].outcome == RowStatus.STUCK.value:
                    previous.tasks[task_id].outcome = None
    inputs = _base_templates(workspace, pull.base_sha, inputs)
    fetched = check_out_pull_head(workspace, pull.number, pull.head_sha, inputs.token)
    config_text = (
        _git(workspace, ["show", f"{pull.base_sha}:{inputs.config_path}"])
        if _exists(workspace, pull.base_sha, inputs.config_path)
        else ""
    )
    config = load_config_text(config_text, inputs.config_path)
    # Earlier results count only for the commit they were taken on. When the
    # last report is for another commit, the whole gate runs on this one.
    same_head = previous is not None and previous.head_sha == pull.head_sha
    request = GateRequest(
        repo_root=workspace,
        head=pull.head_sha,
        base=pull.base_sha,
        plan_path=inputs.plan_path,
        config_path=inputs.config_path,
        change_source=inputs.changed_files if inputs.changed_files != "api" else "git",
        forced=rerun if same_head else None,
        run_dependents=inputs.run_dependents,
        settings=run_settings(inputs, run.env),
        previous=previous,
        keep_previous=same_head,
        redactor=run.publisher.redactor,
        env=run.env,
        plan_override=base_plan,
        config_override=config,
    )
    gate = run_gate(request)
    if not same_head:
        gate.view.notes.append(
            f"The last report was not for {pull.head_sha[:7]}, so every task "
            "this pull request affects ran, not only the requested ones."
        )
    head_plan = plan_at(workspace, pull.head_sha, inputs.plan_path)
    if head_plan is not None and head_plan.sha256 != base_plan.sha256:
        gate.view.notes.append(
            f"This pull request changes {inputs.plan_path}; commands from comments use "
            "the base branch's plan, so the pull request cannot change which "
            "commands run."
        )
        # The pull request's own tasks and commands were not verified here, so
        # a comment run must not be the one that turns the gate green.
        fail_gate(
            gate,
            "the pull request changes the plan, which a comment run does not "
            "verify; push a commit to gate it with its own plan",
        )
    if fetched != pull.head_sha:
        gate.view.notes.append(
            f"The pull request moved on to {fetched[:7]} after the command; this "
            f"report is for {pull.head_sha[:7]}, the head when the command arrived."
        )
    who = run.comment.sender_login
    if rerun:
        position = {task_id: index for index, task_id in enumerate(base_plan.task_ids)}
        ran = sorted(gate.selection.selected, key=position.__getitem__)
        gate.view.notes.append(f"Rerun of {', '.join(ran)} requested by {who}.")
    if reset:
        gate.view.notes.append(f"Attempts of {', '.join(reset)} reset by {who}.")
    context = run.context.model_copy(update={"head_sha": pull.head_sha})
    # The approved head is reported even when the pull request moved on, and
    # the note above states it. The run for the newer head reports after it.
    publish_gate(context, inputs, run.env, run.publisher, gate, check_stale=False)
    return gate.exit_code


def _base_templates(repo: Path, base_sha: str, inputs: ActionInputs) -> ActionInputs:
    """Copy custom templates out of the base commit before the pull request's
    head is checked out, so a pull request cannot change the template that
    renders a comment-triggered report."""
    updates: dict[str, str] = {}
    for field in ("template_path", "summary_template_path"):
        path = str(getattr(inputs, field))
        if not path:
            continue
        if not _exists(repo, base_sha, path):
            raise ConfigError(
                f"template {path} is not on the base branch; commands from "
                "comments use the base branch's templates"
            )
        # Inside .git, so the copy stays within the checkout but out of the
        # work tree that the head's checkout replaces.
        store = repo / ".git" / "spectra-templates"
        store.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="base-", dir=store))
        target = folder / Path(path).name
        target.write_text(_git(repo, ["show", f"{base_sha}:{path}"]) + "\n")
        updates[field] = str(target)
    return inputs.model_copy(update=updates) if updates else inputs


def _exists(repo: Path, revision: str, path: str) -> bool:
    try:
        _git(repo, ["cat-file", "-e", f"{revision}:{path}"])
    except GitError:
        return False
    return True
