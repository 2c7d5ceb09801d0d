"""Tests of FakeGitHub through the real PyGithub client over real HTTP."""

from __future__ import annotations

from fakegithub import DEFAULT_TOKEN, FakeGitHub
from github import Auth, Github

REPO = "acme/widgets"
HEAD = "a" * 40
BASE = "b" * 40


def client(fake: FakeGitHub, token: str = DEFAULT_TOKEN) -> Github:
    return Github(
        auth=Auth.Token(token),
        base_url=fake.url,
        per_page=100,
        lazy=True,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )


def add_pull(fake: FakeGitHub) -> None:
    fake.add_repo(REPO)
    fake.add_pull(REPO, 7, HEAD, BASE, "feature/x", "main", title="Add widgets")


def test_comment_create_and_list(fake_github: FakeGitHub) -> None:
    add_pull(fake_github)
    issue = client(fake_github).get_repo(REPO).get_issue(7)

    created = issue.create_comment("hello")

    assert [comment.body for comment in issue.get_comments()] == ["hello"]
    assert created.user.login == "github-actions[bot]"
