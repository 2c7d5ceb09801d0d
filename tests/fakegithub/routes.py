"""Endpoint handlers of FakeGitHub, one function per REST operation.

Handlers run under the store's lock and raise ``ApiError`` for any response
other than success. GitHub's limits live here, with GitHub's status codes and
messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import resources
from .paging import Page, link_header, read_page, slice_page
from .state import (
    CheckRun,
    Comment,
    Issue,
    Pull,
    Reaction,
    Repository,
    Status,
    Store,
    User,
    utc_now,
)

COMMENT_BODY_MAX = 65536
STATUS_DESCRIPTION_MAX = 140
STATUSES_PER_CONTEXT_MAX = 1000
CHECK_RUN_TEXT_MAX = 65535
ANNOTATIONS_PER_REQUEST_MAX = 50
PULL_FILES_MAX = 3000

STATUS_STATES = ("error", "failure", "pending", "success")
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


class ApiError(Exception):
    """An error response with GitHub's status code and body.

    ``violation`` marks responses to requests that GitHub would reject because
    the client broke a documented rule, such as a too-long comment body.
    """

    def __init__(
        self, status: int, message: str, *, violation: bool = False, **extra: Any
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.body = resources.error_json(message, status, **extra)
        self.violation = violation


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def validation_failed(resource: str, field_name: str, message: str) -> ApiError:
    error = {
        "resource": resource,
        "code": "custom",
        "field": field_name,
        "message": message,
    }
    return ApiError(422, "Validation Failed", violation=True, errors=[error])


@dataclass
class Call:
    """One request as the handlers see it."""

    store: Store
    origin: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    user: User
    repo: Repository | None = None

    @property
    def url(self) -> str:
        return self.origin + self.path

    @property
    def the_repo(self) -> Repository:
        if self.repo is None:
            raise not_found()
        return self.repo


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


def paged(call: Call, items: list[Any], render: Callable[[Any], Any]) -> Reply:
    page = read_page_or_422(call.query)
    chosen = slice_page(items, page)
    reply = Reply(200, [render(item) for item in chosen])
    link = link_header(call.url, call.query, page, len(items))
    if link:
        reply.headers["Link"] = link
    return reply


def read_page_or_422(query: dict[str, str]) -> Page:
    try:
        return read_page(query)
    except ValueError as error:
        raise ApiError(422, f"Invalid page parameter: {error}") from error


def comment_count(store: Store, repo: Repository, number: int) -> int:
    return sum(
        1
        for comment in store.comments.values()
        if comment.repo == repo.full_name.lower() and comment.issue_number == number
    )


def find_issue(call: Call, key: str) -> Issue:
    repo = call.the_repo
    issue = repo.issues.get(int(call.params[key]))
    if issue is None:
        raise not_found()
    return issue


def find_pull(call: Call) -> Pull:
    pull = call.the_repo.pulls.get(int(call.params["pull_number"]))
    if pull is None:
        raise not_found()
    return pull


def find_comment(call: Call) -> Comment:
    comment = call.store.comments.get(int(call.params["comment_id"]))
    if comment is None or comment.repo != call.the_repo.full_name.lower():
        raise not_found()
    return comment


def render_comment(call: Call, comment: Comment) -> Any:
    repo = call.the_repo
    issue = repo.issues.get(comment.issue_number)
    is_pull = bool(issue and issue.is_pull)
    return resources.comment_json(call.origin, repo, comment, is_pull)


# Repositories, pulls and issues.


def get_repo(call: Call) -> Reply:
    return Reply(200, resources.full_repository_json(call.origin, call.the_repo))


def get_pull(call: Call) -> Reply:
    repo = call.the_repo
    pull = find_pull(call)
    head_repo = repo
    if pull.head_repo_full_name is not None:
        head_repo = call.store.repo(pull.head_repo_full_name) or repo
    comments = comment_count(call.store, repo, pull.number)
    return Reply(200, resources.pull_json(call.origin, repo, pull, head_repo, comments))


def list_pull_files(call: Call) -> Reply:
    repo = call.the_repo
    pull = find_pull(call)
    # GitHub lists at most 3000 files of a pull request.
    indexes = list(range(min(len(pull.files), PULL_FILES_MAX)))
    return paged(
        call,
        indexes,
        lambda index: resources.diff_entry_json(call.origin, repo, pull, index),
    )


def get_issue(call: Call) -> Reply:
    repo = call.the_repo
    issue = find_issue(call, "issue_number")
    comments = comment_count(call.store, repo, issue.number)
    return Reply(200, resources.issue_json(call.origin, repo, issue, comments))


# Issue comments.


def parse_since(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ApiError(422, f"Invalid since timestamp: {value!r}") from error


def list_comments(call: Call) -> Reply:
    repo = call.the_repo
    issue = find_issue(call, "issue_number")
    comments = [
        comment
        for comment in sorted(call.store.comments.values(), key=lambda c: c.id)
        if comment.repo == repo.full_name.lower()
        and comment.issue_number == issue.number
    ]
    since = call.query.get("since")
    if since is not None:
        moment = parse_since(since)
        comments = [comment for comment in comments if comment.updated_at >= moment]
    return paged(call, comments, lambda comment: render_comment(call, comment))


def check_comment_body(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        raise validation_failed("IssueComment", "body", "body is missing")
    text: str = body["body"]
    if len(text) > COMMENT_BODY_MAX:
        raise validation_failed(
            "IssueComment",
            "body",
            f"Body is too long (maximum is {COMMENT_BODY_MAX} characters)",
        )
    return text


def create_comment(call: Call) -> Reply:
    repo = call.the_repo
    issue = find_issue(call, "issue_number")
    text = check_comment_body(call.body)
    now = utc_now()
    comment = Comment(
        id=call.store.next_comment_id(),
        repo=repo.full_name.lower(),
        issue_number=issue.number,
        body=text,
        user=call.user,
        author_association="NONE" if call.user.type == "Bot" else "MEMBER",
        created_at=now,
        updated_at=now,
    )
    call.store.comments[comment.id] = comment
    rendered = render_comment(call, comment)
    return Reply(201, rendered, {"Location": rendered["url"]})


def get_comment(call: Call) -> Reply:
    return Reply(200, render_comment(call, find_comment(call)))


def update_comment(call: Call) -> Reply:
    comment = find_comment(call)
    comment.body = check_comment_body(call.body)
    comment.updated_at = utc_now()
    return Reply(200, render_comment(call, comment))


def delete_comment(call: Call) -> Reply:
    comment = find_comment(call)
    del call.store.comments[comment.id]
    call.store.reactions.pop(comment.id, None)
    return Reply(204, None)


# Reactions.


def list_reactions(call: Call) -> Reply:
    comment = find_comment(call)
    reactions = call.store.reactions.get(comment.id, [])
    content = call.query.get("content")
    if content is not None:
        reactions = [reaction for reaction in reactions if reaction.content == content]
    return paged(
        call, reactions, lambda reaction: resources.reaction_json(call.origin, reaction)
    )


def create_reaction(call: Call) -> Reply:
    comment = find_comment(call)
    content = call.body.get("content") if isinstance(call.body, dict) else None
    if content not in REACTIONS:
        raise validation_failed("Reaction", "content", f"invalid content {content!r}")
    reactions = call.store.reactions.setdefault(comment.id, [])
    for existing in reactions:
        if existing.user.id == call.user.id and existing.content == content:
            # GitHub returns 200 and the existing reaction instead of a duplicate.
            return Reply(200, resources.reaction_json(call.origin, existing))
    reaction = Reaction(
        id=call.store.next_reaction_id(),
        comment_id=comment.id,
        content=content,
        user=call.user,
        created_at=utc_now(),
    )
    reactions.append(reaction)
    return Reply(201, resources.reaction_json(call.origin, reaction))


# Commit statuses.


def require_commit(repo: Repository, sha: str) -> None:
    if sha not in repo.known_shas:
        raise ApiError(422, f"No commit found for SHA: {sha}", violation=True)


def check_status_body(body: dict[str, Any]) -> None:
    state = body.get("state")
    if state not in STATUS_STATES:
        raise validation_failed("Status", "state", f"state {state!r} is not included")
    description = body.get("description")
    if description is not None and len(description) > STATUS_DESCRIPTION_MAX:
        raise validation_failed(
            "Status",
            "description",
            f"description is too long (maximum is {STATUS_DESCRIPTION_MAX} characters)",
        )


def create_status(call: Call) -> Reply:
    repo = call.the_repo
    sha = call.params["sha"]
    body = call.body if isinstance(call.body, dict) else {}
    check_status_body(body)
    require_commit(repo, sha)

    # GitHub names a status without a context "default" and compares
    # contexts without regard to case.
    context = body.get("context") or "default"
    history = repo.statuses.setdefault(sha, [])
    same_context = [s for s in history if s.context.lower() == context.lower()]
    if len(same_context) >= STATUSES_PER_CONTEXT_MAX:
        raise ApiError(
            422,
            "This SHA and context has reached the maximum number of statuses.",
            violation=True,
        )

    status = Status(
        id=call.store.next_status_id(),
        sha=sha,
        state=body["state"],
        context=context,
        description=body.get("description"),
        target_url=body.get("target_url"),
        creator=call.user,
        created_at=utc_now(),
    )
    history.append(status)
    rendered = resources.status_json(call.origin, repo, status)
    return Reply(201, rendered, {"Location": rendered["url"]})


def latest_per_context(history: list[Status]) -> list[Status]:
    """Keep the newest status of each context, in order of first appearance."""
    latest: dict[str, Status] = {}
    for status in history:
        latest[status.context.lower()] = status
    return list(latest.values())


def combined_state(latest: list[Status]) -> str:
    states = {status.state for status in latest}
    if states & {"error", "failure"}:
        return "failure"
    if not latest or "pending" in states:
        return "pending"
    return "success"


def list_statuses(call: Call) -> Reply:
    repo = call.the_repo
    sha = repo.resolve_ref(call.params["ref"])
    # GitHub lists statuses newest first.
    history = list(reversed(repo.statuses.get(sha, [])))
    return paged(
        call, history, lambda status: resources.status_json(call.origin, repo, status)
    )


def combined_status(call: Call) -> Reply:
    repo = call.the_repo
    sha = repo.resolve_ref(call.params["ref"])
    if sha not in repo.known_shas:
        raise ApiError(422, f"No commit found for SHA: {call.params['ref']}")
    latest = latest_per_context(repo.statuses.get(sha, []))
    page = read_page_or_422(call.query)
    chosen = slice_page(latest, page)
    state = combined_state(latest)
    rendered = resources.combined_status_json(call.origin, repo, sha, state, chosen)
    rendered["total_count"] = len(latest)
    reply = Reply(200, rendered)
    link = link_header(call.url, call.query, page, len(latest))
    if link:
        reply.headers["Link"] = link
    return reply


# Check runs.


def parse_time(value: Any, field_name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise validation_failed(
            "CheckRun", field_name, f"invalid time {value!r}"
        ) from error


def apply_output(run: CheckRun, output: Any) -> None:
    if output is None:
        return
    for name in ("summary", "text"):
        value = output.get(name)
        if value is not None and len(value) > CHECK_RUN_TEXT_MAX:
            raise validation_failed(
                "CheckRun",
                f"output.{name}",
                f"{name} is too long (maximum is {CHECK_RUN_TEXT_MAX} characters)",
            )
    annotations = output.get("annotations") or []
    if len(annotations) > ANNOTATIONS_PER_REQUEST_MAX:
        raise validation_failed(
            "CheckRun",
            "output.annotations",
            f"Only {ANNOTATIONS_PER_REQUEST_MAX} annotations are allowed per request",
        )
    run.output_title = output.get("title", run.output_title)
    run.output_summary = output.get("summary", run.output_summary)
    run.output_text = output.get("text", run.output_text)
    # GitHub appends the annotations of each request to the earlier ones.
    run.annotations.extend(annotations)


def apply_check_fields(run: CheckRun, body: dict[str, Any]) -> None:
    if "name" in body:
        run.name = body["name"]
    if "details_url" in body:
        run.details_url = body["details_url"]
    if "external_id" in body:
        run.external_id = body["external_id"]
    if "started_at" in body:
        run.started_at = parse_time(body["started_at"], "started_at")
    if "status" in body:
        run.status = body["status"]
    if "conclusion" in body:
        run.conclusion = body["conclusion"]
        # A conclusion makes GitHub mark the check run completed.
        run.status = "completed"
    if "completed_at" in body:
        run.completed_at = parse_time(body["completed_at"], "completed_at")
    if run.status == "completed":
        if run.conclusion is None:
            raise validation_failed(
                "CheckRun", "conclusion", "conclusion is required when completed"
            )
        if run.completed_at is None:
            run.completed_at = utc_now()


def pulls_with_head(repo: Repository, sha: str) -> list[Pull]:
    return [pull for pull in repo.pulls.values() if pull.head_sha == sha]


def render_run(call: Call, run: CheckRun) -> Any:
    repo = call.the_repo
    pulls = pulls_with_head(repo, run.head_sha)
    return resources.check_run_json(call.origin, repo, run, pulls)


def create_check_run(call: Call) -> Reply:
    repo = call.the_repo
    body = call.body if isinstance(call.body, dict) else {}
    require_commit(repo, body.get("head_sha", ""))
    run = CheckRun(
        id=call.store.next_check_run_id(),
        repo=repo.full_name.lower(),
        name=body.get("name", ""),
        head_sha=body["head_sha"],
        status="queued",
        conclusion=None,
        started_at=utc_now(),
        completed_at=None,
        details_url=None,
        external_id=None,
    )
    apply_check_fields(run, body)
    apply_output(run, body.get("output"))
    call.store.check_runs[run.id] = run
    return Reply(201, render_run(call, run))


def find_check_run(call: Call) -> CheckRun:
    run = call.store.check_runs.get(int(call.params["check_run_id"]))
    if run is None or run.repo != call.the_repo.full_name.lower():
        raise not_found()
    return run


def get_check_run(call: Call) -> Reply:
    return Reply(200, render_run(call, find_check_run(call)))


def update_check_run(call: Call) -> Reply:
    run = find_check_run(call)
    body = call.body if isinstance(call.body, dict) else {}
    # Validate on a copy, so a rejected update leaves the check run unchanged.
    updated = CheckRun(**{**run.__dict__, "annotations": list(run.annotations)})
    apply_check_fields(updated, body)
    apply_output(updated, body.get("output"))
    run.__dict__.update(updated.__dict__)
    return Reply(200, render_run(call, run))


def list_check_runs(call: Call) -> Reply:
    repo = call.the_repo
    sha = repo.resolve_ref(call.params["ref"])
    runs = [
        run
        for run in sorted(call.store.check_runs.values(), key=lambda r: r.id)
        if run.repo == repo.full_name.lower() and run.head_sha == sha
    ]
    if call.query.get("filter", "latest") == "latest":
        newest: dict[str, CheckRun] = {}
        for run in runs:
            newest[run.name] = run
        runs = list(newest.values())

    name = call.query.get("check_name")
    if name is not None:
        runs = [run for run in runs if run.name == name]
    status = call.query.get("status")
    if status is not None:
        runs = [run for run in runs if run.status == status]
    runs.reverse()

    page = read_page_or_422(call.query)
    chosen = slice_page(runs, page)
    body = {
        "total_count": len(runs),
        "check_runs": [render_run(call, run) for run in chosen],
    }
    reply = Reply(200, body)
    link = link_header(call.url, call.query, page, len(runs))
    if link:
        reply.headers["Link"] = link
    return reply


# Permissions, contents and rate limits.


def collaborator_permission(call: Call) -> Reply:
    repo = call.the_repo
    login = call.params["username"]
    user = call.store.user(login)
    # GitHub reports "read" for anyone without a role on a public repository.
    default = "none" if repo.private else "read"
    permission = repo.permissions.get(login.lower(), default)
    return Reply(200, resources.permission_json(call.origin, user, permission))


def get_contents(call: Call) -> Reply:
    # NOTE: only files are served. GitHub lists a directory at this endpoint,
    # but the fake returns 404 for one.
    repo = call.the_repo
    path = call.params["path"].strip("/")
    ref = call.query.get("ref")
    data = repo.files.get((ref, path))
    if data is None and ref in (None, repo.default_branch):
        data = repo.files.get((None, path))
    if data is None:
        raise not_found()
    return Reply(200, resources.content_file_json(call.origin, repo, path, data))


def get_rate_limit(call: Call) -> Reply:
    store = call.store
    body = resources.rate_limit_json(
        store.rate_limit, store.rate_remaining, store.rate_reset
    )
    return Reply(200, body)


@dataclass(frozen=True)
class Route:
    """One served operation. ``spec_template`` names the documented operation."""

    method: str
    template: str
    handler: Handler
    spec_template: str = ""
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_template(self.template))
        if not self.spec_template:
            object.__setattr__(self, "spec_template", self.template)


# Parameters that may contain a slash: file paths and refs such as feature/x.
_GREEDY_PARAMETERS = {"path", "ref"}


def compile_template(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    regex = ""
    for part in parts:
        if part.startswith("{"):
            name = part[1:-1]
            body = ".+" if name in _GREEDY_PARAMETERS else "[^/]+"
            regex += f"(?P<{name}>{body})"
        else:
            regex += re.escape(part)
    return re.compile(f"^{regex}$")


REPO = "/repos/{owner}/{repo}"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/rate_limit", get_rate_limit),
    Route("GET", REPO, get_repo),
    Route("GET", REPO + "/pulls/{pull_number}", get_pull),
    Route("GET", REPO + "/pulls/{pull_number}/files", list_pull_files),
    Route("GET", REPO + "/issues/{issue_number}", get_issue),
    Route("GET", REPO + "/issues/{issue_number}/comments", list_comments),
    Route("POST", REPO + "/issues/{issue_number}/comments", create_comment),
    Route("GET", REPO + "/issues/comments/{comment_id}", get_comment),
    Route("PATCH", REPO + "/issues/comments/{comment_id}", update_comment),
    Route("DELETE", REPO + "/issues/comments/{comment_id}", delete_comment),
    Route("GET", REPO + "/issues/comments/{comment_id}/reactions", list_reactions),
    Route("POST", REPO + "/issues/comments/{comment_id}/reactions", create_reaction),
    Route("POST", REPO + "/statuses/{sha}", create_status),
    Route("GET", REPO + "/commits/{ref}/statuses", list_statuses),
    # PyGithub's Commit.get_statuses() uses this older, undocumented alias.
    Route(
        "GET",
        REPO + "/statuses/{ref}",
        list_statuses,
        spec_template=REPO + "/commits/{ref}/statuses",
    ),
    Route("GET", REPO + "/commits/{ref}/status", combined_status),
    Route("POST", REPO + "/check-runs", create_check_run),
    Route("GET", REPO + "/check-runs/{check_run_id}", get_check_run),
    Route("PATCH", REPO + "/check-runs/{check_run_id}", update_check_run),
    Route("GET", REPO + "/commits/{ref}/check-runs", list_check_runs),
    Route(
        "GET", REPO + "/collaborators/{username}/permission", collaborator_permission
    ),
    Route("GET", REPO + "/contents/{path}", get_contents),
)


def match_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """Find the route for a raw request path.

    Parameter values are returned still percent-encoded.
    """
    for route in ROUTES:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found is not None:
            return route, found.groupdict()
    return None
