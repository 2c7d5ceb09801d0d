"""Tests of FakeGitHub through the real PyGithub client over real HTTP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from fakegithub import (
    DEFAULT_TOKEN,
    FakeGitHub,
    Fault,
    InvalidPayloadError,
    issue_comment_event,
    pull_request_event,
    spec,
    write_event,
)
from fakegithub.payloads import validate_payload
from fakegithub.routes import ROUTES
from fakegithub.state import Status, User, utc_now
from github import Auth, Github, GithubException, RateLimitExceededException

REPO = "acme/widgets"
HEAD = "a" * 40
BASE = "b" * 40


def client(fake: FakeGitHub, token: str = DEFAULT_TOKEN, **options: Any) -> Github:
    return Github(
        auth=Auth.Token(token),
        base_url=fake.url,
        per_page=100,
        lazy=True,
        seconds_between_requests=0,
        seconds_between_writes=0,
        **options,
    )


def no_retry_client(fake: FakeGitHub, token: str = DEFAULT_TOKEN) -> Github:
    return client(fake, token, retry=None)


def add_pull(fake: FakeGitHub, files: list[Any] | None = None) -> None:
    fake.add_repo(REPO)
    fake.add_pull(
        REPO, 7, HEAD, BASE, "feature/x", "main", title="Add widgets", files=files
    )


def raw_get(fake: FakeGitHub, path: str, **params: Any) -> requests.Response:
    return requests.get(
        fake.url + path,
        params=params,
        headers={"Authorization": f"token {DEFAULT_TOKEN}"},
        timeout=10,
    )


def raw_post(
    fake: FakeGitHub, path: str, body: Any, token: str = DEFAULT_TOKEN
) -> requests.Response:
    return requests.post(
        fake.url + path,
        json=body,
        headers={"Authorization": f"token {token}"},
        timeout=10,
    )


def take_violations(fake: FakeGitHub) -> list[str]:
    """Return the recorded violations as text and clear them for the fixture."""
    found = [str(violation) for violation in fake.violations]
    fake.violations.clear()
    return found


# Comments.


def test_comment_create_and_list(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    issue = client(fake_github).get_repo(REPO).get_issue(7)

    created = issue.create_comment("hello")

    assert [comment.body for comment in issue.get_comments()] == ["hello"]
    assert created.user.login == "github-actions[bot]"
    assert created.user.type == "Bot"
    assert created.user.id == 41898282
    assert fake_github.comments(REPO, 7)[0]["body"] == "hello"


def test_comment_create_is_one_post(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    client(fake_github).get_repo(REPO).get_issue(7).create_comment("hello")

    assert fake_github.request_count() == 1
    assert fake_github.request_count("POST", r"/issues/7/comments$") == 1


def test_comments_list_across_pages(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    ids = [
        fake_github.add_comment(REPO, 7, f"comment {index}", "alice")
        for index in range(150)
    ]

    listed = list(client(fake_github).get_repo(REPO).get_issue(7).get_comments())

    assert [comment.id for comment in listed] == ids
    assert ids == sorted(ids)
    assert fake_github.request_count("GET", r"/issues/7/comments$") == 2


def test_comments_link_keeps_per_page(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    for index in range(5):
        fake_github.add_comment(REPO, 7, f"comment {index}", "alice")

    first = raw_get(fake_github, f"/repos/{REPO}/issues/7/comments", per_page=2)
    last = raw_get(fake_github, f"/repos/{REPO}/issues/7/comments", per_page=2, page=3)

    assert first.links["next"]["url"].startswith(fake_github.url)
    assert "per_page=2" in first.links["next"]["url"]
    assert "page=2" in first.links["next"]["url"]
    assert "page=3" in first.links["last"]["url"]
    assert len(first.json()) == 2
    assert "next" not in last.links
    assert len(last.json()) == 1


def test_comments_per_page_capped(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    for index in range(120):
        fake_github.add_comment(REPO, 7, f"comment {index}", "alice")

    response = raw_get(fake_github, f"/repos/{REPO}/issues/7/comments", per_page=500)

    assert len(response.json()) == 100


def test_comments_since_filters(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    old_id = fake_github.add_comment(REPO, 7, "old", "alice")
    new_id = fake_github.add_comment(REPO, 7, "new", "alice")
    fake_github.store.comments[old_id].updated_at = utc_now() - timedelta(days=2)
    since = (utc_now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    response = raw_get(fake_github, f"/repos/{REPO}/issues/7/comments", since=since)

    assert [comment["id"] for comment in response.json()] == [new_id]


def test_comment_edit_and_delete(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    comment = client(fake_github).get_repo(REPO).get_issue(7).create_comment("v1")

    comment.edit("v2")
    after_edit = [entry["body"] for entry in fake_github.comments(REPO, 7)]
    comment.delete()

    assert after_edit == ["v2"]
    assert fake_github.comments(REPO, 7) == []


def test_comment_get_by_id(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    comment_id = fake_github.add_comment(REPO, 7, "from alice", "alice")

    response = raw_get(fake_github, f"/repos/{REPO}/issues/comments/{comment_id}")

    assert response.status_code == 200
    assert response.json()["user"]["login"] == "alice"
    assert response.json()["html_url"].endswith(f"/pull/7#issuecomment-{comment_id}")


def test_comment_missing_is_404(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    response = raw_get(fake_github, f"/repos/{REPO}/issues/comments/123")

    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"


def test_comment_body_too_long(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    issue = no_retry_client(fake_github).get_repo(REPO).get_issue(7)

    with pytest.raises(GithubException) as raised:
        issue.create_comment("x" * 65537)

    errors = raised.value.data["errors"]
    assert raised.value.status == 422
    assert errors[0]["message"] == "Body is too long (maximum is 65536 characters)"
    assert fake_github.comments(REPO, 7) == []
    assert len(take_violations(fake_github)) == 1


def test_comment_body_at_limit(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    client(fake_github).get_repo(REPO).get_issue(7).create_comment("x" * 65536)

    assert len(fake_github.comments(REPO, 7)[0]["body"]) == 65536


def test_comment_unknown_issue_404(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    response = raw_post(fake_github, f"/repos/{REPO}/issues/99/comments", {"body": "x"})

    assert response.status_code == 404
    assert fake_github.comments(REPO, 7) == []


def test_comment_without_body_rejected(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    response = raw_post(fake_github, f"/repos/{REPO}/issues/7/comments", {"text": "x"})

    violations = take_violations(fake_github)
    assert response.status_code == 422
    assert len(violations) == 1
    assert "'body' is a required property" in violations[0]
    assert fake_github.comments(REPO, 7) == []


# Reactions.


def test_reaction_created_then_repeated(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    comment_id = fake_github.add_comment(REPO, 7, "/spectra rerun", "alice")
    path = f"/repos/{REPO}/issues/comments/{comment_id}/reactions"

    first = raw_post(fake_github, path, {"content": "eyes"})
    second = raw_post(fake_github, path, {"content": "eyes"})
    other = raw_post(fake_github, path, {"content": "rocket"})

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert other.status_code == 201
    assert [r["content"] for r in fake_github.reactions(comment_id)] == [
        "eyes",
        "rocket",
    ]


def test_reaction_through_pygithub(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    comment = client(fake_github).get_repo(REPO).get_issue(7).create_comment("hi")

    reaction = comment.create_reaction("+1")

    assert reaction.content == "+1"
    assert [r.content for r in comment.get_reactions()] == ["+1"]


def test_reaction_invalid_content(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    comment_id = fake_github.add_comment(REPO, 7, "hi", "alice")
    path = f"/repos/{REPO}/issues/comments/{comment_id}/reactions"

    response = raw_post(fake_github, path, {"content": "thumbsup"})

    assert response.status_code == 422
    assert fake_github.reactions(comment_id) == []
    assert len(take_violations(fake_github)) == 1


# Commit statuses.


def test_status_create_and_combined(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    commit = client(fake_github).get_repo(REPO).get_commit(HEAD)

    commit.create_status("pending", description="running", context="spectra/001")
    commit.create_status("success", description="passed", context="spectra/001")
    commit.create_status("success", description="passed", context="spectra")

    combined = commit.get_combined_status()
    assert combined.state == "success"
    assert combined.total_count == 2
    assert [status["state"] for status in fake_github.statuses(REPO, HEAD)] == [
        "pending",
        "success",
        "success",
    ]
    latest = fake_github.latest_statuses(REPO, HEAD)
    assert latest["spectra/001"]["description"] == "passed"
    assert latest["spectra"]["creator"]["login"] == "github-actions[bot]"


def test_status_create_is_one_post(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    client(fake_github).get_repo(REPO).get_commit(HEAD).create_status("success")

    assert fake_github.request_count() == 1
    assert fake_github.latest_statuses(REPO, HEAD)["default"]["state"] == "success"


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((), "pending"),
        (("success", "pending"), "pending"),
        (("success", "failure"), "failure"),
        (("pending", "error"), "failure"),
        (("success", "success"), "success"),
    ],
)
def test_status_combined_state(
    fake_github: FakeGitHub, states: tuple[str, ...], expected: str
) -> None:
    add_pull(fake_github)
    commit = client(fake_github).get_repo(REPO).get_commit(HEAD)
    for index, state in enumerate(states):
        commit.create_status(state, context=f"check-{index}")

    assert commit.get_combined_status().state == expected


def test_status_list_newest_first(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    commit = client(fake_github).get_repo(REPO).get_commit(HEAD)
    commit.create_status("pending", context="spectra")
    commit.create_status("failure", context="spectra")

    response = raw_get(fake_github, f"/repos/{REPO}/commits/{HEAD}/statuses")
    by_branch = raw_get(fake_github, f"/repos/{REPO}/commits/feature/x/statuses")

    assert [status["state"] for status in response.json()] == ["failure", "pending"]
    assert by_branch.json() == response.json()
    assert [status.state for status in commit.get_statuses()] == ["failure", "pending"]


def test_status_invalid_state_rejected(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    commit = no_retry_client(fake_github).get_repo(REPO).get_commit(HEAD)

    with pytest.raises(GithubException) as raised:
        commit.create_status("ok")

    violations = take_violations(fake_github)
    assert raised.value.status == 422
    assert fake_github.statuses(REPO, HEAD) == []
    assert len(violations) == 1
    assert "'ok' is not one of" in violations[0]
    assert fake_github.requests[-1].status == 422


def test_status_description_too_long(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    commit = no_retry_client(fake_github).get_repo(REPO).get_commit(HEAD)

    with pytest.raises(GithubException) as raised:
        commit.create_status("success", description="d" * 141)

    violations = take_violations(fake_github)
    assert raised.value.status == 422
    assert fake_github.statuses(REPO, HEAD) == []
    assert len(violations) == 1
    assert "maximum is 140 characters" in violations[0]


def test_status_description_at_limit(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    commit = client(fake_github).get_repo(REPO).get_commit(HEAD)

    commit.create_status("success", description="d" * 140)

    assert len(fake_github.statuses(REPO, HEAD)) == 1


def test_status_unknown_sha(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    response = raw_post(
        fake_github, f"/repos/{REPO}/statuses/{'c' * 40}", {"state": "success"}
    )

    assert response.status_code == 422
    assert response.json()["message"] == f"No commit found for SHA: {'c' * 40}"
    assert len(take_violations(fake_github)) == 1


def test_status_limit_per_context(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    repo = fake_github.store.require_repo(REPO)
    creator = User("github-actions[bot]", 41898282, "Bot")
    # Seeding through the store keeps the test fast. 1000 POSTs would not.
    repo.statuses[HEAD] = [
        Status(index, HEAD, "success", "Spectra", None, None, creator, utc_now())
        for index in range(1000)
    ]
    path = f"/repos/{REPO}/statuses/{HEAD}"

    same = raw_post(fake_github, path, {"state": "success", "context": "spectra"})
    other = raw_post(fake_github, path, {"state": "success", "context": "other"})

    assert same.status_code == 422
    assert "maximum number of statuses" in same.json()["message"]
    assert other.status_code == 201
    assert len(take_violations(fake_github)) == 1


# Pull requests, issues and files.


def test_pull_get(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    pull = client(fake_github).get_repo(REPO).get_pull(7)

    assert pull.head.sha == HEAD
    assert pull.base.sha == BASE
    assert pull.head.ref == "feature/x"
    assert pull.title == "Add widgets"
    assert pull.user.login == "octocat"


def test_pull_set_head(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.set_head(REPO, 7, "c" * 40)

    pull = client(fake_github).get_repo(REPO).get_pull(7)

    assert pull.head.sha == "c" * 40


def test_pull_urls_use_fake_origin(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    body = raw_get(fake_github, f"/repos/{REPO}/pulls/7").json()

    urls = [value for value in iter_strings(body) if value.startswith("http")]
    assert urls
    assert [url for url in urls if not url.startswith(fake_github.url)] == []


def iter_strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in iter_strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in iter_strings(value)]
    return [node] if isinstance(node, str) else []


def test_pull_files_paginated(fake_github: FakeGitHub) -> None:
    names = [f"src/file{index:03}.py" for index in range(250)]
    add_pull(fake_github, files=names)

    files = list(client(fake_github).get_repo(REPO).get_pull(7).get_files())

    assert [entry.filename for entry in files] == names
    assert fake_github.request_count("GET", r"/pulls/7/files$") == 3


def test_pull_files_rename(fake_github: FakeGitHub) -> None:
    renamed = {"filename": "new.py", "status": "renamed", "previous_filename": "old.py"}
    add_pull(fake_github, files=[renamed])

    files = list(client(fake_github).get_repo(REPO).get_pull(7).get_files())

    assert files[0].status == "renamed"
    assert files[0].previous_filename == "old.py"


def test_pull_files_capped_at_3000(fake_github: FakeGitHub) -> None:
    add_pull(fake_github, files=[f"f{index}.txt" for index in range(3100)])

    files = list(client(fake_github).get_repo(REPO).get_pull(7).get_files())

    assert len(files) == 3000


def test_issue_of_pull(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    body = raw_get(fake_github, f"/repos/{REPO}/issues/7").json()

    assert body["number"] == 7
    assert body["pull_request"]["url"] == f"{fake_github.url}/repos/{REPO}/pulls/7"


def test_repo_get(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO, default_branch="trunk")

    repo = client(fake_github).get_repo(REPO)

    assert repo.default_branch == "trunk"
    assert repo.full_name == REPO


def test_unknown_repo_is_404(fake_github: FakeGitHub) -> None:
    response = raw_get(fake_github, "/repos/acme/missing")

    assert response.status_code == 404


def test_contents_with_ref(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO)
    fake_github.add_file(REPO, ".github/spectra.yml", "mode: gate\n")
    fake_github.add_file(REPO, ".github/spectra.yml", "mode: report\n", ref="dev")
    repo = client(fake_github).get_repo(REPO)

    default = repo.get_contents(".github/spectra.yml")
    on_dev = repo.get_contents(".github/spectra.yml", ref="dev")

    assert not isinstance(default, list)
    assert not isinstance(on_dev, list)
    assert default.decoded_content == b"mode: gate\n"
    assert on_dev.decoded_content == b"mode: report\n"


def test_contents_missing_is_404(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO)

    response = raw_get(fake_github, f"/repos/{REPO}/contents/.spectra/plan.md")

    assert response.status_code == 404


# Permissions.


@pytest.mark.parametrize("permission", ["admin", "write", "read", "none"])
def test_permission_set(fake_github: FakeGitHub, permission: str) -> None:
    fake_github.add_repo(REPO)
    fake_github.set_permission(REPO, "alice", permission)

    found = client(fake_github).get_repo(REPO).get_collaborator_permission("alice")

    assert found == permission


def test_permission_default_public(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO)

    found = client(fake_github).get_repo(REPO).get_collaborator_permission("mallory")

    assert found == "read"


def test_permission_default_private(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO, private=True)

    found = client(fake_github).get_repo(REPO).get_collaborator_permission("mallory")

    assert found == "none"


# Check runs.


def test_check_run_create_and_complete(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    repo = client(fake_github).get_repo(REPO)

    run = repo.create_check_run(
        "spectra",
        HEAD,
        status="in_progress",
        output={"title": "Running", "summary": "3 tasks"},
    )
    run.edit(conclusion="failure", output={"title": "Done", "summary": "1 failed"})

    stored = fake_github.check_runs(REPO)
    assert len(stored) == 1
    assert stored[0]["status"] == "completed"
    assert stored[0]["conclusion"] == "failure"
    assert stored[0]["output"]["summary"] == "1 failed"
    assert stored[0]["pull_requests"][0]["number"] == 7
    listed = list(repo.get_commit(HEAD).get_check_runs())
    assert [entry.conclusion for entry in listed] == ["failure"]


def make_annotations(count: int) -> list[dict[str, Any]]:
    return [
        {
            "path": "src/app.py",
            "start_line": index + 1,
            "end_line": index + 1,
            "annotation_level": "warning",
            "message": f"problem {index}",
        }
        for index in range(count)
    ]


def test_check_run_annotations_appended(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    path = f"/repos/{REPO}/check-runs"
    created = raw_post(
        fake_github,
        path,
        {
            "name": "spectra",
            "head_sha": HEAD,
            "output": {
                "title": "t",
                "summary": "s",
                "annotations": make_annotations(50),
            },
        },
    )
    run_id = created.json()["id"]

    updated = requests.patch(
        f"{fake_github.url}{path}/{run_id}",
        json={
            "output": {"title": "t", "summary": "s", "annotations": make_annotations(5)}
        },
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        timeout=10,
    )

    assert created.status_code == 201
    assert updated.status_code == 200
    assert updated.json()["output"]["annotations_count"] == 55


def test_check_run_too_many_annotations(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    body = {
        "name": "spectra",
        "head_sha": HEAD,
        "output": {"title": "t", "summary": "s", "annotations": make_annotations(51)},
    }

    response = raw_post(fake_github, f"/repos/{REPO}/check-runs", body)

    assert response.status_code == 422
    assert fake_github.check_runs(REPO) == []
    assert len(take_violations(fake_github)) == 1


def test_check_run_summary_too_long(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    body = {
        "name": "spectra",
        "head_sha": HEAD,
        "output": {"title": "t", "summary": "s" * 65536},
    }

    response = raw_post(fake_github, f"/repos/{REPO}/check-runs", body)

    assert response.status_code == 422
    assert fake_github.check_runs(REPO) == []
    assert len(take_violations(fake_github)) == 1


def test_check_run_rejected_update_keeps_run(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    run = (
        client(fake_github)
        .get_repo(REPO)
        .create_check_run("spectra", HEAD, output={"title": "t", "summary": "first"})
    )

    response = requests.patch(
        f"{fake_github.url}/repos/{REPO}/check-runs/{run.id}",
        json={"output": {"title": "t", "summary": "s" * 65536}},
        headers={"Authorization": f"token {DEFAULT_TOKEN}"},
        timeout=10,
    )

    assert response.status_code == 422
    assert fake_github.check_runs(REPO)[0]["output"]["summary"] == "first"
    assert len(take_violations(fake_github)) == 1


# Authentication, rate limits and unknown routes.


def test_read_token_write_forbidden(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.add_token("ghs_read_only", permissions="read")
    issue = no_retry_client(fake_github, "ghs_read_only").get_repo(REPO).get_issue(7)

    with pytest.raises(GithubException) as raised:
        issue.create_comment("hello")

    assert raised.value.status == 403
    assert raised.value.data["message"] == "Resource not accessible by integration"
    assert fake_github.comments(REPO, 7) == []


def test_read_token_can_read(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.add_token("ghs_read_only", permissions="read")

    pull = client(fake_github, "ghs_read_only").get_repo(REPO).get_pull(7)

    assert pull.head.sha == HEAD


def test_app_token_comment_author(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.add_token("ghs_app", login="spectra-bot[bot]", type="Bot")

    client(fake_github, "ghs_app").get_repo(REPO).get_issue(7).create_comment("hi")

    assert fake_github.comments(REPO, 7)[0]["user"]["login"] == "spectra-bot[bot]"


def test_bad_token_is_401(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    response = requests.get(
        f"{fake_github.url}/repos/{REPO}",
        headers={"Authorization": "token wrong"},
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json()["message"] == "Bad credentials"


def test_missing_auth_is_violation(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    response = requests.get(f"{fake_github.url}/repos/{REPO}", timeout=10)

    assert response.status_code == 401
    assert len(take_violations(fake_github)) == 1


def test_rate_limit_headers(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)

    first = raw_get(fake_github, f"/repos/{REPO}")
    second = raw_get(fake_github, f"/repos/{REPO}")

    assert first.headers["x-ratelimit-limit"] == "1000"
    assert int(second.headers["x-ratelimit-remaining"]) == (
        int(first.headers["x-ratelimit-remaining"]) - 1
    )
    assert second.headers["x-ratelimit-used"] == "2"
    assert second.headers["x-ratelimit-resource"] == "core"
    assert int(second.headers["x-ratelimit-reset"]) > datetime.now(UTC).timestamp()


def test_rate_limit_endpoint(fake_github: FakeGitHub) -> None:
    overview = client(fake_github).get_rate_limit()

    assert overview.rate.limit == 1000
    assert overview.rate.remaining == 1000


def test_unknown_route_is_violation(fake_github: FakeGitHub) -> None:
    response = raw_get(fake_github, "/user")

    violations = take_violations(fake_github)
    assert response.status_code == 404
    assert len(violations) == 1
    assert "GET /user" in violations[0]


def test_request_records(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    raw_get(fake_github, f"/repos/{REPO}/issues/7/comments", per_page=5)

    record = fake_github.requests[-1]
    fake_github.reset_requests()

    assert record.method == "GET"
    assert record.path == f"/repos/{REPO}/issues/7/comments"
    assert record.query == {"per_page": "5"}
    assert record.status == 200
    assert fake_github.requests == []


# Fault injection.


def test_fault_status_changes_nothing(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.inject("POST", r"/issues/7/comments$", Fault.status(502))
    issue = no_retry_client(fake_github).get_repo(REPO).get_issue(7)

    with pytest.raises(GithubException) as raised:
        issue.create_comment("hello")

    assert raised.value.status == 502
    assert fake_github.comments(REPO, 7) == []
    assert fake_github.requests[-1].status == 502


def test_fault_status_retried_once(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.inject("POST", r"/issues/7/comments$", Fault.status(502))

    # PyGithub's default retry repeats a POST that got a 5xx response.
    client(fake_github).get_repo(REPO).get_issue(7).create_comment("hello")

    assert len(fake_github.comments(REPO, 7)) == 1
    assert fake_github.request_count("POST") == 2


def test_fault_times_counts_down(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.inject("GET", r"/pulls/7$", Fault.status(503), times=2)
    path = f"/repos/{REPO}/pulls/7"

    statuses = [raw_get(fake_github, path).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert fake_github.faults.pending() == 0


def test_fault_secondary_rate_limit(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.inject(None, r"/comments$", Fault.secondary_rate_limit(retry_after=7))
    issue = no_retry_client(fake_github).get_repo(REPO).get_issue(7)

    with pytest.raises(RateLimitExceededException) as raised:
        issue.create_comment("hello")

    assert raised.value.status == 403
    assert raised.value.headers is not None
    assert raised.value.headers["retry-after"] == "7"
    assert "secondary rate limit" in raised.value.data["message"]
    assert fake_github.comments(REPO, 7) == []


def test_fault_primary_rate_limit(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.inject("GET", r"/pulls/7$", Fault.primary_rate_limit(reset_in=30))

    response = raw_get(fake_github, f"/repos/{REPO}/pulls/7")

    reset = int(response.headers["x-ratelimit-reset"])
    assert response.status_code == 403
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.json()["message"].startswith("API rate limit exceeded")
    assert reset >= int(datetime.now(UTC).timestamp()) + 25


def test_fault_forbidden(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.inject("POST", r"/statuses/", Fault.forbidden())
    commit = no_retry_client(fake_github).get_repo(REPO).get_commit(HEAD)

    with pytest.raises(GithubException) as raised:
        commit.create_status("success")

    assert raised.value.status == 403
    assert raised.value.data["message"] == "Resource not accessible by integration"
    assert fake_github.statuses(REPO, HEAD) == []


def test_fault_slow_times_out_client(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.inject("POST", r"/statuses/", Fault.slow(0.6))

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            f"{fake_github.url}/repos/{REPO}/statuses/{HEAD}",
            json={"state": "success"},
            headers={"Authorization": f"token {DEFAULT_TOKEN}"},
            timeout=0.2,
        )
    # A slow fault delays the request but still handles it, so the status
    # appears once the delay has passed.
    later = raw_get(fake_github, f"/repos/{REPO}/commits/{HEAD}/status")
    for _ in range(50):
        if later.json()["total_count"] == 1:
            break
        time.sleep(0.1)
        later = raw_get(fake_github, f"/repos/{REPO}/commits/{HEAD}/status")

    assert later.json()["total_count"] == 1


def test_fault_drop_closes_connection(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    fake_github.inject("POST", r"/issues/7/comments$", Fault.drop())

    with pytest.raises(requests.exceptions.ConnectionError):
        raw_post(fake_github, f"/repos/{REPO}/issues/7/comments", {"body": "hi"})

    assert fake_github.comments(REPO, 7) == []
    assert fake_github.requests[-1].status is None


# Webhook payloads.


def test_pull_request_payload_actions() -> None:
    for action in ("opened", "reopened", "synchronize", "edited"):
        payload = pull_request_event(
            action,
            repo_full_name=REPO,
            number=7,
            head_sha=HEAD,
            base_sha=BASE,
            head_ref="feature/x",
            base_ref="main",
            title="Add widgets",
            body="Implements 002",
            labels=["spectra"],
            user_login="octocat",
            api_url="http://127.0.0.1:9",
            before="c" * 40,
        )

        assert payload["action"] == action
        assert payload["pull_request"]["head"]["sha"] == HEAD
        assert payload["pull_request"]["base"]["repo"]["full_name"] == REPO


def test_pull_request_payload_synchronize() -> None:
    payload = pull_request_event(
        "synchronize",
        repo_full_name=REPO,
        number=7,
        head_sha=HEAD,
        base_sha=BASE,
        head_ref="feature/x",
        base_ref="main",
        title="t",
        body="b",
        labels=(),
        user_login="octocat",
        api_url="http://127.0.0.1:9",
        before="c" * 40,
    )

    assert payload["before"] == "c" * 40
    assert payload["after"] == HEAD


def test_pull_request_payload_fork() -> None:
    payload = pull_request_event(
        "opened",
        repo_full_name=REPO,
        number=7,
        head_sha=HEAD,
        base_sha=BASE,
        head_ref="patch-1",
        base_ref="main",
        title="t",
        body=None,
        labels=(),
        user_login="outsider",
        api_url="http://127.0.0.1:9",
        head_repo_full_name="outsider/widgets",
        draft=True,
    )

    assert payload["pull_request"]["head"]["repo"]["full_name"] == "outsider/widgets"
    assert payload["pull_request"]["draft"] is True
    assert payload["pull_request"]["body"] is None


def test_issue_comment_payload_on_pull() -> None:
    payload = issue_comment_event(
        "created",
        repo_full_name=REPO,
        number=7,
        comment_id=101,
        body="/spectra rerun 002",
        user_login="alice",
        api_url="http://127.0.0.1:9",
    )

    assert payload["issue"]["pull_request"]["url"].endswith("/pulls/7")
    assert payload["comment"]["user"]["type"] == "User"
    assert payload["comment"]["author_association"] == "MEMBER"


def test_issue_comment_payload_on_issue() -> None:
    payload = issue_comment_event(
        "created",
        repo_full_name=REPO,
        number=8,
        comment_id=102,
        body="hello",
        user_login="github-actions[bot]",
        user_type="Bot",
        author_association="NONE",
        api_url="http://127.0.0.1:9",
        is_pull_request=False,
    )

    assert "pull_request" not in payload["issue"]
    assert payload["sender"]["id"] == 41898282


def test_issue_comment_payload_edited() -> None:
    payload = issue_comment_event(
        "edited",
        repo_full_name=REPO,
        number=7,
        comment_id=103,
        body="new",
        user_login="alice",
        api_url="http://127.0.0.1:9",
        changes_body_from="old",
    )

    assert payload["changes"] == {"body": {"from": "old"}}


def test_payload_unknown_action_raises() -> None:
    with pytest.raises(InvalidPayloadError, match="no webhook schema"):
        issue_comment_event(
            "shouted",
            repo_full_name=REPO,
            number=7,
            comment_id=1,
            body="x",
            user_login="alice",
            api_url="http://127.0.0.1:9",
        )


def test_payload_invalid_field_raises() -> None:
    payload = issue_comment_event(
        "created",
        repo_full_name=REPO,
        number=7,
        comment_id=1,
        body="x",
        user_login="alice",
        api_url="http://127.0.0.1:9",
    )
    payload["comment"]["html_url"] = "not a url"

    with pytest.raises(InvalidPayloadError, match="comment/html_url"):
        validate_payload("issue_comment", payload)


def test_payload_extra_field_raises() -> None:
    payload = issue_comment_event(
        "created",
        repo_full_name=REPO,
        number=7,
        comment_id=1,
        body="x",
        user_login="alice",
        api_url="http://127.0.0.1:9",
    )
    payload["comment"]["head_sha"] = HEAD

    with pytest.raises(InvalidPayloadError, match="head_sha"):
        validate_payload("issue_comment", payload)


def test_write_event_round_trip(tmp_path: Path) -> None:
    payload = issue_comment_event(
        "created",
        repo_full_name=REPO,
        number=7,
        comment_id=1,
        body="x",
        user_login="alice",
        api_url="http://127.0.0.1:9",
    )

    path = write_event(tmp_path, payload)

    assert json.loads(path.read_text(encoding="utf-8")) == payload


# The fetch script.


def run_fetch_script(
    cache: Path, path_variable: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(spec.FETCH_SCRIPT), "--cache-dir", str(cache)],
        env={**os.environ, "PATH": path_variable},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_fetch_script_without_npm(tmp_path: Path) -> None:
    completed = run_fetch_script(tmp_path / "cache", str(tmp_path / "empty-bin"))

    assert completed.returncode == 1
    assert "npm not found on PATH" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_fetch_script_current_cache_kept(github_specs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(github_specs, cache)
    before = {item.name: item.stat().st_mtime_ns for item in cache.iterdir()}

    # npm is not reachable on this PATH, so success shows nothing was fetched.
    completed = run_fetch_script(cache, str(tmp_path / "empty-bin"))

    after = {item.name: item.stat().st_mtime_ns for item in cache.iterdir()}
    assert completed.returncode == 0
    assert after == before


def test_reduced_spec_has_served_operations(github_specs: Path) -> None:
    document = spec.rest_description()
    served = {(route.method.lower(), route.spec_template) for route in ROUTES}

    listed = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }

    assert served == listed


def test_fetch_script_rebuilds_stale_reduction(
    github_specs: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(github_specs, cache)
    stamp_path = cache / "stamp.json"
    stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    (cache / "api.github.com.reduced.json").write_text("{}", encoding="utf-8")
    stamp_path.write_text(
        json.dumps({**stamp, "operations_sha256": "outdated"}), encoding="utf-8"
    )

    # The pins still match, so the rebuild must not need npm.
    completed = run_fetch_script(cache, str(tmp_path / "empty-bin"))

    rebuilt = json.loads((cache / "api.github.com.reduced.json").read_text("utf-8"))
    assert completed.returncode == 0
    assert json.loads(stamp_path.read_text(encoding="utf-8")) == stamp
    assert rebuilt == spec.rest_description()
