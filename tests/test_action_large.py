"""The action on a 999-task plan, the most that three-digit ids allow."""

from __future__ import annotations

from pathlib import Path

from actionrun import (
    PR_NUMBER,
    REPO,
    GateRepo,
    latest_states,
    pull_request_payload,
    register_pull,
    run_entrypoint,
    runner_env,
)
from fakegithub import FakeGitHub
from gitutil import commit_all, init_repo, run_git

TASKS = 999


def _large_plan() -> str:
    header = (
        "# SPECTRA Execution Plan\n\n## Project: Large\n## Level: 4\n"
        "## Generated: 2026-02-10\n## Source: .spectra/stories/\n\n---\n\n"
    )
    blocks = []
    for number in range(1, TASKS + 1):
        task_id = f"{number:03d}"
        path = f"src/module_{task_id}.txt"
        # Chains of ten: 001 to 010, 011 to 020, and so on. Tasks before 993
        # are complete, so the chain 991 to 999 can run from 993 on.
        dependency = f"- Dependencies: {number - 1:03d}\n" if number % 10 != 1 else ""
        box = "x" if number < 993 else " "
        blocks.append(
            f"## Task {task_id}: Build module {task_id}\n"
            f"- [{box}] {task_id}: Build module {task_id}\n"
            "- AC:\n  - The module file exists.\n"
            f"- Files: {path}\n"
            f"- Verify: `seq 1 300; test -f {path}`\n"
            "- Risk: low\n- Max-iterations: 3\n- Scope: code\n"
            "- File-ownership:\n"
            f"  - owns: [{path}]\n  - touches: []\n  - reads: []\n"
            "- Wiring-proof:\n  - CLI: cat the file\n  - Integration: none.\n"
            f"{dependency}"
        )
    footer = (
        "\n---\n\n## Parallelism Assessment\n- Independent tasks: [001]\n"
        "- Sequential dependencies: []\n- Recommendation: TEAM_ELIGIBLE\n"
    )
    return header + "\n".join(blocks) + footer


def _large_repo(tmp_path: Path) -> GateRepo:
    path = init_repo(tmp_path / "workspace")
    (path / ".spectra").mkdir()
    (path / ".spectra" / "plan.md").write_text(_large_plan())
    (path / "src").mkdir()
    for number in range(1, TASKS + 1):
        (path / "src" / f"module_{number:03d}.txt").write_text("v1\n")
    base = commit_all(path, "Add the plan and the modules")
    run_git(path, "checkout", "--quiet", "-b", "feature/widgets")
    repo = GateRepo(path=path, base_sha=base, head_sha=base)
    # Task 995 fails: its file is removed. 996 to 999 depend on it.
    (path / "src" / "module_995.txt").unlink()
    repo.commit({"src/module_993.txt": "v2\n"}, "Change 993, drop 995")
    return repo


def test_large_plan_gate(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = _large_repo(tmp_path)
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    body = fake_github.comments(REPO, PR_NUMBER)[0]["body"]
    assert len(body) <= 65536
    assert "- [x] 993: Build module 993 — ✅ passed" in body
    assert "- [ ] 995: Build module 995 — ❌ failed" in body
    assert "- [ ] 996: Build module 996 — ⛔ blocked" in body
    assert "- [x] 001: Build module 001 — ☑️ complete" in body
    states = latest_states(fake_github, repo.head_sha)
    assert states["spectra"] == "failure"
    assert sorted(states) == [
        "spectra",
        "spectra/993",
        "spectra/994",
        "spectra/995",
        "spectra/996",
        "spectra/997",
        "spectra/998",
        "spectra/999",
    ]
    assert "only selected tasks get a status" in run.stderr
    assert fake_github.request_count("POST", r"/statuses/") == 9
