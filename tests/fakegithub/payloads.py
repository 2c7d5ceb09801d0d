"""Webhook payloads as GitHub delivers them, checked against @octokit/webhooks-schemas.

Each builder validates its result against the schema definition
``event$action`` and raises ``InvalidPayloadError`` when it does not match,
so a test cannot feed the product an event GitHub would never send.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from . import resources, spec
from .state import (
    GITHUB_ACTIONS_BOT_ID,
    OCTOCAT_ID,
    Comment,
    Issue,
    Pull,
    Repository,
    User,
    utc_now,
)

JSON = dict[str, Any]

# Fixed ids keep payloads reproducible between runs.
_KNOWN_USER_IDS = {"github-actions[bot]": GITHUB_ACTIONS_BOT_ID, "octocat": OCTOCAT_ID}
_REPOSITORY_ID = 700000001


class InvalidPayloadError(ValueError):
    """A built payload does not match its webhook schema definition."""


def validate_payload(event: str, payload: JSON) -> JSON:
    """Check ``payload`` against the ``event$action`` definition and return it."""
    definition = f"{event}${payload.get('action')}"
    try:
        validator = spec.webhook_validator(definition)
    except KeyError as error:
        raise InvalidPayloadError(f"no webhook schema for {definition!r}") from error
    problems = sorted(validator.iter_errors(payload), key=lambda e: list(e.path))
    if problems:
        lines = [
            f"{'/'.join(str(p) for p in problem.path) or '<root>'}: {problem.message}"
            for problem in problems[:20]
        ]
        raise InvalidPayloadError(
            f"{definition} payload does not match @octokit/webhooks-schemas:\n"
            + "\n".join(lines)
        )
    return payload


def write_event(tmp_path: Path, payload: JSON) -> Path:
    """Write ``payload`` as the runner's ``GITHUB_EVENT_PATH`` file and return it."""
    target = tmp_path / "event.json"
    target.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return target


def _user(login: str, type: str = "User") -> User:
    known = _KNOWN_USER_IDS.get(login)
    if known is None:
        # A stable id derived from the login, so payloads repeat between runs.
        known = 10_000_000 + zlib.crc32(login.encode()) % 10_000_000
    return User(login, known, type)


def _repository(full_name: str, created: datetime) -> Repository:
    owner, _, _name = full_name.partition("/")
    return Repository(
        full_name=full_name,
        id=_REPOSITORY_ID,
        owner=_user(owner),
        default_branch="main",
        private=False,
        created_at=created,
    )


def _webhook_user(origin: str, user: User) -> JSON:
    return resources.user_json(origin, user)


def _webhook_repository(origin: str, repo: Repository) -> JSON:
    rendered = resources.repository_json(origin, repo)
    rendered["web_commit_signoff_required"] = False
    rendered["custom_properties"] = {}
    return rendered


def _reactions(url: str) -> JSON:
    counts = dict.fromkeys(
        ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"), 0
    )
    return {"url": url, "total_count": 0, **counts}


def _webhook_labels(origin: str, repo: Repository, labels: Sequence[str]) -> list[JSON]:
    return [resources.label_json(origin, repo, name) for name in labels]


def _webhook_pull(
    origin: str,
    repo: Repository,
    head_repo: Repository | None,
    pull: Pull,
) -> JSON:
    rendered = resources.pull_json(origin, repo, pull, head_repo, comments=0)
    rendered["labels"] = _webhook_labels(origin, repo, pull.issue.labels)
    rendered["mergeable"] = None
    rendered["rebaseable"] = None
    rendered["mergeable_state"] = "unknown"
    for side in ("head", "base"):
        source = head_repo if side == "head" else repo
        if source is not None:
            rendered[side]["repo"] = _webhook_repository(origin, source)
    return rendered


def pull_request_event(
    action: str = "opened",
    *,
    repo_full_name: str,
    number: int,
    head_sha: str,
    base_sha: str,
    head_ref: str,
    base_ref: str,
    title: str = "",
    body: str | None = "",
    labels: Sequence[str] = (),
    user_login: str = "octocat",
    api_url: str,
    before: str | None = None,
    after: str | None = None,
    head_repo_full_name: str | None = None,
    draft: bool = False,
) -> JSON:
    """Build a ``pull_request`` delivery for ``action`` and validate it.

    ``synchronize`` needs ``before`` (the previous head); ``after`` defaults
    to ``head_sha``. ``head_repo_full_name`` names a fork's repository.
    """
    now = utc_now()
    repo = _repository(repo_full_name, now)
    head_repo = repo
    if head_repo_full_name not in (None, repo_full_name):
        head_repo = _repository(str(head_repo_full_name), now)
        head_repo.id += 1
    author = _user(user_login)
    issue = Issue(number, title, body or "", author, tuple(labels), now, now)
    pull = Pull(
        number=number,
        head_sha=head_sha,
        base_sha=base_sha,
        head_ref=head_ref,
        base_ref=base_ref,
        head_repo_full_name=head_repo_full_name,
        draft=draft,
        files=[],
        issue=issue,
    )
    pull_json = _webhook_pull(api_url, repo, head_repo, pull)
    if body is None:
        pull_json["body"] = None
    payload: JSON = {
        "action": action,
        "number": number,
        "pull_request": pull_json,
        "repository": _webhook_repository(api_url, repo),
        "sender": _webhook_user(api_url, author),
    }
    if action == "synchronize":
        if before is None:
            raise ValueError("a synchronize event needs before, the previous head sha")
        payload["before"] = before
        payload["after"] = after or head_sha
    if action == "edited":
        payload["changes"] = {}
    return validate_payload("pull_request", payload)


def issue_comment_event(
    action: str = "created",
    *,
    repo_full_name: str,
    number: int,
    comment_id: int,
    body: str,
    user_login: str,
    user_type: str = "User",
    author_association: str = "MEMBER",
    api_url: str,
    changes_body_from: str | None = None,
    is_pull_request: bool = True,
) -> JSON:
    """Build an ``issue_comment`` delivery for ``action`` and validate it.

    On a pull request the issue carries ``pull_request`` links, which is how
    a comment on a pull request differs from one on a plain issue.
    ``edited`` needs ``changes_body_from``.
    """
    now = utc_now()
    repo = _repository(repo_full_name, now)
    commenter = _user(user_login, user_type)
    issue_author = _user("octocat")
    issue = Issue(number, "", "", issue_author, (), now, now, is_pull=is_pull_request)
    issue_json = resources.issue_json(api_url, repo, issue, comments=1)
    issue_json.update(
        {
            "active_lock_reason": None,
            "reactions": _reactions(f"{issue_json['url']}/reactions"),
            "timeline_url": f"{issue_json['url']}/timeline",
            "performed_via_github_app": None,
            "state_reason": None,
        }
    )
    if is_pull_request:
        issue_json["draft"] = False
    comment = Comment(
        id=comment_id,
        repo=repo.full_name.lower(),
        issue_number=number,
        body=body,
        user=commenter,
        author_association=author_association,
        created_at=now,
        updated_at=now,
    )
    comment_json = resources.comment_json(api_url, repo, comment, is_pull_request)
    comment_json.update(
        {
            "performed_via_github_app": None,
            "reactions": _reactions(f"{comment_json['url']}/reactions"),
        }
    )
    payload: JSON = {
        "action": action,
        "issue": issue_json,
        "comment": comment_json,
        "repository": _webhook_repository(api_url, repo),
        "sender": _webhook_user(api_url, commenter),
    }
    if action == "edited":
        if changes_body_from is None:
            raise ValueError("an edited event needs changes_body_from, the old body")
        payload["changes"] = {"body": {"from": changes_body_from}}
    return validate_payload("issue_comment", payload)
