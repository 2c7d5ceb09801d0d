"""How the action behaves on GitHub: sticky comment, stale runs, report
modes, request counts, read-only tokens and injected faults."""

from __future__ import annotations

from pathlib import Path

import pytest
from actionrun import (
    PR_NUMBER,
    REPO,
    build_gate_repo,
    latest_states,
    pull_request_payload,
    register_pull,
    run_entrypoint,
    runner_env,
)
from fakegithub import FakeGitHub, Fault

from spectra_action.state import decode_state

MARKER = "<!-- spectra-action:checklist -->"


def _prepare(tmp_path: Path, fake: FakeGitHub, **inputs: str) -> dict[str, str]:
    repo = build_gate_repo(tmp_path)
    register_pull(fake, repo)
    return runner_env(
        tmp_path, fake, repo, pull_request_payload(fake, repo), inputs=inputs
    )


def test_pending_status_comes_first(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = _prepare(tmp_path, fake_github)

    run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    head = env["GITHUB_SHA"]
    aggregate = [
        status["state"]
        for status in fake_github.statuses(REPO, head)
        if status["context"] == "spectra"
    ]
    assert aggregate == ["pending", "failure"]


def test_person_quoting_marker_is_not_edited(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    env = _prepare(tmp_path, fake_github)
    quote = f"{MARKER}\nI copied the bot's comment here."
    fake_github.add_comment(REPO, PR_NUMBER, quote, login="mallory")

    run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    comments = fake_github.comments(REPO, PR_NUMBER)
    assert len(comments) == 2
    assert comments[0]["body"] == quote
    assert comments[1]["user"]["login"] == "github-actions[bot]"


def test_duplicate_comments_are_merged(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = _prepare(tmp_path, fake_github)
    oldest = fake_github.add_comment(
        REPO, PR_NUMBER, f"{MARKER}\nold", login="github-actions[bot]", type="Bot"
    )
    fake_github.add_comment(
        REPO, PR_NUMBER, f"{MARKER}\nraced", login="github-actions[bot]", type="Bot"
    )

    run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    comments = fake_github.comments(REPO, PR_NUMBER)
    assert [comment["id"] for comment in comments] == [oldest]
    assert "SPECTRA plan gate" in comments[0]["body"]


def test_stale_run_keeps_newer_report(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = _prepare(tmp_path, fake_github)
    newer = "f" * 40
    fake_github.set_head(REPO, PR_NUMBER, newer)
    existing = fake_github.add_comment(
        REPO,
        PR_NUMBER,
        f"{MARKER}\nreport for the newer head",
        login="github-actions[bot]",
        type="Bot",
    )

    run = run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    comments = fake_github.comments(REPO, PR_NUMBER)
    assert [comment["id"] for comment in comments] == [existing]
    assert comments[0]["body"].endswith("report for the newer head")
    assert latest_states(fake_github, env["GITHUB_SHA"])["spectra"] == "failure"
    assert latest_states(fake_github, newer) == {}
    assert "moved on" in run.stderr


def test_report_none_sets_no_status(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = _prepare(tmp_path, fake_github, report="none")

    run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    assert fake_github.statuses(REPO, env["GITHUB_SHA"]) == []
    assert len(fake_github.comments(REPO, PR_NUMBER)) == 1


def test_check_run_carries_annotations(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = _prepare(tmp_path, fake_github, report="check-run")

    run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    runs = fake_github.check_runs(REPO)
    assert len(runs) == 1
    assert runs[0]["name"] == "spectra"
    assert runs[0]["conclusion"] == "failure"
    assert runs[0]["head_sha"] == env["GITHUB_SHA"]
    assert fake_github.statuses(REPO, env["GITHUB_SHA"]) == []


def test_task_statuses_selected_only(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        inputs={"task-statuses": "none"},
    )

    run_entrypoint(env, repo.path)

    assert set(latest_states(fake_github, repo.head_sha)) == {"spectra"}


def test_read_only_token_still_gates(tmp_path: Path, fake_github: FakeGitHub) -> None:
    token = "ghs_read_only_token_for_forks_0123"
    fake_github.add_token(token, permissions="read")
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        token=token,
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "pull-requests: write" in run.stderr
    assert "statuses: write" in run.stderr
    assert fake_github.comments(REPO, PR_NUMBER) == []
    assert "SPECTRA plan gate: failed" in run.summary
    assert "The token may not write the comment" in run.summary
    assert run.outputs["result"] == "failed"


def test_server_errors_are_retried(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = _prepare(tmp_path, fake_github)
    fake_github.inject("POST", r"/statuses/", Fault.status(502), times=2)
    fake_github.inject("GET", r"/issues/\d+/comments", Fault.status(503), times=1)

    run = run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    assert run.returncode == 1, run.stderr
    assert latest_states(fake_github, env["GITHUB_SHA"])["spectra"] == "failure"
    assert len(fake_github.comments(REPO, PR_NUMBER)) == 1
    assert "retrying" in run.stderr


def test_secondary_rate_limit_waits(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = _prepare(tmp_path, fake_github)
    fake_github.inject(
        "POST", r"/issues/\d+/comments", Fault.secondary_rate_limit(retry_after=1)
    )

    run = run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    assert run.returncode == 1, run.stderr
    assert len(fake_github.comments(REPO, PR_NUMBER)) == 1
    assert "retrying in 1.0s" in run.stderr


def test_dropped_connection_no_duplicate(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    env = _prepare(tmp_path, fake_github)
    fake_github.inject("POST", r"/issues/\d+/comments", Fault.drop())

    run = run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    assert run.returncode == 1, run.stderr
    assert len(fake_github.comments(REPO, PR_NUMBER)) == 1


def test_slow_response_still_ends(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = _prepare(tmp_path, fake_github)
    fake_github.inject("GET", r"/pulls/\d+$", Fault.slow(1.5))

    run = run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    assert run.returncode == 1, run.stderr
    assert len(fake_github.comments(REPO, PR_NUMBER)) == 1


def test_persistent_outage_fails_clearly(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    env = _prepare(tmp_path, fake_github)
    env["SPECTRA_RETRY_ATTEMPTS"] = "2"
    fake_github.inject("PATCH", r"/issues/comments/", Fault.status(502), times=50)
    fake_github.inject("POST", r"/issues/\d+/comments", Fault.status(502), times=50)

    run = run_entrypoint(env, Path(env["GITHUB_WORKSPACE"]))

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "gave up after 2 attempts" in run.stderr
    assert "SPECTRA plan gate: failed" in run.summary
    assert "Could not write the comment" in run.summary


def _standard_run(tmp_path: Path, fake: FakeGitHub, report: str) -> int:
    """A pull request with 150 changed files and 120 earlier comments, one of
    them the sticky comment, where 3 tasks are selected."""
    repo = build_gate_repo(tmp_path)
    many = {f"notes/file-{index:03d}.txt": f"{index}\n" for index in range(147)}
    repo.commit(many, "Add 147 notes")
    register_pull(fake, repo)
    for index in range(119):
        fake.add_comment(REPO, PR_NUMBER, f"review comment {index}", login="octocat")
    fake.add_comment(
        REPO,
        PR_NUMBER,
        f"{MARKER}\nold report",
        login="github-actions[bot]",
        type="Bot",
    )
    env = runner_env(
        tmp_path,
        fake,
        repo,
        pull_request_payload(fake, repo),
        inputs={"report": report},
    )
    fake.reset_requests()
    run = run_entrypoint(env, repo.path)
    assert run.returncode == 1, run.stderr
    assert run.summary.count("| ") > 150
    return len(fake.requests)


@pytest.mark.parametrize(
    ("report", "expected"),
    # status: pending + 2 comment pages + head check + edit + 3 tasks + aggregate.
    # check-run: 2 comment pages + head check + edit + 1 create and 2 updates,
    # because 148 unplanned files make 148 annotations, 50 per request.
    [("status", 9), ("check-run", 7), ("both", 12), ("none", 4)],
)
def test_request_count_standard_run(
    tmp_path: Path, fake_github: FakeGitHub, report: str, expected: int
) -> None:
    assert _standard_run(tmp_path, fake_github, report) == expected


def test_error_run_keeps_state(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )
    run_entrypoint(env, repo.path)
    repo.commit({".github/spectra.yml": "polcy: {}\n"}, "Break the config")
    fake_github.set_head(REPO, PR_NUMBER, repo.head_sha)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 2
    state = decode_state(fake_github.comments(REPO, PR_NUMBER)[0]["body"])
    assert state is not None
    assert state.tasks["001"].attempts == 1


def test_error_run_fails_check_run(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    repo.commit({".github/spectra.yml": "polcy: {}\n"}, "Break the config")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        inputs={"report": "check-run"},
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 2
    runs = fake_github.check_runs(REPO)
    assert [check["conclusion"] for check in runs] == ["failure"]
