"""Run the action's Docker image the way the Actions runner starts a Docker action.

The runner mounts the workspace, the event file, the file-command files and a
home directory under /github, passes every INPUT_* and GITHUB_* variable with
``-e NAME`` and sets ``--workdir /github/workspace``. The workspace belongs to
the runner's user, not to the container's root, so git inside the container
reports "dubious ownership" unless the entrypoint marks the workspace safe.
The container joins the host network to reach the fake GitHub on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fakegithub import DEFAULT_TOKEN, FakeGitHub, payloads
from gitutil import commit_all, init_repo, run_git
from ruamel.yaml import YAML

pytestmark = pytest.mark.container

PROJECT_ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("SPECTRA_ACTION_IMAGE", "spectra-action:test")
REPOSITORY = "octo-org/widgets"
PULL_NUMBER = 7
HEAD_BRANCH = "feature/greeting"
# The uid of the hosted runner's user. The container runs as root, so a
# workspace owned by this uid triggers git's ownership check.
RUNNER_UID = 1001
CONTAINER_TIMEOUT_SECONDS = 300
REMOTE_IN_CONTAINER = "/srv/origin.git"
CHECKLIST_MARKER = "<!-- spectra-action:checklist -->"
BOT_LOGIN = "github-actions[bot]"

PLAN = """\
# SPECTRA Execution Plan

## Project: Container Smoke Test
## Level: 0

---

## Task 001: Write the greeting
- [ ] 001: Write the greeting
- AC:
  - src/greeting.txt says hello.
- Files: src/greeting.txt
- File-ownership:
  - owns: [src/greeting.txt]
  - touches: []
  - reads: []
- Verify: `grep -q hello src/greeting.txt`

## Task 002: Write the farewell
- [ ] 002: Write the farewell
- AC:
  - src/farewell.txt says goodbye.
- Files: src/farewell.txt
- File-ownership:
  - owns: [src/farewell.txt]
  - touches: []
  - reads: [src/greeting.txt]
- Verify: `test -s src/farewell.txt && grep -q bye src/farewell.txt`
- Dependencies: Task 001
"""


@dataclass(frozen=True)
class PullRequest:
    workspace: Path
    base_sha: str
    head_sha: str
    merge_sha: str
    changed_files: tuple[str, ...]


@dataclass(frozen=True)
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    def describe(self) -> str:
        return f"exit {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


@dataclass(frozen=True)
class Trigger:
    """The event that starts a workflow run, with the ref variables it sets."""

    name: str
    payload: dict[str, Any]
    ref: str
    sha: str
    head_ref: str = ""
    base_ref: str = ""


@pytest.fixture(scope="module")
def action_image() -> str:
    """Return the image tag after checking that Docker runs and the image exists."""
    if shutil.which("docker") is None:
        pytest.fail(
            "docker is not installed; run scripts/container-test", pytrace=False
        )
    info = subprocess.run(
        ["docker", "info"], capture_output=True, text=True, check=False
    )
    if info.returncode != 0:
        pytest.fail(f"docker info failed: {info.stderr.strip()}", pytrace=False)
    inspect = subprocess.run(
        ["docker", "image", "inspect", IMAGE],
        capture_output=True,
        text=True,
        check=False,
    )
    if inspect.returncode != 0:
        pytest.fail(
            f"image {IMAGE} not found; build it with scripts/container-test",
            pytrace=False,
        )
    return IMAGE


def _make_pull_request(root: Path, files: Mapping[str, str]) -> PullRequest:
    """Commit the plan on main, then ``files`` on a branch, like a PR checkout.

    HEAD ends detached at the head commit, as actions/checkout leaves it with
    ``ref: <head sha>``. The extra merge commit plays the part of the test
    merge commit that GITHUB_SHA names on pull_request runs.
    """
    workspace = init_repo(root)
    (workspace / ".spectra").mkdir()
    (workspace / ".spectra" / "plan.md").write_text(PLAN)
    (workspace / "src").mkdir()
    (workspace / "src" / "greeting.txt").write_text("hello\n")
    (workspace / "src" / "farewell.txt").write_text("goodbye\n")
    base_sha = commit_all(workspace, "Add the plan and both files")

    run_git(workspace, "switch", "--quiet", "-c", HEAD_BRANCH)
    for name, content in files.items():
        (workspace / name).write_text(content)
    head_sha = commit_all(workspace, "Change the pull request's files")

    run_git(workspace, "switch", "--quiet", "--detach", base_sha)
    run_git(workspace, "merge", "--quiet", "--no-ff", "-m", "Merge", head_sha)
    merge_sha = run_git(workspace, "rev-parse", "HEAD")
    run_git(workspace, "switch", "--quiet", "--detach", head_sha)
    return PullRequest(workspace, base_sha, head_sha, merge_sha, tuple(files))


def _pull_request_trigger(pull: PullRequest, api_url: str) -> Trigger:
    payload = payloads.pull_request_event(
        "opened",
        repo_full_name=REPOSITORY,
        number=PULL_NUMBER,
        head_sha=pull.head_sha,
        base_sha=pull.base_sha,
        head_ref=HEAD_BRANCH,
        base_ref="main",
        title="Change the greeting",
        api_url=api_url,
    )
    return Trigger(
        name="pull_request",
        payload=payload,
        ref=f"refs/pull/{PULL_NUMBER}/merge",
        sha=pull.merge_sha,
        head_ref=HEAD_BRANCH,
        base_ref="main",
    )


def _publish_to_remote(pull: PullRequest, remote: Path) -> None:
    """Push both branches to a new bare ``remote`` and add ``refs/pull/N/head``."""
    run_git(
        remote.parent, "init", "--quiet", "--bare", "--initial-branch=main", str(remote)
    )
    run_git(pull.workspace, "push", "--quiet", str(remote), "main", HEAD_BRANCH)
    run_git(remote, "update-ref", f"refs/pull/{PULL_NUMBER}/head", pull.head_sha)


def _action_inputs(overrides: Mapping[str, str]) -> dict[str, str]:
    """Return INPUT_* variables for every input in action.yml, as the runner sets them.

    The runner fills each input the workflow leaves out with its default, and
    keeps hyphens in the variable names.
    """
    metadata = YAML(typ="safe").load((PROJECT_ROOT / "action.yml").read_text())
    values = {name: str(spec["default"]) for name, spec in metadata["inputs"].items()}
    values["token"] = DEFAULT_TOKEN
    values.update(overrides)
    return {f"INPUT_{name.upper()}": value for name, value in values.items()}


def _read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file in both the ``name=value`` and heredoc forms."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for value_line in lines:
                if value_line == delimiter:
                    break
                value.append(value_line)
            else:
                raise AssertionError(f"output {name}: delimiter {delimiter} not found")
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, text = line.split("=", 1)
            outputs[name] = text
    return outputs


def _run_action(
    image: str,
    fake: FakeGitHub,
    workspace: Path,
    trigger: Trigger,
    inputs: Mapping[str, str],
    remote: Path | None = None,
) -> ActionRun:
    """Start the image like the runner does, wait for it and collect its results.

    ``remote`` is a bare repository mounted at REMOTE_IN_CONTAINER, where the
    workspace's origin points. On GitHub the origin is an HTTPS URL instead.
    """
    github_dir = workspace.parent / "github"
    mounts = {
        "workspace": workspace,
        "workflow": github_dir / "workflow",
        "file_commands": github_dir / "file_commands",
        "home": github_dir / "home",
        "runner_temp": github_dir / "runner_temp",
    }
    for path in mounts.values():
        path.mkdir(parents=True, exist_ok=True)
    (mounts["workflow"] / "event.json").write_text(json.dumps(trigger.payload))
    owned_paths = [workspace, github_dir]
    if remote is not None:
        # The remote belongs to the runner's user too, and the entrypoint marks
        # only the workspace as safe, so git needs this entry to read it.
        (mounts["home"] / ".gitconfig").write_text(
            f"[safe]\n\tdirectory = {REMOTE_IN_CONTAINER}\n"
        )
        owned_paths.append(remote)
    step = uuid.uuid4()
    file_commands = {
        name: f"{name.lower()}_{step}"
        for name in (
            "GITHUB_OUTPUT",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_ENV",
            "GITHUB_PATH",
            "GITHUB_STATE",
        )
    }
    for file_name in file_commands.values():
        (mounts["file_commands"] / file_name).touch()
    chown = subprocess.run(
        [
            "chown",
            "-R",
            f"{RUNNER_UID}:{RUNNER_UID}",
            *map(str, owned_paths),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert chown.returncode == 0, f"chown to uid {RUNNER_UID} failed: {chown.stderr}"

    owner = REPOSITORY.split("/")[0]
    variables = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION": "spectra",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_TRIGGERING_ACTOR": "octocat",
        "GITHUB_API_URL": fake.url,
        "GITHUB_GRAPHQL_URL": f"{fake.url}/graphql",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_BASE_REF": trigger.base_ref,
        "GITHUB_HEAD_REF": trigger.head_ref,
        "GITHUB_EVENT_NAME": trigger.name,
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_JOB": "gate",
        "GITHUB_REF": trigger.ref,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_REPOSITORY_OWNER": owner,
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_NUMBER": "3",
        "GITHUB_SHA": trigger.sha,
        "GITHUB_WORKFLOW": "SPECTRA plan gate",
        "GITHUB_WORKSPACE": "/github/workspace",
        "HOME": "/github/home",
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": "/github/runner_temp",
        **{
            name: f"/github/file_commands/{file}"
            for name, file in file_commands.items()
        },
        **_action_inputs(inputs),
    }
    command = ["docker", "run", "--rm", "--network", "host"]
    command += ["--workdir", "/github/workspace"]
    for name, path in mounts.items():
        command += ["-v", f"{path}:/github/{name}"]
    if remote is not None:
        command += ["-v", f"{remote}:{REMOTE_IN_CONTAINER}:ro"]
    for name in variables:
        command += ["-e", name]
    command.append(image)

    completed = subprocess.run(
        command,
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        timeout=CONTAINER_TIMEOUT_SECONDS,
        check=False,
    )
    output_file = mounts["file_commands"] / file_commands["GITHUB_OUTPUT"]
    summary_file = mounts["file_commands"] / file_commands["GITHUB_STEP_SUMMARY"]
    return ActionRun(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        outputs=_read_outputs(output_file),
        summary=summary_file.read_text(),
    )


def _register_pull(fake: FakeGitHub, pull: PullRequest) -> None:
    fake.add_repo(REPOSITORY)
    fake.add_pull(
        REPOSITORY,
        PULL_NUMBER,
        head_sha=pull.head_sha,
        base_sha=pull.base_sha,
        head_ref=HEAD_BRANCH,
        base_ref="main",
        title="Change the greeting",
        files=pull.changed_files,
    )
    fake.add_commit(REPOSITORY, pull.merge_sha)


# Fixed inputs keep the assertions independent of the "auto" choices. The
# workspace has the full history, so git lists the changed files, and every
# task gets its own status.
GATE_INPUTS = {"changed-files": "git", "task-statuses": "all", "task-timeout": "60s"}


def test_container_passing_pull(
    action_image: str, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    pull = _make_pull_request(
        tmp_path / "workspace", {"src/greeting.txt": "hello, world\n"}
    )
    _register_pull(fake_github, pull)

    trigger = _pull_request_trigger(pull, fake_github.url)
    run = _run_action(action_image, fake_github, pull.workspace, trigger, GATE_INPUTS)

    assert run.returncode == 0, run.describe()
    assert "Traceback" not in run.stderr, run.describe()
    assert run.outputs.get("result") == "passed", run.outputs
    affected = json.loads(run.outputs["affected-tasks"])
    assert sorted(affected) == ["001", "002"], affected
    assert run.outputs.get("results-dir"), run.outputs
    assert run.summary.strip(), "the job summary is empty"

    comments = fake_github.comments(REPOSITORY, PULL_NUMBER)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert "001" in body, body
    assert "002" in body, body
    assert run.outputs.get("comment-url") == comments[0]["html_url"], run.outputs

    statuses = fake_github.latest_statuses(REPOSITORY, pull.head_sha)
    assert statuses["spectra"]["state"] == "success", statuses
    assert statuses["spectra/001"]["state"] == "success", statuses
    assert statuses["spectra/002"]["state"] == "success", statuses
    assert fake_github.latest_statuses(REPOSITORY, pull.merge_sha) == {}


def test_container_failing_task(
    action_image: str, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    pull = _make_pull_request(tmp_path / "workspace", {"src/farewell.txt": "see you\n"})
    _register_pull(fake_github, pull)

    trigger = _pull_request_trigger(pull, fake_github.url)
    run = _run_action(action_image, fake_github, pull.workspace, trigger, GATE_INPUTS)

    assert run.returncode == 1, run.describe()
    assert "Traceback" not in run.stderr, run.describe()
    assert run.outputs.get("result") == "failed", run.outputs
    assert "002" in json.loads(run.outputs["affected-tasks"]), run.outputs

    comments = fake_github.comments(REPOSITORY, PULL_NUMBER)
    assert len(comments) == 1, comments
    assert "002" in comments[0]["body"], comments[0]["body"]

    statuses = fake_github.latest_statuses(REPOSITORY, pull.head_sha)
    assert statuses["spectra"]["state"] == "failure", statuses
    assert statuses["spectra/002"]["state"] == "failure", statuses


def test_container_missing_plan(
    action_image: str, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    pull = _make_pull_request(
        tmp_path / "workspace", {"src/greeting.txt": "hello, world\n"}
    )
    _register_pull(fake_github, pull)
    inputs = {**GATE_INPUTS, "plan-path": "docs/no-such-plan.md"}

    trigger = _pull_request_trigger(pull, fake_github.url)
    run = _run_action(action_image, fake_github, pull.workspace, trigger, inputs)

    assert run.returncode == 2, run.describe()
    assert "Traceback" not in run.stderr, run.describe()
    assert "docs/no-such-plan.md" in run.stdout + run.stderr, run.describe()
    assert run.outputs.get("result") == "error", run.outputs


def test_container_rerun_command(
    action_image: str, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    pull = _make_pull_request(
        tmp_path / "source", {"src/greeting.txt": "hello again\n"}
    )
    _register_pull(fake_github, pull)
    remote = tmp_path / "origin.git"
    _publish_to_remote(pull, remote)
    # An issue_comment workflow checks out the default branch, not the PR.
    workspace = tmp_path / "runner" / "workspace"
    workspace.parent.mkdir()
    run_git(tmp_path, "clone", "--quiet", str(remote), str(workspace))
    run_git(workspace, "remote", "set-url", "origin", REMOTE_IN_CONTAINER)
    fake_github.set_permission(REPOSITORY, "maintainer", "write")
    body = "/spectra rerun 001"
    comment_id = fake_github.add_comment(
        REPOSITORY, PULL_NUMBER, body, login="maintainer"
    )
    payload = payloads.issue_comment_event(
        "created",
        repo_full_name=REPOSITORY,
        number=PULL_NUMBER,
        comment_id=comment_id,
        body=body,
        user_login="maintainer",
        api_url=fake_github.url,
    )
    trigger = Trigger(
        "issue_comment", payload, ref="refs/heads/main", sha=pull.base_sha
    )

    run = _run_action(
        action_image, fake_github, workspace, trigger, GATE_INPUTS, remote=remote
    )

    assert run.returncode == 0, run.describe()
    assert "Traceback" not in run.stderr, run.describe()
    checklists = [
        comment
        for comment in fake_github.comments(REPOSITORY, PULL_NUMBER)
        if comment["user"]["login"] == BOT_LOGIN
        and comment["body"].startswith(CHECKLIST_MARKER)
    ]
    assert len(checklists) == 1, fake_github.comments(REPOSITORY, PULL_NUMBER)
    assert "requested by maintainer" in checklists[0]["body"], checklists[0]["body"]
    statuses = fake_github.latest_statuses(REPOSITORY, pull.head_sha)
    assert statuses["spectra/001"]["state"] == "success", statuses
    reactions = [r["content"] for r in fake_github.reactions(comment_id)]
    assert "rocket" in reactions, reactions
    # The workspace now belongs to another uid, so the host's git needs the
    # same exception as the container's.
    checked_out = run_git(
        workspace, "-c", f"safe.directory={workspace}", "rev-parse", "HEAD"
    )
    assert checked_out == pull.head_sha
