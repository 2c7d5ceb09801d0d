"""In-memory records behind FakeGitHub: repositories, pulls, comments, statuses."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# The real ids of these accounts, so code that compares ids gets what GitHub sends.
GITHUB_ACTIONS_BOT_ID = 41898282
OCTOCAT_ID = 583231

PERMISSIONS = ("admin", "write", "read", "none")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class User:
    login: str
    id: int
    type: str


@dataclass
class Token:
    token: str
    user: User
    permissions: str


@dataclass
class ChangedFile:
    """One entry of a pull request's file list."""

    filename: str
    status: str = "modified"
    additions: int = 1
    deletions: int = 0
    previous_filename: str | None = None
    patch: str | None = None


@dataclass
class Issue:
    number: int
    title: str
    body: str
    user: User
    labels: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    is_pull: bool = False


@dataclass
class Pull:
    number: int
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    head_repo_full_name: str | None
    draft: bool
    files: list[ChangedFile]
    issue: Issue


@dataclass
class Comment:
    id: int
    repo: str
    issue_number: int
    body: str
    user: User
    author_association: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Reaction:
    id: int
    comment_id: int
    content: str
    user: User
    created_at: datetime


@dataclass
class Status:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: User
    created_at: datetime


@dataclass
class CheckRun:
    id: int
    repo: str
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: datetime | None
    completed_at: datetime | None
    details_url: str | None
    external_id: str | None
    output_title: str | None = None
    output_summary: str | None = None
    output_text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Repository:
    full_name: str
    id: int
    owner: User
    default_branch: str
    private: bool
    created_at: datetime
    branches: dict[str, str] = field(default_factory=dict)
    known_shas: set[str] = field(default_factory=set)
    issues: dict[int, Issue] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    statuses: dict[str, list[Status]] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)
    # Keyed by (ref, path). A ref of None means the default branch.
    files: dict[tuple[str | None, str], bytes] = field(default_factory=dict)

    @property
    def owner_login(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]

    def resolve_ref(self, ref: str) -> str:
        """Map a branch name (optionally ``heads/``-prefixed) to its sha."""
        branch = ref.removeprefix("refs/").removeprefix("heads/")
        return self.branches.get(branch, ref)


class Store:
    """All mutable state of one fake, guarded by one re-entrant lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.repos: dict[str, Repository] = {}
        self.users: dict[str, User] = {
            "github-actions[bot]": User(
                "github-actions[bot]", GITHUB_ACTIONS_BOT_ID, "Bot"
            ),
            "octocat": User("octocat", OCTOCAT_ID, "User"),
        }
        self.comments: dict[int, Comment] = {}
        self.reactions: dict[int, list[Reaction]] = {}
        self.check_runs: dict[int, CheckRun] = {}
        # Primary rate limit of a GITHUB_TOKEN: 1000 requests per hour.
        self.rate_limit = 1000
        self.rate_remaining = 1000
        self.rate_reset = int(utc_now().timestamp()) + 3600
        self._user_ids = itertools.count(1000)
        self._repo_ids = itertools.count(700000001)
        # Ids of different kinds start far apart, so a test that mixes them
        # up fails instead of passing by chance.
        self._comment_ids = itertools.count(1000000001)
        self._reaction_ids = itertools.count(200000001)
        self._status_ids = itertools.count(300000001)
        self._check_run_ids = itertools.count(400000001)

    def user(self, login: str, type: str = "User") -> User:
        """Return the user called ``login``, creating it with a new id if needed."""
        with self.lock:
            found = self.users.get(login)
            if found is None:
                if type == "Bot" and not login.endswith("[bot]"):
                    raise ValueError(f"bot login {login!r} must end with '[bot]'")
                found = User(login, next(self._user_ids), type)
                self.users[login] = found
            return found

    def repo(self, full_name: str) -> Repository | None:
        return self.repos.get(full_name.lower())

    def require_repo(self, full_name: str) -> Repository:
        found = self.repo(full_name)
        if found is None:
            raise KeyError(f"repository {full_name!r} not added; call add_repo first")
        return found

    def add_repo(
        self, full_name: str, default_branch: str, private: bool
    ) -> Repository:
        if full_name.count("/") != 1:
            raise ValueError(f"repository name {full_name!r} is not 'owner/name'")
        with self.lock:
            owner = self.user(full_name.split("/", 1)[0])
            created = Repository(
                full_name=full_name,
                id=next(self._repo_ids),
                owner=owner,
                default_branch=default_branch,
                private=private,
                created_at=utc_now(),
            )
            self.repos[full_name.lower()] = created
            return created

    def next_comment_id(self) -> int:
        return next(self._comment_ids)

    def next_reaction_id(self) -> int:
        return next(self._reaction_ids)

    def next_status_id(self) -> int:
        return next(self._status_ids)

    def next_check_run_id(self) -> int:
        return next(self._check_run_ids)
