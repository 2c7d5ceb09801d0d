"""The ``spectra-action lint`` command, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from spectra_action.lint_command import (
    escape_data,
    escape_property,
    format_github_annotations,
)
from spectra_action.plan.models import Finding, Severity

PLANS = Path(__file__).parent / "plans"


def run_lint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spectra_action", "lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def checkout(tmp_path: Path, fixture: str) -> Path:
    (tmp_path / ".spectra").mkdir()
    text = (PLANS / fixture).read_text(encoding="utf-8")
    (tmp_path / ".spectra" / "plan.md").write_text(text, encoding="utf-8")
    return tmp_path


def test_lint_valid_plan_exits_zero(tmp_path: Path) -> None:
    result = run_lint(checkout(tmp_path, "valid-level4.md"))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        ".spectra/plan.md: 0 errors, 0 warnings in 3 tasks (level 4 from plan)"
    ]


def test_lint_text_lines(tmp_path: Path) -> None:
    result = run_lint(checkout(tmp_path, "invalid-ownership-overlap.md"))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        ".spectra/plan.md:37: OWNERSHIP_OVERLAP error: task 002 owns"
    )


def test_lint_json_document(tmp_path: Path) -> None:
    result = run_lint(
        checkout(tmp_path, "invalid-missing-ac-level1.md"), "--format", "json"
    )
    document = json.loads(result.stdout)
    assert result.returncode == 1
    assert document["schema_version"] == 1
    assert document["path"] == ".spectra/plan.md"
    assert document["level"] == 1
    assert document["tasks"] == 1
    assert [f["code"] for f in document["findings"]] == ["MISSING_REQUIRED_FIELD"]
    assert document["findings"][0]["line"] == 10


def test_lint_github_commands(tmp_path: Path) -> None:
    result = run_lint(
        checkout(tmp_path, "invalid-missing-wiring-level2.md"), "--format", "github"
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=.spectra/plan.md,line=10,title=MISSING_REQUIRED_FIELD::task 001 "
        "has no 'Wiring-proof' field, which level 2 requires; add '- Wiring-proof:' "
        "to the task"
    ]


def test_lint_plan_argument(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    target = tmp_path / "plans" / "draft.md"
    target.write_text((PLANS / "valid-level0.md").read_text(), encoding="utf-8")
    result = run_lint(tmp_path, "plans/draft.md")
    assert result.returncode == 0
    assert result.stdout.startswith("plans/draft.md: 0 errors")


def test_lint_project_yaml_sets_level(tmp_path: Path) -> None:
    repo = checkout(tmp_path, "valid-level0.md")
    (repo / ".spectra" / "project.yaml").write_text("level: 2\n", encoding="utf-8")
    result = run_lint(repo / ".spectra", "plan.md")
    assert result.returncode == 1
    assert "(level 2 from .spectra/project.yaml)" in result.stdout


def test_lint_missing_plan_exits_two(tmp_path: Path) -> None:
    result = run_lint(tmp_path)
    assert result.returncode == 2
    assert "the plan file was not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_lint_binary_file_exits_two(tmp_path: Path) -> None:
    (tmp_path / ".spectra").mkdir()
    (tmp_path / ".spectra" / "plan.md").write_bytes(b"\xff\xfe## Task 001\n")
    result = run_lint(tmp_path, "--format", "json")
    assert result.returncode == 2
    assert "not valid UTF-8" in json.loads(result.stdout)["error"]
    assert "Traceback" not in result.stderr


def test_lint_github_unreadable_plan(tmp_path: Path) -> None:
    result = run_lint(tmp_path, "--format", "github")
    assert result.returncode == 2
    assert result.stdout.startswith("::error file=.spectra/plan.md::.spectra/plan.md: ")


def test_escape_data() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"


def test_escape_property() -> None:
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_annotations_escape_file_and_message() -> None:
    finding = Finding(
        code="BARE_LIST",
        severity=Severity.WARNING,
        path="plans/a,b:c.md",
        line=7,
        message="write [a, b]\n50% of lines: fine",
    )
    assert format_github_annotations([finding]) == [
        "::warning file=plans/a%2Cb%3Ac.md,line=7,title=BARE_LIST::"
        "write [a, b]%0A50%25 of lines: fine"
    ]


def test_lint_from_subfolder(tmp_path: Path) -> None:
    repo = checkout(tmp_path, "valid-level0.md")
    (repo / ".git").mkdir()
    (repo / "src").mkdir()

    result = run_lint(repo / "src")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(".spectra/plan.md: 0 errors")


def test_lint_plan_outside_cwd(tmp_path: Path) -> None:
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "draft.md").write_text((PLANS / "valid-level0.md").read_text())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    result = run_lint(elsewhere, str(drafts / "draft.md"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("draft.md: 0 errors")


def test_lint_repo_option_default_plan(tmp_path: Path) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    checkout(target, "valid-level0.md")

    result = run_lint(tmp_path, "--repo", str(target))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(".spectra/plan.md: 0 errors")
