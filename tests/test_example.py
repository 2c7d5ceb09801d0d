"""Tests of the bundled level-4 example: build.sh runs for real, with real npm,
pnpm, terraform and markdownlint, and the plan's verify commands must pass in
the repository it builds.

The Node tools are cached in ``.cache/example-tools`` under the project root,
so only the first run on a machine downloads them from the npm registry.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from gitutil import run_git

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DIR = PROJECT_ROOT / "examples" / "level4-multi-repo"
BUILD_SCRIPT = EXAMPLE_DIR / "build.sh"
TOOLS_CACHE = PROJECT_ROOT / ".cache" / "example-tools"
PR_BRANCH = "pr/tasks-001-003"

TASK_001_FILES = ["infra/terraform/messaging.tf"]
TASK_003_FILES = [
    "docs/architecture/audit-pipeline.md",
    "docs/runbooks/audit-events.md",
]
UNPLANNED_FILE = "scripts/cleanup.sh"

# A cold build downloads from the npm registry, and a warm one reuses the cache.
BUILD_TIMEOUT_SECONDS = 600
VERIFY_TIMEOUT_SECONDS = 180


@dataclass(frozen=True)
class Build:
    repo: Path
    tools_bin: Path
    head_branch: str
    output: str


def _build_env() -> dict[str, str]:
    return {**os.environ, "SPECTRA_EXAMPLE_CACHE": str(TOOLS_CACHE)}


def _run_build(target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(BUILD_SCRIPT), str(target)],
        env=_build_env(),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )


def _tools_bin_from_output(output: str) -> Path:
    match = re.search(r'^\s*export PATH="([^"]+):\$PATH"$', output, re.MULTILINE)
    assert match is not None, f"build output has no PATH line:\n{output}"
    return Path(match.group(1))


def _verify_env(tools_bin: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{tools_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "CHECKPOINT_DISABLE": "1",
        "npm_config_update_notifier": "false",
    }


def _run_verify(build: Build, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=build.repo,
        env=_verify_env(build.tools_bin),
        capture_output=True,
        text=True,
        timeout=VERIFY_TIMEOUT_SECONDS,
        check=False,
    )


def _plan_verify_commands() -> dict[str, str]:
    """Map each task id in plan.md to its verify command."""
    commands: dict[str, str] = {}
    task_id = None
    for line in (EXAMPLE_DIR / "plan.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## Task (\d{3}):", line)
        if heading:
            task_id = heading.group(1)
        verify = re.match(r"- Verify: `(.+)`$", line)
        if verify and task_id is not None:
            commands[task_id] = verify.group(1)
    return commands


def _changed_files(build: Build) -> set[str]:
    output = run_git(build.repo, "diff", "--name-only", f"main...{PR_BRANCH}")
    return set(output.splitlines())


def _branch_shas(repo: Path) -> dict[str, str]:
    return {
        branch: run_git(repo, "rev-parse", f"refs/heads/{branch}")
        for branch in ("main", PR_BRANCH)
    }


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    repo = tmp_path_factory.mktemp("example") / "repo"
    completed = _run_build(repo)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return Build(
        repo=repo,
        tools_bin=_tools_bin_from_output(completed.stdout),
        head_branch=run_git(repo, "rev-parse", "--abbrev-ref", "HEAD"),
        output=completed.stdout,
    )


def test_terraform_installed() -> None:
    assert shutil.which("terraform") is not None, "task 001 needs terraform on PATH"


def test_build_copies_plan_verbatim(build: Build) -> None:
    committed = run_git(build.repo, "show", "main:.spectra/plan.md")
    expected = (EXAMPLE_DIR / "plan.md").read_text(encoding="utf-8")

    assert committed == expected.rstrip("\n")


@pytest.mark.parametrize(
    "path",
    [
        "main.tf",
        "infra/terraform/messaging.tf",
        "infra/terraform/providers.tf",
        "pnpm-workspace.yaml",
        "pnpm-lock.yaml",
        "package.json",
        "services/payments/package.json",
        "services/payments/src/audit.ts",
        "services/payments/test/audit.integration.test.ts",
        "packages/contracts/src/audit.ts",
        "docs/architecture/audit-pipeline.md",
        "docs/architecture/system-overview.md",
        "docs/runbooks/audit-events.md",
    ],
)
def test_build_commits_file_on_main(build: Build, path: str) -> None:
    tracked = run_git(build.repo, "ls-tree", "-r", "--name-only", "main").splitlines()

    assert path in tracked


def test_build_commits_no_installed_packages(build: Build) -> None:
    tracked = run_git(build.repo, "ls-files").splitlines()

    assert [path for path in tracked if "node_modules/" in path] == []
    assert [path for path in tracked if path.startswith(".terraform/")] == []


def test_build_makes_two_branches(build: Build) -> None:
    branches = run_git(build.repo, "branch", "--format=%(refname:short)").splitlines()

    assert sorted(branches) == ["main", PR_BRANCH]


def test_build_leaves_pr_branch_checked_out(build: Build) -> None:
    assert build.head_branch == PR_BRANCH


def test_pr_branch_starts_from_main(build: Build) -> None:
    merge_base = run_git(build.repo, "merge-base", "main", PR_BRANCH)

    assert merge_base == run_git(build.repo, "rev-parse", "main")


def test_pr_branch_commit_count(build: Build) -> None:
    count = run_git(build.repo, "rev-list", "--count", f"main..{PR_BRANCH}")

    assert count == "3"


@pytest.mark.parametrize("path", [*TASK_001_FILES, *TASK_003_FILES, UNPLANNED_FILE])
def test_pr_diff_contains_file(build: Build, path: str) -> None:
    assert path in _changed_files(build)


def test_pr_diff_has_no_other_files(build: Build) -> None:
    expected = {*TASK_001_FILES, *TASK_003_FILES, UNPLANNED_FILE}

    assert _changed_files(build) == expected


def test_unplanned_file_absent_from_plan() -> None:
    plan = (EXAMPLE_DIR / "plan.md").read_text(encoding="utf-8")

    assert UNPLANNED_FILE not in plan


def test_unplanned_file_is_executable(build: Build) -> None:
    entry = run_git(build.repo, "ls-tree", PR_BRANCH, UNPLANNED_FILE)

    assert entry.startswith("100755 ")


def test_plan_has_three_verify_commands() -> None:
    assert sorted(_plan_verify_commands()) == ["001", "002", "003"]


@pytest.mark.parametrize("branch", ["main", PR_BRANCH])
@pytest.mark.parametrize("task_id", ["001", "002", "003"])
def test_verify_command_passes(build: Build, branch: str, task_id: str) -> None:
    run_git(build.repo, "switch", "--quiet", branch)
    try:
        completed = _run_verify(build, _plan_verify_commands()[task_id])
        status = run_git(build.repo, "status", "--porcelain")
    finally:
        run_git(build.repo, "switch", "--quiet", PR_BRANCH)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert status == "", "the verify command left changes in the work tree"


def test_payments_tests_run_with_filter(build: Build) -> None:
    completed = _run_verify(build, "pnpm --filter payments test audit.integration")

    assert re.search(r"^# pass [1-9]", completed.stdout, re.MULTILINE), completed.stdout
    assert re.search(r"^# fail 0$", completed.stdout, re.MULTILINE), completed.stdout


def test_payments_unknown_filter_fails(build: Build) -> None:
    completed = _run_verify(build, "pnpm --filter payments test no-such-test")

    assert completed.returncode != 0
    assert "no test file in test/ matches: no-such-test" in completed.stderr


def test_build_prints_check_command(build: Build) -> None:
    expected = (
        f"spectra-action check --base main --head {PR_BRANCH} --repo {build.repo}"
    )

    assert expected in build.output


def test_rebuild_gives_same_commits(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    first = _run_build(repo)
    assert first.returncode == 0, first.stdout + first.stderr
    first_shas = _branch_shas(repo)

    second = _run_build(repo)

    assert second.returncode == 0, second.stdout + second.stderr
    assert _branch_shas(repo) == first_shas


def test_build_rejects_foreign_directory(tmp_path: Path) -> None:
    target = tmp_path / "not-a-build"
    target.mkdir()
    (target / "keep.txt").write_text("user data\n", encoding="utf-8")

    completed = _run_build(target)

    assert completed.returncode == 1
    assert "was not made by build.sh" in completed.stderr
    assert (target / "keep.txt").read_text(encoding="utf-8") == "user data\n"


RUN_SCRIPT = EXAMPLE_DIR / "run.sh"
CHECK_TIMEOUT_SECONDS = 600


def _run_script(
    target: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(RUN_SCRIPT), str(target)],
        env={**_build_env(), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT_SECONDS,
        check=False,
    )


@pytest.fixture(scope="module")
def check(build: Build) -> subprocess.CompletedProcess[str]:
    """Run run.sh, and so the real spectra-action check, on the built example."""
    return _run_script(build.repo)


def test_run_script_fails_gate(check: subprocess.CompletedProcess[str]) -> None:
    # The unplanned file makes the gate fail, so the check exits with 1.
    assert check.returncode == 1, check.stdout + check.stderr


@pytest.mark.parametrize("task_id", ["001", "003"])
def test_run_script_task_passed(
    check: subprocess.CompletedProcess[str], task_id: str
) -> None:
    line = re.search(rf"^- \[x\] {task_id}: .*$", check.stdout, re.MULTILINE)

    assert line is not None, check.stdout
    assert "passed" in line.group(0)


def test_run_script_flags_unplanned_file(
    check: subprocess.CompletedProcess[str],
) -> None:
    row = re.search(rf"^\|.*`{UNPLANNED_FILE}`.*$", check.stdout, re.MULTILINE)

    assert row is not None, check.stdout
    assert "unplanned" in row.group(0)


def test_run_script_builds_missing_repo(tmp_path: Path) -> None:
    target = tmp_path / "repo"

    # echo prints the arguments that run.sh passes to spectra-action.
    completed = _run_script(target, {"SPECTRA_ACTION": "echo"})

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout == (
        f"check --base main --head {PR_BRANCH} --repo {target}\n"
    )
    assert run_git(target, "rev-parse", "--abbrev-ref", "HEAD") == PR_BRANCH
