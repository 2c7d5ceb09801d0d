"""The action on pull requests that change the plan, declare their task, or
use up a task's attempts."""

from __future__ import annotations

from pathlib import Path

from actionrun import (
    PR_NUMBER,
    REPO,
    build_gate_repo,
    latest_states,
    plan_text,
    pull_request_payload,
    register_pull,
    run_entrypoint,
    runner_env,
)
from fakegithub import FakeGitHub
from gitutil import run_git


def _body(fake: FakeGitHub) -> str:
    comments = fake.comments(REPO, PR_NUMBER)
    assert len(comments) == 1
    text: str = comments[0]["body"]
    return text


def test_changed_plan_findings_fail_gate(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_gate_repo(tmp_path)
    (repo.path / "scripts" / "cleanup.sh").unlink()
    broken = plan_text().replace("- Risk: low\n", "- Risk: extreme\n")
    repo.commit({".spectra/plan.md": broken}, "Raise the risk")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    body = _body(fake_github)
    assert "### Plan findings" in body
    assert "extreme" in body
    assert "the changed plan has 1 lint error" in body
    assert "::error file=.spectra/plan.md,line=" in run.stdout


def test_unchanged_plan_findings_hidden(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    assert "### Plan findings" not in _body(fake_github)


def test_ticked_task_is_verified(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    (repo.path / "scripts" / "cleanup.sh").unlink()
    (repo.path / "docs" / "guide.md").unlink()
    repo.commit({}, "Drop the guide")
    ticked = plan_text().replace(
        "- [ ] 003: Document widgets", "- [x] 003: Document widgets"
    )
    repo.commit({".spectra/plan.md": ticked}, "Tick 003")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    body = _body(fake_github)
    assert "- [ ] 003: Document widgets — ❌ failed" in body
    assert "This pull request ticks task 003, so it was verified." in body
    assert latest_states(fake_github, repo.head_sha)["spectra/003"] == "failure"


def test_declared_task_makes_foreign(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    (repo.path / "scripts" / "cleanup.sh").unlink()
    repo.commit({}, "Drop the script")
    register_pull(fake_github, repo, title="[003] Document widgets")
    payload = pull_request_payload(fake_github, repo, title="[003] Document widgets")
    env = runner_env(tmp_path, fake_github, repo, payload)

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    body = _body(fake_github)
    assert "| `infra/store.txt` | ❌ foreign | 001 |" in body
    assert "docs/guide.md" not in body.split("### Files outside the plan")[1]


def test_attempts_run_out(tmp_path: Path, fake_github: FakeGitHub) -> None:
    plan = plan_text("exit 1").replace("- Max-iterations: 5", "- Max-iterations: 2")
    repo = build_gate_repo(tmp_path, plan=plan)
    register_pull(fake_github, repo)
    bodies = []
    for _ in range(3):
        env = runner_env(
            tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
        )
        run = run_entrypoint(env, repo.path)
        assert run.returncode == 1
        bodies.append(_body(fake_github))

    assert "003: Document widgets — ❌ failed (exited with 1) · " in bodies[0]
    assert "attempt 1 of 2" in bodies[0]
    assert "attempt 2 of 2" in bodies[1]
    assert "- [ ] 003: Document widgets — 🛑 stuck (used 2 of 2 attempts" in bodies[2]
    assert "/spectra reset 003" in bodies[2]
    statuses = fake_github.latest_statuses(REPO, repo.head_sha)
    assert statuses["spectra/003"]["state"] == "failure"
    assert statuses["spectra/003"]["description"].startswith("stuck")


def _shallow_workspace(tmp_path: Path, source: Path) -> Path:
    """Clone only the head commit and drop the remote, so the base commit
    cannot be fetched and git cannot list the changes."""
    clone = tmp_path / "shallow"
    run_git(
        tmp_path,
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--branch",
        "feature/widgets",
        f"file://{source}",
        str(clone),
    )
    run_git(clone, "remote", "remove", "origin")
    return clone


def test_shallow_clone_uses_api_files(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    clone = _shallow_workspace(tmp_path, repo.path)
    register_pull(fake_github, repo, files=["docs/guide.md"])
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )
    env["GITHUB_WORKSPACE"] = str(clone)

    run = run_entrypoint(env, clone)

    assert run.returncode == 0, run.stderr
    assert "using the API" in run.stderr
    assert fake_github.request_count("GET", r"/pulls/\d+/files") == 1
    assert "- [x] 003: Document widgets — ✅ passed" in _body(fake_github)


def test_api_file_cap_fails_gate(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    clone = _shallow_workspace(tmp_path, repo.path)
    files = [f"docs/part-{n:04d}.md" for n in range(3500)]
    register_pull(fake_github, repo, files=files)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )
    env["GITHUB_WORKSPACE"] = str(clone)

    run = run_entrypoint(env, clone)

    assert run.returncode == 1, run.stderr
    body = _body(fake_github)
    assert "at most 3000 files" in body


def test_renumbered_task_drops_state(tmp_path: Path, fake_github: FakeGitHub) -> None:
    plan = plan_text("exit 1").replace("- Max-iterations: 5", "- Max-iterations: 1")
    repo = build_gate_repo(tmp_path, plan=plan)
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )
    run_entrypoint(env, repo.path)
    renamed = plan.replace("Document widgets", "Write the widget guide")
    repo.commit({".spectra/plan.md": renamed}, "Task 003 is now another task")
    fake_github.set_head(REPO, PR_NUMBER, repo.head_sha)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    body = _body(fake_github)
    assert "003: Write the widget guide — ❌ failed" in body
    assert "stuck" not in body
    assert "attempt 1 of 1" in body
    assert "now name other tasks" in run.stderr
