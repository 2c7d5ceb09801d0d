"""Render FakeGitHub's records as the JSON objects GitHub's REST API returns.

Each function fills every field that GitHub's OpenAPI description marks as
required, and every URL starts with the fake's own origin, because PyGithub
rejects URLs whose host differs from its ``base_url``.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

from .state import (
    CheckRun,
    Comment,
    Issue,
    Pull,
    Reaction,
    Repository,
    Status,
    User,
    iso,
)

JSON = dict[str, Any]

# GitHub Actions' app, which owns the check runs a GITHUB_TOKEN creates.
GITHUB_ACTIONS_APP_ID = 15368


def node_id(prefix: str, number: int) -> str:
    return prefix + "_" + base64.b64encode(str(number).encode()).decode().rstrip("=")


def user_json(origin: str, user: User) -> JSON:
    # GitHub percent-encodes the brackets of bot logins in URLs.
    login = quote(user.login, safe="")
    api = f"{origin}/users/{login}"
    return {
        "login": user.login,
        "id": user.id,
        "node_id": node_id("U", user.id),
        "avatar_url": f"{origin}/avatars/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{origin}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": user.type,
        "site_admin": False,
    }


def repository_json(origin: str, repo: Repository) -> JSON:
    """Render the ``repository`` schema, the form nested in pulls and payloads."""
    api = f"{origin}/repos/{repo.full_name}"
    html = f"{origin}/{repo.full_name}"
    created = iso(repo.created_at)
    return {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": user_json(origin, repo.owner),
        "private": repo.private,
        "html_url": html,
        "description": None,
        "fork": False,
        "url": api,
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{api}/assignees{{/user}}",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "comments_url": f"{api}/comments{{/number}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "contributors_url": f"{api}/contributors",
        "deployments_url": f"{api}/deployments",
        "downloads_url": f"{api}/downloads",
        "events_url": f"{api}/events",
        "forks_url": f"{api}/forks",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_url": f"git://127.0.0.1/{repo.full_name}.git",
        "hooks_url": f"{api}/hooks",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "issues_url": f"{api}/issues{{/number}}",
        "keys_url": f"{api}/keys{{/key_id}}",
        "labels_url": f"{api}/labels{{/name}}",
        "languages_url": f"{api}/languages",
        "merges_url": f"{api}/merges",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "releases_url": f"{api}/releases{{/id}}",
        "ssh_url": f"git@127.0.0.1:{repo.full_name}.git",
        "stargazers_url": f"{api}/stargazers",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "tags_url": f"{api}/tags",
        "teams_url": f"{api}/teams",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "clone_url": f"{html}.git",
        "mirror_url": None,
        "svn_url": html,
        "homepage": None,
        "language": "Python",
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers": 0,
        "watchers_count": 0,
        "size": 0,
        "default_branch": repo.default_branch,
        "open_issues": 0,
        "open_issues_count": 0,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if repo.private else "public",
        "pushed_at": created,
        "created_at": created,
        "updated_at": created,
        "allow_forking": True,
        "license": None,
    }


def full_repository_json(origin: str, repo: Repository) -> JSON:
    """Render the ``full-repository`` schema of ``GET /repos/{owner}/{repo}``."""
    rendered = repository_json(origin, repo)
    rendered.update(
        {
            "network_count": 0,
            "subscribers_count": 0,
            "permissions": {
                "admin": False,
                "maintain": False,
                "push": True,
                "triage": True,
                "pull": True,
            },
        }
    )
    return rendered


def label_json(origin: str, repo: Repository, name: str) -> JSON:
    digest = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    return {
        "id": digest,
        "node_id": node_id("LA", digest),
        "url": f"{origin}/repos/{repo.full_name}/labels/{name}",
        "name": name,
        "description": None,
        "color": "ededed",
        "default": False,
    }


def pull_issue_link_json(origin: str, repo: Repository, number: int) -> JSON:
    html = f"{origin}/{repo.full_name}/pull/{number}"
    return {
        "url": f"{origin}/repos/{repo.full_name}/pulls/{number}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "merged_at": None,
    }


def issue_json(origin: str, repo: Repository, issue: Issue, comments: int) -> JSON:
    api = f"{origin}/repos/{repo.full_name}/issues/{issue.number}"
    kind = "pull" if issue.is_pull else "issues"
    rendered: JSON = {
        "id": 500000000 + issue.number,
        "node_id": node_id("I", issue.number),
        "url": api,
        "repository_url": f"{origin}/repos/{repo.full_name}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{origin}/{repo.full_name}/{kind}/{issue.number}",
        "number": issue.number,
        "state": issue.state,
        "title": issue.title,
        "body": issue.body,
        "user": user_json(origin, issue.user),
        "labels": [label_json(origin, repo, name) for name in issue.labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "comments": comments,
        "closed_at": None,
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "author_association": "MEMBER",
    }
    if issue.is_pull:
        rendered["pull_request"] = pull_issue_link_json(origin, repo, issue.number)
    return rendered


def branch_json(
    origin: str, repo: Repository, head_repo: Repository | None, ref: str, sha: str
) -> JSON:
    owner = head_repo.owner if head_repo else repo.owner
    return {
        "label": f"{owner.login}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user_json(origin, owner),
        "repo": repository_json(origin, head_repo) if head_repo else None,
    }


def pull_json(
    origin: str,
    repo: Repository,
    pull: Pull,
    head_repo: Repository | None,
    comments: int,
) -> JSON:
    api = f"{origin}/repos/{repo.full_name}/pulls/{pull.number}"
    issue_api = f"{origin}/repos/{repo.full_name}/issues/{pull.number}"
    html = f"{origin}/{repo.full_name}/pull/{pull.number}"
    statuses = f"{origin}/repos/{repo.full_name}/statuses/{pull.head_sha}"
    review_comment = f"{origin}/repos/{repo.full_name}/pulls/comments{{/number}}"
    issue = pull.issue
    additions = sum(entry.additions for entry in pull.files)
    deletions = sum(entry.deletions for entry in pull.files)
    return {
        "url": api,
        "id": 600000000 + pull.number,
        "node_id": node_id("PR", pull.number),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_api,
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": review_comment,
        "comments_url": f"{issue_api}/comments",
        "statuses_url": statuses,
        "number": pull.number,
        "state": issue.state,
        "locked": False,
        "title": issue.title,
        "user": user_json(origin, issue.user),
        "body": issue.body,
        "labels": [label_json(origin, repo, name) for name in issue.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": branch_json(origin, repo, head_repo, pull.head_ref, pull.head_sha),
        "base": branch_json(origin, repo, repo, pull.base_ref, pull.base_sha),
        "_links": {
            "self": {"href": api},
            "html": {"href": html},
            "issue": {"href": issue_api},
            "comments": {"href": f"{issue_api}/comments"},
            "review_comments": {"href": f"{api}/comments"},
            "review_comment": {"href": review_comment},
            "commits": {"href": f"{api}/commits"},
            "statuses": {"href": statuses},
        },
        "author_association": "MEMBER",
        "auto_merge": None,
        "draft": pull.draft,
        "merged": False,
        "mergeable": True,
        "rebaseable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": comments,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": additions,
        "deletions": deletions,
        "changed_files": len(pull.files),
    }


def diff_entry_json(origin: str, repo: Repository, pull: Pull, index: int) -> JSON:
    entry = pull.files[index]
    blob_sha = hashlib.sha1(
        f"{pull.head_sha}:{entry.filename}".encode(), usedforsecurity=False
    ).hexdigest()
    rendered: JSON = {
        "sha": blob_sha,
        "filename": entry.filename,
        "status": entry.status,
        "additions": entry.additions,
        "deletions": entry.deletions,
        "changes": entry.additions + entry.deletions,
        "blob_url": f"{origin}/{repo.full_name}/blob/{pull.head_sha}/{entry.filename}",
        "raw_url": f"{origin}/{repo.full_name}/raw/{pull.head_sha}/{entry.filename}",
        "contents_url": (
            f"{origin}/repos/{repo.full_name}/contents/{entry.filename}"
            f"?ref={pull.head_sha}"
        ),
    }
    if entry.patch is not None:
        rendered["patch"] = entry.patch
    if entry.previous_filename is not None:
        rendered["previous_filename"] = entry.previous_filename
    return rendered


def comment_json(
    origin: str, repo: Repository, comment: Comment, is_pull: bool
) -> JSON:
    kind = "pull" if is_pull else "issues"
    api = f"{origin}/repos/{repo.full_name}"
    return {
        "id": comment.id,
        "node_id": node_id("IC", comment.id),
        "url": f"{api}/issues/comments/{comment.id}",
        "html_url": (
            f"{origin}/{repo.full_name}/{kind}/{comment.issue_number}"
            f"#issuecomment-{comment.id}"
        ),
        "issue_url": f"{api}/issues/{comment.issue_number}",
        "body": comment.body,
        "user": user_json(origin, comment.user),
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.updated_at),
        "author_association": comment.author_association,
    }


def reaction_json(origin: str, reaction: Reaction) -> JSON:
    return {
        "id": reaction.id,
        "node_id": node_id("REA", reaction.id),
        "user": user_json(origin, reaction.user),
        "content": reaction.content,
        "created_at": iso(reaction.created_at),
    }


def status_json(origin: str, repo: Repository, status: Status) -> JSON:
    return {
        "url": f"{origin}/repos/{repo.full_name}/statuses/{status.sha}",
        "avatar_url": f"{origin}/avatars/u/{status.creator.id}?v=4",
        "id": status.id,
        "node_id": node_id("SC", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": iso(status.created_at),
        "updated_at": iso(status.created_at),
        "creator": user_json(origin, status.creator),
    }


def simple_status_json(origin: str, repo: Repository, status: Status) -> JSON:
    rendered = status_json(origin, repo, status)
    del rendered["creator"]
    return rendered


def minimal_repository_json(origin: str, repo: Repository) -> JSON:
    rendered = repository_json(origin, repo)
    rendered.pop("license")
    return rendered


def combined_status_json(
    origin: str, repo: Repository, sha: str, state: str, latest: list[Status]
) -> JSON:
    api = f"{origin}/repos/{repo.full_name}"
    return {
        "state": state,
        "sha": sha,
        "total_count": len(latest),
        "statuses": [simple_status_json(origin, repo, status) for status in latest],
        "repository": minimal_repository_json(origin, repo),
        "commit_url": f"{api}/commits/{sha}",
        "url": f"{api}/commits/{sha}/status",
    }


def app_json(origin: str) -> JSON:
    owner = User("github", 9919, "Organization")
    return {
        "id": GITHUB_ACTIONS_APP_ID,
        "slug": "github-actions",
        "node_id": node_id("A", GITHUB_ACTIONS_APP_ID),
        "client_id": "Iv1.0000000000000000",
        "owner": user_json(origin, owner),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": f"{origin}/features/actions",
        "html_url": f"{origin}/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2019-12-10T19:04:12Z",
        "permissions": {"checks": "write", "statuses": "write"},
        "events": [],
    }


def pull_minimal_json(origin: str, repo: Repository, pull: Pull) -> JSON:
    repo_ref = {
        "id": repo.id,
        "url": f"{origin}/repos/{repo.full_name}",
        "name": repo.name,
    }
    return {
        "id": 600000000 + pull.number,
        "number": pull.number,
        "url": f"{origin}/repos/{repo.full_name}/pulls/{pull.number}",
        "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": repo_ref},
        "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": repo_ref},
    }


def check_run_json(
    origin: str, repo: Repository, run: CheckRun, pulls: list[Pull]
) -> JSON:
    api = f"{origin}/repos/{repo.full_name}/check-runs/{run.id}"
    return {
        "id": run.id,
        "node_id": node_id("CR", run.id),
        "head_sha": run.head_sha,
        "external_id": run.external_id,
        "url": api,
        "html_url": f"{origin}/{repo.full_name}/runs/{run.id}",
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": iso(run.started_at),
        "completed_at": iso(run.completed_at),
        "output": {
            "title": run.output_title,
            "summary": run.output_summary,
            "text": run.output_text,
            "annotations_count": len(run.annotations),
            "annotations_url": f"{api}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": 800000000 + run.id % 100000},
        "app": app_json(origin),
        "pull_requests": [pull_minimal_json(origin, repo, pull) for pull in pulls],
    }


def permission_json(origin: str, user: User, permission: str) -> JSON:
    collaborator = user_json(origin, user)
    collaborator["permissions"] = {
        "admin": permission == "admin",
        "maintain": permission == "admin",
        "push": permission in ("admin", "write"),
        "triage": permission in ("admin", "write"),
        "pull": permission != "none",
    }
    collaborator["role_name"] = permission
    return {"permission": permission, "role_name": permission, "user": collaborator}


def content_file_json(origin: str, repo: Repository, path: str, data: bytes) -> JSON:
    blob_sha = hashlib.sha1(
        b"blob %d\0" % len(data) + data, usedforsecurity=False
    ).hexdigest()
    api = f"{origin}/repos/{repo.full_name}"
    encoded = base64.b64encode(data).decode()
    # GitHub wraps the base64 text at 60 characters with newlines.
    wrapped = "".join(
        encoded[start : start + 60] + "\n" for start in range(0, len(encoded), 60)
    )
    self_url = f"{api}/contents/{path}"
    html_url = f"{origin}/{repo.full_name}/blob/{repo.default_branch}/{path}"
    git_url = f"{api}/git/blobs/{blob_sha}"
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": wrapped,
        "sha": blob_sha,
        "url": self_url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": f"{origin}/raw/{repo.full_name}/{repo.default_branch}/{path}",
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }


def rate_limit_json(limit: int, remaining: int, reset: int) -> JSON:
    core = {
        "limit": limit,
        "remaining": remaining,
        "reset": reset,
        "used": limit - remaining,
        "resource": "core",
    }
    search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    return {"resources": {"core": core, "search": search}, "rate": core}


def error_json(message: str, status: int, **extra: Any) -> JSON:
    body: JSON = {
        "message": message,
        "documentation_url": "https://docs.github.com/rest",
        "status": str(status),
    }
    body.update(extra)
    return body
