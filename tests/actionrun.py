"""Run the action's entrypoint as a subprocess, the way a runner starts it.

``GateRepo`` builds a real repository with a small level-4 plan whose verify
commands are portable shell, so the tests need neither Terraform nor npm.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakegithub import DEFAULT_TOKEN, FakeGitHub, pull_request_event, write_event
from gitutil import commit_all, init_repo, run_git

REPO = "octo-org/widgets"
PR_NUMBER = 7
PROJECT_ROOT = Path(__file__).resolve().parent.parent

PLAN = """\
# SPECTRA Execution Plan

## Project: Widgets
## Level: 4
## Generated: 2026-02-10
## Source: .spectra/stories/

---

## Task 001: Provision the widget store
- [ ] 001: Provision the widget store
- AC:
  - The store file exists.
- Files: infra/store.txt
- Verify: `test -f infra/store.txt && echo store ready`
- Risk: high
- Max-iterations: 10
- Scope: infra
- File-ownership:
  - owns: [infra/store.txt]
  - touches: []
  - reads: [infra/providers.txt]
- Wiring-proof:
  - CLI: cat infra/store.txt
  - Integration: the service reads the store name.

## Task 002: Serve widgets
- [ ] 002: Serve widgets
- AC:
  - The service names the store.
- Files: services/api.txt
- Verify: `grep -q store services/api.txt`
- Risk: medium
- Max-iterations: 8
- Scope: code
- File-ownership:
  - owns: [services/api.txt]
  - touches: []
  - reads: [infra/store.txt]
- Wiring-proof:
  - CLI: cat services/api.txt
  - Integration: api -> store.

## Task 003: Document widgets
- [ ] 003: Document widgets
- AC:
  - The guide is not empty.
- Files: docs/guide.md, docs/index.md
- Verify: `{verify_003}`
- Risk: low
- Max-iterations: 5
- Scope: docs
- File-ownership:
  - owns: [docs/guide.md]
  - touches: [docs/index.md]
  - reads: []
- Wiring-proof:
  - CLI: cat docs/guide.md
  - Integration: index -> guide.

---

## Parallelism Assessment
- Independent tasks: [001, 003]
- Sequential dependencies: [001 -> 002]
- Recommendation: TEAM_ELIGIBLE
"""


def plan_text(verify_003: str = "test -s docs/guide.md") -> str:
    return PLAN.replace("{verify_003}", verify_003)


@dataclass
class GateRepo:
    """A repository with a base branch ``main`` and a PR branch checked out."""

    path: Path
    base_sha: str
    head_sha: str
    head_ref: str = "feature/widgets"
    remote: Path | None = None
    history: list[str] = field(default_factory=list)

    def commit(self, files: dict[str, str], message: str) -> str:
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        self.head_sha = commit_all(self.path, message)
        self.history.append(self.head_sha)
        return self.head_sha


def build_gate_repo(
    tmp_path: Path,
    *,
    verify_003: str = "test -s docs/guide.md",
    plan: str | None = None,
    name: str = "workspace",
) -> GateRepo:
    """Build the repository: plan and content on main, a PR branch that edits
    tasks 001 and 003 and adds one unplanned file."""
    path = init_repo(tmp_path / name)
    files = {
        ".spectra/plan.md": plan if plan is not None else plan_text(verify_003),
        "infra/store.txt": "store v1\n",
        "infra/providers.txt": "local\n",
        "services/api.txt": "uses the store\n",
        "docs/guide.md": "# Guide\n",
        "docs/index.md": "# Index\n",
    }
    for name, content in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    base_sha = commit_all(path, "Add the plan and the base content")
    run_git(path, "checkout", "--quiet", "-b", "feature/widgets")
    repo = GateRepo(path=path, base_sha=base_sha, head_sha=base_sha)
    repo.commit(
        {
            "infra/store.txt": "store v2\n",
            "docs/guide.md": "# Guide\n\nHow to use widgets.\n",
            "scripts/cleanup.sh": "#!/bin/sh\necho cleanup\n",
        },
        "Change the store and the guide, add a cleanup script",
    )
    return repo


@dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def parse_outputs(text: str) -> dict[str, str]:
    """Parse a ``GITHUB_OUTPUT`` file written in the ``name<<DELIMITER`` form."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1 : end])
            index = end + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
            index += 1
        else:
            index += 1
    return outputs


def pull_request_payload(
    fake: FakeGitHub, repo: GateRepo, action: str = "opened", **extra: Any
) -> dict[str, Any]:
    return pull_request_event(
        action,
        repo_full_name=REPO,
        number=PR_NUMBER,
        head_sha=repo.head_sha,
        base_sha=repo.base_sha,
        head_ref=repo.head_ref,
        base_ref="main",
        title=extra.pop("title", "Widgets"),
        body=extra.pop("body", "Implements the store."),
        api_url=fake.url,
        **extra,
    )


def register_pull(fake: FakeGitHub, repo: GateRepo, **extra: Any) -> None:
    fake.add_repo(REPO)
    fake.add_pull(
        REPO,
        PR_NUMBER,
        head_sha=repo.head_sha,
        base_sha=repo.base_sha,
        head_ref=repo.head_ref,
        base_ref="main",
        title=extra.pop("title", "Widgets"),
        body=extra.pop("body", "Implements the store."),
        **extra,
    )


def runner_env(
    tmp_path: Path,
    fake: FakeGitHub,
    repo: GateRepo,
    payload: dict[str, Any],
    *,
    event_name: str = "pull_request",
    inputs: dict[str, str] | None = None,
    token: str = DEFAULT_TOKEN,
) -> dict[str, str]:
    """Return the environment a runner gives a Docker action's container."""
    files = tmp_path / "file_commands"
    files.mkdir(exist_ok=True)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    event_path = write_event(tmp_path, payload)
    output = files / "output.txt"
    summary = files / "summary.md"
    output.write_text("")
    summary.write_text("")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": fake.url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_WORKSPACE": str(repo.path),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_RUN_ID": "4242",
        "GITHUB_SHA": repo.head_sha,
        "GITHUB_REF": f"refs/pull/{PR_NUMBER}/merge",
        "GITHUB_ACTOR": "octocat",
        "RUNNER_TEMP": str(tmp_path / "runner_temp"),
        "INPUT_TOKEN": token,
        "INPUT_PLAN-PATH": ".spectra/plan.md",
        "INPUT_TASK-TIMEOUT": "60s",
        "ACTIONS_RUNTIME_TOKEN": "actions-runtime-secret-value",
        "SPECTRA_WRITE_INTERVAL": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    for name, value in (inputs or {}).items():
        env[f"INPUT_{name.upper()}"] = value
    # Coverage measures subprocesses through these variables.
    for name, value in os.environ.items():
        if name.startswith("COVERAGE_"):
            env[name] = value
    return env


def run_entrypoint(env: dict[str, str], cwd: Path) -> ActionRun:
    completed = subprocess.run(
        [sys.executable, "-m", "spectra_action"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output_text = Path(env["GITHUB_OUTPUT"]).read_text()
    summary_text = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    return ActionRun(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        outputs=parse_outputs(output_text),
        summary=summary_text,
    )


def latest_states(fake: FakeGitHub, sha: str) -> dict[str, str]:
    return {
        context: status["state"]
        for context, status in fake.latest_statuses(REPO, sha).items()
    }


def affected(run: ActionRun) -> list[str]:
    value: list[str] = json.loads(run.outputs["affected-tasks"])
    return value
