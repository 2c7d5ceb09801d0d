"""The action end to end: a pull_request event in, comment and statuses out."""

from __future__ import annotations

from pathlib import Path

from actionrun import (
    PR_NUMBER,
    REPO,
    affected,
    build_gate_repo,
    latest_states,
    pull_request_payload,
    register_pull,
    run_entrypoint,
    runner_env,
)
from fakegithub import FakeGitHub


def test_pull_request_gate_first_run(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    comments = fake_github.comments(REPO, PR_NUMBER)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert body.startswith("<!-- spectra-action:checklist -->")
    assert comments[0]["user"]["login"] == "github-actions[bot]"
    assert "- [x] 001: Provision the widget store — ✅ passed" in body
    assert "- [x] 002: Serve widgets — ✅ passed" in body
    assert "- [x] 003: Document widgets — ✅ passed" in body
    assert "| `scripts/cleanup.sh` | ❌ unplanned | — |" in body
    assert "The gate failed: 1 changed file is unplanned." in body
    assert f"Commit `{repo.head_sha[:7]}`" in body
    states = latest_states(fake_github, repo.head_sha)
    assert states == {
        "spectra": "failure",
        "spectra/001": "success",
        "spectra/002": "success",
        "spectra/003": "success",
    }
    statuses = fake_github.latest_statuses(REPO, repo.head_sha)
    assert statuses["spectra/001"]["description"].startswith("passed")
    assert statuses["spectra"]["target_url"] == (
        f"https://github.com/{REPO}/actions/runs/4242"
    )
    assert run.outputs["result"] == "failed"
    assert affected(run) == ["001", "002", "003"]
    assert run.outputs["comment-url"] == comments[0]["html_url"]
    assert "SPECTRA plan gate: failed" in run.summary
    assert "::error file=scripts/cleanup.sh" in run.stdout


def test_pull_request_gate_second_push(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    first_head = repo.head_sha
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )
    assert run_entrypoint(env, repo.path).returncode == 1

    (repo.path / "scripts" / "cleanup.sh").unlink()
    repo.commit({"docs/guide.md": "# Guide\n\nSecond edit.\n"}, "Drop the script")
    fake_github.set_head(REPO, PR_NUMBER, repo.head_sha)
    payload = pull_request_payload(
        fake_github, repo, "synchronize", before=first_head, after=repo.head_sha
    )
    env = runner_env(tmp_path, fake_github, repo, payload)
    run = run_entrypoint(env, repo.path)

    assert run.returncode == 0, run.stderr
    comments = fake_github.comments(REPO, PR_NUMBER)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert f"Commit `{repo.head_sha[:7]}`" in body
    assert "unplanned" not in body
    assert "attempt 2 of 10" in body
    assert latest_states(fake_github, repo.head_sha) == {
        "spectra": "success",
        "spectra/001": "success",
        "spectra/002": "success",
        "spectra/003": "success",
    }
    assert latest_states(fake_github, first_head)["spectra"] == "failure"
    assert run.outputs["result"] == "passed"


def test_failing_task_blocks_dependent(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    (repo.path / "services").mkdir(exist_ok=True)
    repo.commit({"infra/store.txt": "store v3\n"}, "Touch the store again")
    # Task 001's file disappears, so its verify command fails and 002 is blocked.
    (repo.path / "infra" / "store.txt").unlink()
    repo.commit({}, "Remove the store")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1
    body = fake_github.comments(REPO, PR_NUMBER)[0]["body"]
    assert "- [ ] 001: Provision the widget store — ❌ failed (exited with 1)" in body
    assert "- [ ] 002: Serve widgets — ⛔ blocked" in body
    assert "<details><summary>001: Provision the widget store (failed" in body
    states = latest_states(fake_github, repo.head_sha)
    assert states["spectra/001"] == "failure"
    assert states["spectra/002"] == "failure"
    assert states["spectra/003"] == "success"


def test_unusable_plan_reports_error(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    repo.commit(
        {".spectra/plan.md": "# SPECTRA Execution Plan\n\nNo tasks yet.\n"},
        "Empty plan",
    )
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 2, run.stderr
    body = fake_github.comments(REPO, PR_NUMBER)[0]["body"]
    assert "SPECTRA plan gate: error" in body
    assert latest_states(fake_github, repo.head_sha) == {"spectra": "failure"}
    assert run.outputs["result"] == "error"
    assert "Traceback" not in run.stderr


def test_verify_commands_never_see_token(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_gate_repo(
        tmp_path,
        verify_003=(
            "env > docs/env-dump.txt; echo token=$GITHUB_TOKEN$INPUT_TOKEN; "
            "tr '\\0' '\\n' < /proc/$PPID/environ > docs/parent-env.txt; "
            "test -s docs/guide.md"
        ),
    )
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )
    env["GITHUB_TOKEN"] = env["INPUT_TOKEN"]

    run_entrypoint(env, repo.path)

    dumped = (repo.path / "docs" / "env-dump.txt").read_text()
    assert env["INPUT_TOKEN"] not in dumped
    assert "actions-runtime-secret-value" not in dumped
    assert "SPECTRA_TASK_ID=003" in dumped
    parent = (repo.path / "docs" / "parent-env.txt").read_text()
    assert "GITHUB_REPOSITORY=" in parent
    assert env["INPUT_TOKEN"] not in parent
    assert "actions-runtime-secret-value" not in parent
    body = fake_github.comments(REPO, PR_NUMBER)[0]["body"]
    assert env["INPUT_TOKEN"] not in body


def test_verify_cannot_write_outputs(tmp_path: Path, fake_github: FakeGitHub) -> None:
    files = tmp_path / "file_commands"
    hostile = (
        f"for f in {files}/*; do echo 'result=passed' >> $f; done; "
        "test -s docs/guide.md"
    )
    repo = build_gate_repo(tmp_path, verify_003=hostile, name="hostile")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1
    assert run.outputs["result"] == "failed"
    assert "result=passed" not in Path(env["GITHUB_OUTPUT"]).read_text()
    assert "result=passed" not in run.summary
    assert "file-command files" in run.stderr
