"""The only module that talks to GitHub: comments, statuses, check runs,
reactions and permissions, with a retry policy of the product's own.

PyGithub's built-in retry is switched off. It retries POST after a lost
response, which can create a second comment, and never retries PATCH. Here,
reads and idempotent writes are retried on 5xx responses, dropped connections
and rate limits, with exponential backoff and jitter, bounded both in attempts
and in total time; a comment is only created after the list of comments was
read again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException
from github.IssueComment import IssueComment
from github.Repository import Repository

from spectra_action.errors import SpectraError

logger = logging.getLogger("spectra_action.github")

T = TypeVar("T")

DEFAULT_BOT_LOGIN = "github-actions[bot]"
_PAT_PREFIXES = ("ghp_", "github_pat_", "gho_", "ghu_")


class GitHubError(SpectraError):
    """A GitHub request failed for good. ``status`` is the HTTP status, or
    None when no response arrived."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        endpoint: str,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint
        self.rate_limited = rate_limited

    @property
    def is_permission_error(self) -> bool:
        return self.status in (401, 403, 404) and not self.rate_limited


class MaybeAppliedError(GitHubError):
    """A write failed without a clear response, so it may have been applied."""


@dataclass
class RetryPolicy:
    """Bounds of the retry loop; total_seconds caps the time spent waiting."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    total_seconds: float = 300.0
    sleep: Callable[[float], None] = time.sleep


@dataclass
class PullInfo:
    number: int
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    head_repo: str | None
    title: str
    body: str
    labels: list[str]
    state: str


@dataclass
class RequestCounter:
    """Counts the requests this client caused, by kind, for the log."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    by_endpoint: dict[str, int] = field(default_factory=dict)


def _message(error: GithubException) -> str:
    data = error.data
    if isinstance(data, dict):
        message = str(data.get("message", ""))
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            details = [
                str(item.get("message", item)) if isinstance(item, dict) else str(item)
                for item in errors
            ]
            message += " (" + "; ".join(details) + ")"
        return message
    return str(data)


def _header(error: GithubException, name: str) -> str | None:
    headers = error.headers or {}
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def _rate_limit_wait(error: GithubException) -> float | None:
    """Return how long to wait before retrying, or None when not a rate limit."""
    if error.status not in (403, 429):
        return None
    retry_after = _header(error, "retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return 60.0
    if _header(error, "x-ratelimit-remaining") == "0":
        reset = _header(error, "x-ratelimit-reset")
        if reset is not None:
            try:
                return max(0.0, float(reset) - time.time()) + 1.0
            except ValueError:
                return 60.0
    if "rate limit" in _message(error).lower():
        return 60.0
    return None


class GitHubClient:
    """A repository on GitHub, as far as the gate needs it.

    All objects are lazy, so a write on a known URL costs exactly one request.
    """

    def __init__(
        self,
        *,
        token: str,
        api_url: str,
        repository: str,
        retry: RetryPolicy | None = None,
        write_interval: float = 0.8,
        bot_login: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        # 0.8 s between writes stays under GitHub's secondary limit of about
        # 80 content-creating requests a minute.
        self._github = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            per_page=100,
            lazy=True,
            retry=None,
            timeout=int(timeout),
            seconds_between_requests=0.0,
            seconds_between_writes=write_interval,
        )
        self._repo_name = repository
        self._repo: Repository = self._github.get_repo(repository)
        self.retry = retry or RetryPolicy()
        self.counter = RequestCounter()
        self._token = token
        self._bot_login = bot_login

    # -- retry loop -----------------------------------------------------

    def call(
        self,
        endpoint: str,
        action: Callable[[], T],
        *,
        write: bool = False,
        idempotent: bool = True,
    ) -> T:
        """Run one API call with the retry policy; raise GitHubError when it
        fails for good. ``endpoint`` names the call in messages.

        A call that is not ``idempotent`` is retried only on rate limits,
        which GitHub rejects before doing anything. After a 5xx response or a
        lost connection it raises MaybeAppliedError at once, because the
        write may have happened.
        """
        started = time.monotonic()
        delay = self.retry.base_delay
        for attempt in range(1, self.retry.attempts + 1):
            self._count(endpoint, write)
            try:
                return action()
            except GithubException as error:
                wait = _rate_limit_wait(error)
                if wait is None and error.status < 500:
                    raise GitHubError(
                        f"{endpoint} failed with HTTP {error.status}: "
                        f"{_message(error)}",
                        status=error.status,
                        endpoint=endpoint,
                    ) from error
                reason = f"HTTP {error.status}: {_message(error)}"
                status: int | None = error.status
            except (requests.ConnectionError, requests.Timeout) as error:
                wait = None
                reason = f"connection failed: {type(error).__name__}"
                status = None
            if wait is None and not idempotent:
                raise MaybeAppliedError(
                    f"{endpoint} failed ({reason}) and may have been applied",
                    status=status,
                    endpoint=endpoint,
                )
            if wait is None:
                wait = min(self.retry.max_delay, delay) * (0.5 + random.random() / 2)
                delay *= 2
            elapsed = time.monotonic() - started
            if (
                attempt == self.retry.attempts
                or elapsed + wait > self.retry.total_seconds
            ):
                raise GitHubError(
                    f"{endpoint} failed after {attempt} attempts: {reason}",
                    status=status,
                    endpoint=endpoint,
                    rate_limited=status in (403, 429),
                )
            logger.warning(
                "%s failed (%s); retrying in %.1fs (attempt %d of %d)",
                endpoint,
                reason,
                wait,
                attempt + 1,
                self.retry.attempts,
            )
            self.counter.retries += 1
            self.retry.sleep(wait)
        raise AssertionError("unreachable")

    def _count(self, endpoint: str, write: bool) -> None:
        if write:
            self.counter.writes += 1
        else:
            self.counter.reads += 1
        self.counter.by_endpoint[endpoint] = (
            self.counter.by_endpoint.get(endpoint, 0) + 1
        )

    # -- reads ------------------------------------------------------------

    def pull(self, number: int) -> PullInfo:
        def fetch() -> PullInfo:
            pr = self._repo.get_pull(number)
            return PullInfo(
                number=number,
                head_sha=pr.head.sha,
                base_sha=pr.base.sha,
                head_ref=pr.head.ref,
                base_ref=pr.base.ref,
                head_repo=pr.head.repo.full_name if pr.head.repo else None,
                title=pr.title or "",
                body=pr.body or "",
                labels=[label.name for label in pr.labels],
                state=pr.state,
            )

        return self.call(f"GET /repos/{self._repo_name}/pulls/{number}", fetch)

    def pull_head_sha(self, number: int) -> str:
        return self.pull(number).head_sha

    def pull_files(self, number: int) -> Iterator[tuple[str, str, str | None]]:
        """Yield (filename, status, previous_filename) of a pull request's
        files; GitHub returns at most 3,000."""

        def fetch() -> list[tuple[str, str, str | None]]:
            pr = self._repo.get_pull(number)
            return [
                (item.filename, item.status, item.previous_filename)
                for item in pr.get_files()
            ]

        yield from self.call(
            f"GET /repos/{self._repo_name}/pulls/{number}/files", fetch
        )

    def bot_login(self) -> str:
        """Return the login that comments written with this token carry.

        An Actions token cannot read ``GET /user``; its comments are written by
        ``github-actions[bot]``. A personal access token can, so it is asked.
        """
        if self._bot_login is None:
            if self._token.startswith(_PAT_PREFIXES):
                user = self.call("GET /user", lambda: self._github.get_user().login)
                self._bot_login = user
            else:
                self._bot_login = DEFAULT_BOT_LOGIN
        return self._bot_login

    def comments(self, number: int) -> list[IssueComment]:
        issue = self._repo.get_issue(number)
        return self.call(
            f"GET /repos/{self._repo_name}/issues/{number}/comments",
            lambda: list(issue.get_comments()),
        )

    def own_comments_with(self, number: int, marker: str) -> list[IssueComment]:
        """Return this identity's comments that start with ``marker``, oldest
        first, so that a person quoting the marker is never matched."""
        login = self.bot_login()
        return [
            comment
            for comment in self.comments(number)
            if comment.user.login == login and (comment.body or "").startswith(marker)
        ]

    def permission(self, login: str) -> str:
        return self.call(
            f"GET /repos/{self._repo_name}/collaborators/{login}/permission",
            lambda: self._repo.get_collaborator_permission(login),
        )

    # -- writes -----------------------------------------------------------

    def create_comment(self, number: int, body: str) -> IssueComment:
        issue = self._repo.get_issue(number)
        endpoint = f"POST /repos/{self._repo_name}/issues/{number}/comments"
        return self.call(
            endpoint, lambda: issue.create_comment(body), write=True, idempotent=False
        )

    def edit_comment(self, comment: IssueComment, body: str) -> None:
        endpoint = f"PATCH /repos/{self._repo_name}/issues/comments/{comment.id}"
        self.call(endpoint, lambda: comment.edit(body), write=True)

    def delete_comment(self, comment: IssueComment) -> None:
        endpoint = f"DELETE /repos/{self._repo_name}/issues/comments/{comment.id}"
        self.call(endpoint, comment.delete, write=True)

    def upsert_comment(
        self,
        number: int,
        marker: str,
        body: str,
        existing: Sequence[IssueComment] | None = None,
    ) -> str:
        """Edit this identity's sticky comment, or create it; return its URL.

        ``existing`` is the list from ``own_comments_with`` when the caller
        already read it. When racing runs left several, the oldest is kept
        and the others are deleted. When a create fails in a way that may
        have applied it, the comments are read again before another try, so
        a lost response never leaves two comments.
        """
        if existing is None:
            existing = self.own_comments_with(number, marker)
        for attempt in range(1, self.retry.attempts + 1):
            if existing:
                keep, *extra = existing
                self.edit_comment(keep, body)
                for comment in extra:
                    logger.info("Deleting duplicate checklist comment %s.", comment.id)
                    self.delete_comment(comment)
                return str(keep.html_url)
            try:
                return str(self.create_comment(number, body).html_url)
            except MaybeAppliedError as error:
                if attempt == self.retry.attempts:
                    raise GitHubError(
                        f"{error}; gave up after {attempt} attempts",
                        status=error.status,
                        endpoint=error.endpoint,
                    ) from error
                logger.warning("%s; reading the comments again", error)
                self.retry.sleep(self.retry.base_delay)
                existing = self.own_comments_with(number, marker)
        raise AssertionError("unreachable")

    def set_status(
        self,
        sha: str,
        *,
        state: str,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> None:
        commit = self._repo.get_commit(sha)
        arguments: dict[str, Any] = {
            "state": state,
            "context": context,
            "description": description,
        }
        if target_url:
            arguments["target_url"] = target_url
        self.call(
            f"POST /repos/{self._repo_name}/statuses/{sha[:12]} ({context})",
            lambda: commit.create_status(**arguments),
            write=True,
        )

    def react(self, comment_id: int, content: str) -> None:
        def post() -> None:
            comment = self._repo.get_issue(0).get_comment(comment_id)
            comment.create_reaction(content)

        self.call(
            f"POST /repos/{self._repo_name}/issues/comments/{comment_id}/reactions",
            post,
            write=True,
        )

    def create_check_run(
        self,
        *,
        name: str,
        head_sha: str,
        conclusion: str,
        title: str,
        summary: str,
        annotations: Sequence[dict[str, Any]],
        details_url: str | None = None,
    ) -> None:
        """Create a completed check run, sending annotations in batches of 50,
        GitHub's per-request limit."""
        first, rest = list(annotations[:50]), list(annotations[50:])
        output: dict[str, Any] = {"title": title, "summary": summary}
        if first:
            output["annotations"] = first
        arguments: dict[str, Any] = {
            "name": name,
            "head_sha": head_sha,
            "status": "completed",
            "conclusion": conclusion,
            "output": output,
        }
        if details_url:
            arguments["details_url"] = details_url
        run = self.call(
            f"POST /repos/{self._repo_name}/check-runs",
            lambda: self._repo.create_check_run(**arguments),
            write=True,
        )
        while rest:
            batch, rest = rest[:50], rest[50:]
            batch_output = {"title": title, "summary": summary, "annotations": batch}
            self.call(
                f"PATCH /repos/{self._repo_name}/check-runs/{run.id}",
                lambda out=batch_output: run.edit(output=out),  # type: ignore[misc]
                write=True,
            )

    def rate_limit_remaining(self) -> tuple[int, int]:
        return self._github.rate_limiting
