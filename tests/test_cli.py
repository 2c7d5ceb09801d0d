"""``spectra-action check`` on local checkouts, run as a real subprocess."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from actionrun import build_gate_repo
from gitutil import run_git


def _check(
    repo: Path, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spectra_action", "check", *args],
        cwd=cwd or repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_prints_comment(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "main", "--head", "HEAD")

    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("<!-- spectra-action:checklist -->")
    assert "- [x] 001: Provision the widget store — ✅ passed" in result.stdout
    assert "| `scripts/cleanup.sh` | ❌ unplanned | — |" in result.stdout


def test_check_json_document(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "main", "--format", "json")
    document = json.loads(result.stdout)

    assert result.returncode == 1
    assert document["schema_version"] == 1
    assert document["result"] == "failed"
    assert document["head_sha"] == repo.head_sha
    verdicts = {item["path"]: item["verdict"] for item in document["files"]}
    assert verdicts == {
        "docs/guide.md": "owned",
        "infra/store.txt": "owned",
        "scripts/cleanup.sh": "unplanned",
    }
    assert document["selection"]["run"] == ["001", "002", "003"]
    statuses = {task["id"]: task["status"] for task in document["tasks"]}
    assert statuses == {"001": "passed", "002": "passed", "003": "passed"}
    assert document["tasks"][0]["exit_code"] == 0


def test_check_default_base_is_merge_base(tmp_path: Path) -> None:
    source = build_gate_repo(tmp_path, name="source")
    run_git(source.path, "checkout", "--quiet", "main")
    source.commit({"infra/providers.txt": "cloud\n"}, "Move main on")
    clone = tmp_path / "clone"
    run_git(tmp_path, "clone", "--quiet", str(source.path), str(clone))
    run_git(clone, "checkout", "--quiet", "feature/widgets")

    result = _check(clone, "--format", "json")

    assert result.returncode == 1, result.stderr
    paths = [item["path"] for item in json.loads(result.stdout)["files"]]
    assert paths == ["docs/guide.md", "infra/store.txt", "scripts/cleanup.sh"]


def test_check_other_head_uses_worktree(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)
    run_git(repo.path, "checkout", "--quiet", "main")

    result = _check(repo.path, "--base", "main", "--head", "feature/widgets")

    assert result.returncode == 1, result.stderr
    assert "- [x] 003: Document widgets — ✅ passed" in result.stdout
    worktrees = run_git(repo.path, "worktree", "list", "--porcelain")
    assert worktrees.count("worktree ") == 1
    assert run_git(repo.path, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_check_tasks_option(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "main", "--tasks", "3", "--format", "json")

    assert json.loads(result.stdout)["selection"]["run"] == ["003"]


def test_check_unusable_plan_exits_2(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)
    repo.commit({".spectra/plan.md": "# SPECTRA Execution Plan\n"}, "Empty the plan")

    result = _check(repo.path, "--base", "main")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "SPECTRA plan gate: error" in result.stdout


def test_check_outside_git_exits_2(tmp_path: Path) -> None:
    result = _check(tmp_path, "--base", "main")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "git checkout" in result.stderr


def test_check_bad_timeout_exits_2(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "main", "--task-timeout", "soon")

    assert result.returncode == 2
    assert "invalid --task-timeout 'soon'" in result.stderr


def test_check_results_dir_has_logs(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)
    logs = tmp_path / "logs"

    _check(repo.path, "--base", "main", "--results-dir", str(logs))

    assert (logs / "001.log").read_text().strip() == "store ready"


def test_version_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "spectra_action", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0
    assert result.stdout.startswith("spectra-action ")


def test_check_unknown_task_exits_2(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "main", "--tasks", "001,009")

    assert result.returncode == 2
    assert "the requested task 009 is not in the plan" in result.stderr


def test_check_bad_max_parallel(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "main", "--max-parallel", "-1")

    assert result.returncode == 2
    assert "invalid --max-parallel '-1'" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_unknown_base_names_option(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "nope")

    assert result.returncode == 2
    assert "--base 'nope' is not a branch, tag or commit" in result.stderr


def test_check_missing_named_config(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "main", "--config", "nope.yml")

    assert result.returncode == 2
    assert "--config nope.yml was not found" in result.stderr


def test_check_unusable_plan_shows_cause(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)
    plan = (repo.path / ".spectra" / "plan.md").read_text()
    repo.commit({".spectra/plan.md": plan.replace("- Verify:", "- Verfy:", 1)}, "Typo")

    result = _check(repo.path, "--base", "main")

    assert result.returncode == 2
    assert "MISSING\\_VERIFY" in result.stdout
    assert "Verfy" in result.stdout
    assert "did you mean 'Verify'?" in result.stdout


def test_sigterm_stops_verify_commands(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    repo = build_gate_repo(tmp_path, verify_003=f"echo $$ > {marker}; sleep 60")
    process = subprocess.Popen(
        [sys.executable, "-m", "spectra_action", "check", "--base", "main"],
        cwd=repo.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 143
    assert "received signal 15" in stderr
    assert not Path(f"/proc/{child}").exists()


def test_check_empty_diff_says_so(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path)

    result = _check(repo.path, "--base", "HEAD")

    assert result.returncode == 0, result.stderr
    assert "No files changed between the base" in result.stdout


def test_check_text_format(tmp_path: Path) -> None:
    repo = build_gate_repo(tmp_path, verify_003="echo 'broke <b>'; exit 4")

    result = _check(repo.path, "--base", "main", "--format", "text")

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "SPECTRA plan gate: failed"
    assert "[x] 001 Provision the widget store: passed" in result.stdout
    assert "[ ] 003 Document widgets: failed (exited with 4)" in result.stdout
    assert "  scripts/cleanup.sh: unplanned (error)" in result.stdout
    assert "Output of 003 (failed):\nbroke <b>" in result.stdout
    assert "spectra-state" not in result.stdout
