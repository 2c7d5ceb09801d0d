"""The GitHub Actions environment and event payload as one typed object."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from spectra_action.errors import ConfigError


class CommentEvent(BaseModel):
    """The comment of an ``issue_comment`` event."""

    action: str
    id: int
    body: str
    user_login: str
    user_type: str
    sender_login: str
    sender_type: str
    previous_body: str | None = None


class EventContext(BaseModel):
    """Who triggered the run, on which repository, pull request and commits.

    ``head_sha`` is the pull request's head commit, never ``GITHUB_SHA``: on
    ``pull_request`` events that variable names the test merge commit and on
    ``issue_comment`` events the default branch's tip. Comment events carry no
    head SHA at all, so it stays ``None`` until the API is asked.
    """

    event_name: str
    repository: str
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    workspace: Path
    run_id: str | None = None
    actor: str | None = None
    pr_number: int | None = None
    head_sha: str | None = None
    base_sha: str | None = None
    head_ref: str | None = None
    base_ref: str | None = None
    head_repo: str | None = None
    title: str | None = None
    body: str | None = None
    labels: list[str] = []
    pr_author: str | None = None
    comment: CommentEvent | None = None
    is_pull_request: bool = False
    # For workflow_run events: the head commit of the run that finished.
    workflow_run_head_sha: str | None = None

    @property
    def run_url(self) -> str | None:
        if not self.run_id:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def is_fork(self) -> bool:
        return self.head_repo is not None and self.head_repo != self.repository


def _require(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"environment variable {name} is not set; run spectra-action inside "
            "GitHub Actions, or use `spectra-action check` on a local checkout"
        )
    return value


def _read_event(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"cannot read the event payload {path}: {error.strerror}"
        ) from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"the event payload {path} is not UTF-8 (byte {error.start}); "
            "pass the file GitHub wrote to GITHUB_EVENT_PATH"
        ) from error
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"the event payload {path} is not valid JSON: {error.msg} "
            f"at line {error.lineno}"
        ) from error
    if not isinstance(payload, dict):
        raise ConfigError(f"the event payload {path} is not a JSON object")
    return payload


def _label_names(labels: object) -> list[str]:
    if not isinstance(labels, list):
        return []
    return [
        str(label["name"])
        for label in labels
        if isinstance(label, dict) and isinstance(label.get("name"), str)
    ]


def _pull_request_fields(pr: Mapping[str, Any]) -> dict[str, Any]:
    head = pr.get("head") or {}
    base = pr.get("base") or {}
    head_repo = head.get("repo") or {}
    return {
        "pr_number": pr.get("number"),
        "head_sha": head.get("sha"),
        "base_sha": base.get("sha"),
        "head_ref": head.get("ref"),
        "base_ref": base.get("ref"),
        "head_repo": head_repo.get("full_name"),
        "title": pr.get("title"),
        "body": pr.get("body"),
        "labels": _label_names(pr.get("labels")),
        "pr_author": (pr.get("user") or {}).get("login"),
        "is_pull_request": True,
    }


def _comment_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    issue = payload.get("issue") or {}
    comment = payload.get("comment") or {}
    user = comment.get("user") or {}
    sender = payload.get("sender") or user
    previous = ((payload.get("changes") or {}).get("body") or {}).get("from")
    return {
        "pr_number": issue.get("number"),
        "title": issue.get("title"),
        "body": issue.get("body"),
        "labels": _label_names(issue.get("labels")),
        "pr_author": (issue.get("user") or {}).get("login"),
        "is_pull_request": isinstance(issue.get("pull_request"), dict),
        "comment": CommentEvent(
            action=str(payload.get("action", "")),
            id=int(comment.get("id", 0)),
            body=str(comment.get("body") or ""),
            user_login=str(user.get("login", "")),
            user_type=str(user.get("type", "")),
            sender_login=str(sender.get("login", "")),
            sender_type=str(sender.get("type", "")),
            previous_body=previous if isinstance(previous, str) else None,
        ),
    }


def load_context(env: Mapping[str, str]) -> EventContext:
    """Read the runner's variables and the event payload into an EventContext.

    Raises ConfigError when a variable the action needs is missing or the
    payload cannot be read.
    """
    event_name = _require(env, "GITHUB_EVENT_NAME")
    fields: dict[str, Any] = {
        "event_name": event_name,
        "repository": _require(env, "GITHUB_REPOSITORY"),
        "api_url": env.get("GITHUB_API_URL") or "https://api.github.com",
        "server_url": env.get("GITHUB_SERVER_URL") or "https://github.com",
        "workspace": Path(env.get("GITHUB_WORKSPACE") or "."),
        "run_id": env.get("GITHUB_RUN_ID") or None,
        "actor": env.get("GITHUB_ACTOR") or None,
    }
    event_path = _require(env, "GITHUB_EVENT_PATH")
    payload = _read_event(event_path)
    try:
        if isinstance(payload.get("pull_request"), dict):
            fields.update(_pull_request_fields(payload["pull_request"]))
        elif event_name == "issue_comment":
            fields.update(_comment_fields(payload))
        return _finish(fields, payload, event_name)
    except (AttributeError, TypeError, ValueError) as error:
        # pydantic's ValidationError is a ValueError too.
        raise ConfigError(
            f"the {event_name} event payload {event_path} does not have the "
            f"shape GitHub sends ({type(error).__name__}: "
            f"{str(error).splitlines()[0]}); pass the file GitHub wrote"
        ) from None


def _finish(
    fields: dict[str, Any], payload: Mapping[str, Any], event_name: str
) -> EventContext:
    run = payload.get("workflow_run")
    if event_name == "workflow_run" and isinstance(run, dict):
        head_sha = run.get("head_sha")
        if isinstance(head_sha, str):
            fields["workflow_run_head_sha"] = head_sha
    return EventContext(**fields)
