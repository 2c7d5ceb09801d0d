"""Publish a gate result on GitHub: the checklist comment, commit statuses,
the check run, and what to do when the token may not write."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from spectra_action.github import GitHubClient, GitHubError
from spectra_action.plan import Finding, Severity
from spectra_action.redact import Redactor
from spectra_action.report import (
    MARKER,
    ReportView,
    RowStatus,
    TaskRow,
    status_description,
    truncate,
)
from spectra_action.state import RunState, decode_state

logger = logging.getLogger("spectra_action.publish")

AGGREGATE_CONTEXT = "spectra"
# With "auto", plans up to this many tasks get a status per task; larger plans
# get them only for the selected tasks. An Actions token has about 1,000
# requests an hour per repository, and each status costs one.
AUTO_TASK_STATUS_LIMIT = 50
CHECK_SUMMARY_LIMIT = 65535

_PERMISSION_HINTS = {
    "comment": "pull-requests: write",
    "status": "statuses: write",
    "check run": "checks: write",
    "reaction": "pull-requests: write",
}


def task_context(task_id: str) -> str:
    return f"{AGGREGATE_CONTEXT}/{task_id}"


def status_state(row: TaskRow) -> str:
    if row.status in (RowStatus.PASSED, RowStatus.COMPLETE, RowStatus.NOT_AFFECTED):
        return "success"
    if row.status is RowStatus.STUCK and not row.selected:
        return "success"
    if row.status is RowStatus.ERROR:
        return "error"
    return "failure"


def unselected_description(row: TaskRow) -> str:
    if row.status is RowStatus.COMPLETE:
        return "complete in the plan; not affected"
    if row.status is RowStatus.STUCK:
        return "marked stuck in the plan; not affected"
    return "not affected"


class Publisher:
    """Writes one run's report to a pull request, surviving a read-only token.

    Every write that GitHub refuses for lack of permission is logged once
    with the permission to grant, and the run goes on: the job summary and
    the annotations still carry the full report.
    """

    def __init__(
        self,
        client: GitHubClient,
        *,
        number: int,
        redactor: Redactor,
        target_url: str | None,
    ) -> None:
        self.client = client
        self.number = number
        self.redactor = redactor
        self.target_url = target_url
        self.denied: dict[str, str] = {}
        self.failures: list[str] = []
        self.comment_url: str | None = None
        self._own_comments: list[Any] | None = None

    def _denied(self, what: str, error: GitHubError) -> None:
        if what in self.denied:
            return
        hint = _PERMISSION_HINTS.get(what, "write access")
        message = (
            f"The token may not write the {what} (HTTP {error.status} on "
            f"{error.endpoint}). Grant `{hint}` in the workflow's permissions "
            "block; pull requests from forks get a read-only token, so use the "
            "fork-safe workflow for them. The job summary has the full report."
        )
        self.denied[what] = message
        logger.warning("%s", message)

    def _failed(self, what: str, error: GitHubError) -> None:
        """Record a write GitHub refused; the run goes on without it."""
        if error.is_permission_error:
            self._denied(what, error)
            return
        self.failures.append(f"Could not write the {what}: {error}")
        logger.error("Could not write the %s: %s", what, error)

    def previous_state(self) -> RunState | None:
        """Return the state stored in this identity's checklist comment."""
        comments = self.own_comments()
        if not comments:
            return None
        return decode_state(comments[0].body or "")

    def own_comments(self) -> list[Any]:
        if self._own_comments is None:
            try:
                self._own_comments = self.client.own_comments_with(self.number, MARKER)
            except GitHubError as error:
                logger.warning("Could not read the pull request's comments: %s", error)
                self._own_comments = []
        return self._own_comments

    def comment(self, body: str) -> None:
        """Create or edit the checklist comment; ``body`` is already redacted
        (``render_comment`` with this publisher's redactor)."""
        try:
            self.comment_url = self.client.upsert_comment(
                self.number, MARKER, body, existing=self.own_comments()
            )
        except GitHubError as error:
            self._failed("comment", error)

    def status(self, sha: str, state: str, context: str, description: str) -> None:
        if "status" in self.denied:
            return
        try:
            self.client.set_status(
                sha,
                state=state,
                context=context,
                description=truncate(self.redactor.redact(description), 140),
                target_url=self.target_url,
            )
        except GitHubError as error:
            self._failed("status", error)

    def pending(self, sha: str) -> None:
        self.status(
            sha, "pending", AGGREGATE_CONTEXT, "running the plan's verify commands"
        )

    def statuses(
        self,
        sha: str,
        view: ReportView,
        *,
        mode: str,
        aggregate_state: str,
        aggregate_description: str,
    ) -> None:
        rows = self._status_rows(view.tasks, mode)
        for row in rows:
            if row.selected:
                description = status_description(row)
            else:
                description = unselected_description(row)
            self.status(sha, status_state(row), task_context(row.id), description)
        self.status(sha, aggregate_state, AGGREGATE_CONTEXT, aggregate_description)

    def _status_rows(self, rows: Sequence[TaskRow], mode: str) -> list[TaskRow]:
        if mode == "none":
            return []
        if mode == "all":
            return list(rows)
        if mode == "auto" and len(rows) <= AUTO_TASK_STATUS_LIMIT:
            return list(rows)
        if mode == "auto":
            logger.info(
                "The plan has %d tasks, more than %d, so only selected tasks get "
                "a status; require the aggregate `spectra` status in branch "
                "protection, or set task-statuses: all.",
                len(rows),
                AUTO_TASK_STATUS_LIMIT,
            )
        return [row for row in rows if row.selected]

    def check_run(
        self,
        sha: str,
        *,
        conclusion: str,
        title: str,
        summary: str,
        annotations: Sequence[dict[str, Any]],
    ) -> None:
        summary = self.redactor.redact(summary)
        if len(summary) > CHECK_SUMMARY_LIMIT:
            summary = (
                summary[: CHECK_SUMMARY_LIMIT - 40] + "\n\n… cut to fit the check run."
            )
        try:
            self.client.create_check_run(
                name=AGGREGATE_CONTEXT,
                head_sha=sha,
                conclusion=conclusion,
                title=truncate(self.redactor.redact(title), 255),
                summary=summary,
                annotations=annotations,
                details_url=self.target_url,
            )
        except GitHubError as error:
            self._failed("check run", error)


def check_annotations(
    findings: Sequence[Finding], files: Sequence[tuple[str, str, str]]
) -> list[dict[str, Any]]:
    """Build check-run annotations from plan findings and file findings
    (path, severity, message)."""
    annotations: list[dict[str, Any]] = []
    for finding in findings:
        annotations.append(
            {
                "path": finding.path,
                "start_line": max(1, finding.line),
                "end_line": max(1, finding.line),
                "annotation_level": "failure"
                if finding.severity is Severity.ERROR
                else "warning",
                "title": finding.code,
                "message": finding.message[:4000],
            }
        )
    for path, severity, message in files:
        annotations.append(
            {
                "path": path,
                "start_line": 1,
                "end_line": 1,
                "annotation_level": "failure" if severity == "error" else "warning",
                "title": "spectra ownership",
                "message": message[:4000],
            }
        )
    return annotations
