"""The matrix modes end to end: ``plan`` packs, ``verify`` runs one entry per
clone, ``report`` publishes, and the fork-safe ``workflow_run`` report.

Every step is a separate ``python -m spectra_action`` process with a
runner's environment, working on real git repositories and the fake GitHub.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from actionrun import (
    PR_NUMBER,
    REPO,
    ActionRun,
    GateRepo,
    latest_states,
    pull_request_payload,
    register_pull,
    run_entrypoint,
    runner_env,
)
from fakegithub import DEFAULT_TOKEN, FakeGitHub, spec
from fakegithub.payloads import validate_payload
from gitutil import commit_all, init_repo, run_git

PLAN = """\
# SPECTRA Execution Plan

## Project: Gadgets
## Level: 4
## Generated: 2026-03-01
## Source: .spectra/stories/

---

## Task 001: Define the gadget schema
- [ ] 001: Define the gadget schema
- AC:
  - The schema names a gadget.
- Files: schema/gadget.txt
- Verify: `grep -q gadget schema/gadget.txt && echo schema ok`
- Risk: medium
- Max-iterations: 6
- Scope: code
- File-ownership:
  - owns: [schema/gadget.txt]
  - touches: []
  - reads: []
- Wiring-proof:
  - CLI: cat schema/gadget.txt
  - Integration: the loader reads the schema.

## Task 002: Load gadgets
- [ ] 002: Load gadgets
- AC:
  - The loader names the schema.
- Files: loader/load.txt
- Dependencies: 001
- Verify: `sleep 0.1 && grep -q schema loader/load.txt`
- Risk: medium
- Max-iterations: 6
- Scope: code
- File-ownership:
  - owns: [loader/load.txt]
  - touches: []
  - reads: [schema/gadget.txt]
- Wiring-proof:
  - CLI: cat loader/load.txt
  - Integration: loader -> schema.

## Task 003: Set the billing rates
- [ ] 003: Set the billing rates
- AC:
  - Every rate has a currency.
- Files: billing/rates.txt
- Verify: `{verify_003}`
- Risk: high
- Max-iterations: 8
- Scope: code
- File-ownership:
  - owns: [billing/rates.txt]
  - touches: []
  - reads: []
- Wiring-proof:
  - CLI: cat billing/rates.txt
  - Integration: invoices read the rates.

## Task 004: Write invoices
- [ ] 004: Write invoices
- AC:
  - The invoice names the rates.
- Files: billing/invoice.txt
- Dependencies: 003
- Verify: `grep -q rates billing/invoice.txt`
- Risk: medium
- Max-iterations: 6
- Scope: code
- File-ownership:
  - owns: [billing/invoice.txt]
  - touches: []
  - reads: [billing/rates.txt]
- Wiring-proof:
  - CLI: cat billing/invoice.txt
  - Integration: invoice -> rates.

## Task 005: Document gadgets
- [ ] 005: Document gadgets
- AC:
  - The guide is not empty.
- Files: docs/gadgets.md
- Verify: `sleep 0.1 && test -s docs/gadgets.md`
- Risk: low
- Max-iterations: 4
- Scope: docs
- File-ownership:
  - owns: [docs/gadgets.md]
  - touches: []
  - reads: []
- Wiring-proof:
  - CLI: cat docs/gadgets.md
  - Integration: the index links the guide.

## Task 006: Draw the gadget panel
- [ ] 006: Draw the gadget panel
- AC:
  - The panel has a title.
- Files: ui/panel.txt
- Verify: `sleep 0.1 && grep -q title ui/panel.txt`
- Risk: low
- Max-iterations: 4
- Scope: code
- File-ownership:
  - owns: [ui/panel.txt]
  - touches: []
  - reads: []
- Wiring-proof:
  - CLI: cat ui/panel.txt
  - Integration: the app shows the panel.

## Task 007: Deploy gadgets
- [ ] 007: Deploy gadgets
- AC:
  - The deploy file names a target.
- Files: ops/deploy.txt
- Verify: `grep -q target ops/deploy.txt`
- Risk: medium
- Max-iterations: 5
- Scope: infra
- File-ownership:
  - owns: [ops/deploy.txt]
  - touches: []
  - reads: []
- Wiring-proof:
  - CLI: cat ops/deploy.txt
  - Integration: the pipeline runs the deploy.

---

## Parallelism Assessment
- Independent tasks: [001, 003, 005, 006, 007]
- Sequential dependencies: [001 -> 002, 003 -> 004]
- Recommendation: TEAM_ELIGIBLE
"""

# Task 003 fails on purpose in the matrix test, which blocks task 004.
FAILING_003 = "echo checking rates; grep -q currency billing/rates.txt"
PASSING_003 = "grep -q rate billing/rates.txt"
# The PR edits the files of tasks 001, 003, 005 and 006, and 002 and 004 run
# as their dependents.
SELECTED = ["001", "002", "003", "004", "005", "006"]

BASE_FILES = {
    "schema/gadget.txt": "gadget v1\n",
    "loader/load.txt": "reads the schema\n",
    "billing/rates.txt": "rate 1\n",
    "billing/invoice.txt": "uses the rates\n",
    "docs/gadgets.md": "# Gadgets\n",
    "ui/panel.txt": "title: Gadgets\n",
    "ops/deploy.txt": "target: staging\n",
}
PULL_FILES = {
    "schema/gadget.txt": "gadget v2\n",
    "billing/rates.txt": "rate 2\n",
    "docs/gadgets.md": "# Gadgets\n\nHow to use gadgets.\n",
    "ui/panel.txt": "title: Gadget panel\n",
}

READ_TOKEN = "ghs_fork_read_only_token_0123456789"
DURATION = re.compile(r"\d+(\.\d+)?s")
STATE_LINE = re.compile(r"^<!-- spectra-state:.*-->$", re.MULTILINE)


def build_fanout_repo(tmp_path: Path, verify_003: str = FAILING_003) -> GateRepo:
    """Build the gadgets repository: the plan on ``main`` and a PR branch."""
    path = init_repo(tmp_path / "workspace")
    write_files(path, {".spectra/plan.md": PLAN.replace("{verify_003}", verify_003)})
    write_files(path, BASE_FILES)
    base_sha = commit_all(path, "Add the gadgets plan and content")
    run_git(path, "checkout", "--quiet", "-b", "feature/widgets")
    repo = GateRepo(path=path, base_sha=base_sha, head_sha=base_sha)
    repo.commit(PULL_FILES, "Change the schema, rates, guide and panel")
    return repo


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def clone_at(repo: GateRepo, target: Path, revision: str) -> Path:
    """Clone the repository to ``target`` and check out ``revision`` detached."""
    run_git(target.parent, "clone", "--quiet", str(repo.path), str(target))
    run_git(target, "checkout", "--quiet", "--detach", revision)
    return target


def run_step(
    run_dir: Path,
    fake: FakeGitHub,
    repo: GateRepo,
    workspace: Path,
    payload: dict[str, Any],
    *,
    event_name: str = "pull_request",
    token: str = DEFAULT_TOKEN,
    runner: dict[str, str] | None = None,
    **inputs: str,
) -> ActionRun:
    """Run one action step in ``workspace`` with its own event and file commands.

    Each keyword in ``inputs`` sets one input, with ``_`` for ``-`` in its
    name. ``runner`` overrides variables of the runner's environment.
    """
    run_dir.mkdir(parents=True)
    env = runner_env(
        run_dir,
        fake,
        repo,
        payload,
        event_name=event_name,
        inputs={name.replace("_", "-"): value for name, value in inputs.items()},
        token=token,
    )
    env["GITHUB_WORKSPACE"] = str(workspace)
    env.update(runner or {})
    return run_entrypoint(env, workspace)


def matrix_entries(run: ActionRun) -> list[dict[str, Any]]:
    matrix: dict[str, list[dict[str, Any]]] = json.loads(run.outputs["matrix"])
    return matrix["include"]


def verify_entries(
    tmp_path: Path,
    fake: FakeGitHub,
    repo: GateRepo,
    entries: list[dict[str, Any]],
    payload: dict[str, Any],
    token: str = DEFAULT_TOKEN,
) -> list[ActionRun]:
    """Run mode verify for each matrix entry in a fresh clone of the head."""
    runs = []
    for number, entry in enumerate(entries, 1):
        clone = clone_at(repo, tmp_path / f"clone-{number}", repo.head_sha)
        runs.append(
            run_step(
                tmp_path / f"verify-{number}",
                fake,
                repo,
                clone,
                payload,
                token=token,
                mode="verify",
                tasks=entry["tasks"],
                results_dir=str(tmp_path / f"results-{number}"),
            )
        )
    return runs


def merge_results(sources: list[Path], target: Path) -> Path:
    """Merge results directories the way download-artifact's merge-multiple does."""
    for source in sources:
        shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def normalised(text: str) -> str:
    return DURATION.sub("<duration>", STATE_LINE.sub("<state>", text))


def status_summary(fake: FakeGitHub, sha: str) -> dict[str, tuple[str, str]]:
    return {
        context: (status["state"], normalised(status["description"] or ""))
        for context, status in fake.latest_statuses(REPO, sha).items()
    }


def only_comment(fake: FakeGitHub, number: int = PR_NUMBER) -> str:
    comments = fake.comments(REPO, number)
    assert len(comments) == 1
    body: str = comments[0]["body"]
    return body


def write_requests(fake: FakeGitHub) -> list[str]:
    return [
        f"{record.method} {record.path}"
        for record in fake.requests
        if record.method in ("POST", "PATCH", "PUT", "DELETE")
    ]


def test_matrix_run_equals_single_job(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_fanout_repo(tmp_path)
    register_pull(fake_github, repo)
    payload = pull_request_payload(fake_github, repo)

    plan_run = run_step(
        tmp_path / "plan",
        fake_github,
        repo,
        repo.path,
        payload,
        mode="plan",
        max_jobs="3",
    )
    assert plan_run.returncode == 0, plan_run.stderr
    entries = matrix_entries(plan_run)
    verify_runs = verify_entries(tmp_path, fake_github, repo, entries, payload)
    merged = merge_results(
        [tmp_path / f"results-{n}" for n in range(1, len(entries) + 1)],
        tmp_path / "merged",
    )
    report_run = run_step(
        tmp_path / "report",
        fake_github,
        repo,
        repo.path,
        payload,
        mode="report",
        results_dir=str(merged),
    )

    with FakeGitHub() as single_fake:
        register_pull(single_fake, repo)
        single_run = run_step(
            tmp_path / "single",
            single_fake,
            repo,
            repo.path,
            pull_request_payload(single_fake, repo),
        )
        single_body = only_comment(single_fake)
        single_statuses = status_summary(single_fake, repo.head_sha)
        assert single_fake.violations == []

    entry_tasks = [entry["tasks"].split() for entry in entries]
    assert len(entries) == 3
    assert sorted(task for tasks in entry_tasks for task in tasks) == SELECTED
    assert ["001", "002"] in entry_tasks
    assert ["003", "004"] in entry_tasks
    exit_codes = {
        entry["tasks"]: run.returncode
        for entry, run in zip(entries, verify_runs, strict=True)
    }
    # Only the entry with the failing task 003 exits with 1.
    assert exit_codes == {
        tasks: 1 if "003" in tasks.split() else 0 for tasks in exit_codes
    }
    assert "- [ ] 003: Set the billing rates — ❌ failed" in single_body
    assert report_run.returncode == single_run.returncode
    assert normalised(only_comment(fake_github)) == normalised(single_body)
    assert status_summary(fake_github, repo.head_sha) == single_statuses
    assert report_run.outputs["result"] == single_run.outputs["result"]
    assert normalised(report_run.summary) == normalised(single_run.summary)


def verified_results(
    tmp_path: Path, fake: FakeGitHub, repo: GateRepo, payload: dict[str, Any]
) -> Path:
    """Run mode verify for every selected task in one clone and return its
    results-dir."""
    clone = clone_at(repo, tmp_path / "clone", repo.head_sha)
    results_dir = tmp_path / "results"
    run = run_step(
        tmp_path / "verify",
        fake,
        repo,
        clone,
        payload,
        mode="verify",
        tasks=" ".join(SELECTED),
        results_dir=str(results_dir),
    )
    assert run.returncode == 0, run.stderr
    return results_dir


def edit_result(results_dir: Path, name: str, **changes: Any) -> None:
    path = results_dir / "results" / name
    document = json.loads(path.read_text())
    document.update(changes)
    path.write_text(json.dumps(document))


def other_head(results_dir: Path) -> None:
    edit_result(results_dir, "001.json", head_sha="0" * 40)


def other_plan(results_dir: Path) -> None:
    edit_result(results_dir, "002.json", plan_sha256="f" * 64)


def unknown_schema(results_dir: Path) -> None:
    edit_result(results_dir, "003.json", schema_version=2)


def not_json(results_dir: Path) -> None:
    (results_dir / "results" / "004.json").write_text("passed, trust me\n")


def unselected_task(results_dir: Path) -> None:
    edit_result(results_dir, "005.json", task_id="007")
    folder = results_dir / "results"
    (folder / "005.json").rename(folder / "007.json")


def misnamed_task(results_dir: Path) -> None:
    # 006.json claims task 005; it must not stand in for 005's own file.
    edit_result(results_dir, "006.json", task_id="005")


def unknown_outcome(results_dir: Path) -> None:
    edit_result(results_dir, "002.json", outcome="skipped")


REJECTIONS: list[tuple[Callable[[Path], None], str, str]] = [
    (other_head, "001", "Rejected 001.json: head SHA"),
    (other_plan, "002", "Rejected 002.json: plan hash"),
    (unknown_schema, "003", "Rejected 003.json: schema\\_version is 2"),
    (not_json, "004", "Rejected 004.json: the file is not valid JSON"),
    (unselected_task, "005", "Rejected 007.json: task 007 is not selected"),
    (misnamed_task, "006", "Rejected 006.json: the file is named 006.json"),
    (unknown_outcome, "002", "Rejected the result of task 002: its outcome"),
]


@pytest.mark.parametrize(
    ("corrupt", "task_id", "note"),
    REJECTIONS,
    ids=[corrupt.__name__ for corrupt, _, _ in REJECTIONS],
)
def test_report_rejects_result_file(
    tmp_path: Path,
    fake_github: FakeGitHub,
    corrupt: Callable[[Path], None],
    task_id: str,
    note: str,
) -> None:
    repo = build_fanout_repo(tmp_path, verify_003=PASSING_003)
    register_pull(fake_github, repo)
    payload = pull_request_payload(fake_github, repo)
    results_dir = verified_results(tmp_path, fake_github, repo, payload)
    corrupt(results_dir)

    run = run_step(
        tmp_path / "report",
        fake_github,
        repo,
        repo.path,
        payload,
        mode="report",
        results_dir=str(results_dir),
    )

    assert run.returncode == 1, run.stderr
    body = only_comment(fake_github)
    assert f"- [ ] {task_id}: {title_of(task_id)} — ❔ not run" in body
    assert f"The gate failed: task {task_id} not run." in body
    assert note in body
    states = latest_states(fake_github, repo.head_sha)
    assert states[f"spectra/{task_id}"] == "failure"
    assert states["spectra"] == "failure"
    assert run.outputs["result"] == "failed"


def test_report_valid_results_pass(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_fanout_repo(tmp_path, verify_003=PASSING_003)
    register_pull(fake_github, repo)
    payload = pull_request_payload(fake_github, repo)
    results_dir = verified_results(tmp_path, fake_github, repo, payload)

    run = run_step(
        tmp_path / "report",
        fake_github,
        repo,
        repo.path,
        payload,
        mode="report",
        results_dir=str(results_dir),
    )

    assert run.returncode == 0, run.stderr
    body = only_comment(fake_github)
    assert "All 6 selected tasks passed" in body
    assert "Rejected" not in body
    assert latest_states(fake_github, repo.head_sha)["spectra"] == "success"


def test_report_missing_result_fails(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_fanout_repo(tmp_path, verify_003=PASSING_003)
    register_pull(fake_github, repo)
    payload = pull_request_payload(fake_github, repo)
    results_dir = verified_results(tmp_path, fake_github, repo, payload)
    (results_dir / "results" / "006.json").unlink()

    run = run_step(
        tmp_path / "report",
        fake_github,
        repo,
        repo.path,
        payload,
        mode="report",
        results_dir=str(results_dir),
    )

    assert run.returncode == 1, run.stderr
    body = only_comment(fake_github)
    assert "- [ ] 006: Draw the gadget panel — ❔ not run" in body
    assert "no result was reported for this task" in body
    assert "The gate failed: task 006 not run." in body
    assert latest_states(fake_github, repo.head_sha)["spectra/006"] == "failure"


def title_of(task_id: str) -> str:
    match = re.search(rf"^## Task {task_id}: (.+)$", PLAN, re.MULTILINE)
    assert match is not None
    return match.group(1)


FORK = "contributor/widgets"


def register_fork_pull(
    fake: FakeGitHub, repo: GateRepo, files: list[str] | None = None
) -> dict[str, Any]:
    """Register the PR as coming from a fork and return its pull_request event.

    ``files`` is the PR's file list in the API, by default PULL_FILES.
    """
    files = sorted(PULL_FILES) if files is None else files
    register_pull(fake, repo, head_repo_full_name=FORK, files=files)
    fake.add_token(READ_TOKEN, permissions="read")
    return pull_request_payload(fake, repo, head_repo_full_name=FORK)


def fork_results(
    tmp_path: Path,
    fake: FakeGitHub,
    repo: GateRepo,
    payload: dict[str, Any],
    *,
    matrix: bool = True,
) -> Path:
    """Run the fork's verify workflow with the read-only token and return the
    results-dir as the report job downloads it.

    With ``matrix``, mode plan packs the tasks and each entry runs in its own
    clone. Without it, one mode verify job runs the automatic selection.
    """
    if not matrix:
        artifact = tmp_path / "artifact"
        run = run_step(
            tmp_path / "verify",
            fake,
            repo,
            clone_at(repo, tmp_path / "clone", repo.head_sha),
            payload,
            token=READ_TOKEN,
            mode="verify",
            results_dir=str(artifact),
        )
        assert run.returncode == 0, run.stderr
        return artifact
    plan_run = run_step(
        tmp_path / "plan",
        fake,
        repo,
        repo.path,
        payload,
        token=READ_TOKEN,
        mode="plan",
        max_jobs="3",
    )
    assert plan_run.returncode == 0, plan_run.stderr
    entries = matrix_entries(plan_run)
    runs = verify_entries(tmp_path, fake, repo, entries, payload, token=READ_TOKEN)
    assert [run.returncode for run in runs] == [0] * len(entries)
    return merge_results(
        [tmp_path / f"results-{n}" for n in range(1, len(entries) + 1)],
        tmp_path / "artifact",
    )


def base_checkout(repo: GateRepo, target: Path) -> Path:
    """Clone only ``main``, as a workflow_run job checks out the base
    repository. The fork's commits are not in the clone."""
    run_git(
        target.parent,
        "clone",
        "--quiet",
        "--no-local",
        "--single-branch",
        "--branch",
        "main",
        str(repo.path),
        str(target),
    )
    return target


def repository_lite(full: dict[str, Any]) -> dict[str, Any]:
    """Keep the fields of the webhook schema's ``repository-lite`` definition."""
    definition = spec.webhooks_schema()["definitions"]["repository-lite"]
    return {key: full[key] for key in definition["properties"] if key in full}


WORKFLOW_ID = 900
WORKFLOW_PATH = ".github/workflows/spectra-verify.yml"
MOMENT = "2026-03-02T10:00:00Z"


def workflow_run_payload(
    fake: FakeGitHub, repo: GateRepo, pull_event: dict[str, Any], head_sha: str
) -> dict[str, Any]:
    """Build a ``workflow_run`` ``completed`` delivery for the fork's finished
    verify workflow on ``head_sha`` and validate it against the webhook schema."""
    payload = {
        "action": "completed",
        "repository": pull_event["repository"],
        "sender": pull_event["sender"],
        "workflow": workflow_json(fake),
        "workflow_run": workflow_run_json(fake, repo, pull_event, head_sha),
    }
    return validate_payload("workflow_run", payload)


def workflow_json(fake: FakeGitHub) -> dict[str, Any]:
    return {
        "badge_url": f"https://github.com/{REPO}/workflows/spectra/badge.svg",
        "created_at": MOMENT,
        "html_url": f"https://github.com/{REPO}/blob/main/{WORKFLOW_PATH}",
        "id": WORKFLOW_ID,
        "name": "SPECTRA verify",
        "node_id": "W_kwDOAAAAAAAAA4Q",
        "path": WORKFLOW_PATH,
        "state": "active",
        "updated_at": MOMENT,
        "url": f"{fake.url}/repos/{REPO}/actions/workflows/{WORKFLOW_ID}",
    }


def workflow_run_json(
    fake: FakeGitHub, repo: GateRepo, pull_event: dict[str, Any], head_sha: str
) -> dict[str, Any]:
    """Render the finished verify run. For a fork's PR, GitHub sends
    ``pull_requests`` empty, which is why the artifact carries pull.json."""
    run_id = 4300
    api = f"{fake.url}/repos/{REPO}/actions/runs/{run_id}"
    sender = pull_event["sender"]
    return {
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "check_suite_url": f"{fake.url}/repos/{REPO}/check-suites/5100",
        "check_suite_id": 5100,
        "check_suite_node_id": "CS_kwDOAAAAAAAAE-w",
        "conclusion": "success",
        "created_at": MOMENT,
        "event": "pull_request",
        "head_branch": repo.head_ref,
        "head_commit": head_commit_json(repo, head_sha),
        "head_repository": repository_lite(pull_event["pull_request"]["head"]["repo"]),
        "head_sha": head_sha,
        "html_url": f"https://github.com/{REPO}/actions/runs/{run_id}",
        "id": run_id,
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "node_id": "WFR_kwLOAAAAAAAAEM4",
        "name": "SPECTRA verify",
        "pull_requests": [],
        "repository": repository_lite(pull_event["repository"]),
        "rerun_url": f"{api}/rerun",
        "run_number": 12,
        "status": "completed",
        "updated_at": MOMENT,
        "url": api,
        "workflow_id": WORKFLOW_ID,
        "workflow_url": f"{fake.url}/repos/{REPO}/actions/workflows/{WORKFLOW_ID}",
        "run_attempt": 1,
        "run_started_at": MOMENT,
        "previous_attempt_url": None,
        "actor": sender,
        "triggering_actor": sender,
        "path": WORKFLOW_PATH,
        "display_title": "Widgets",
    }


def head_commit_json(repo: GateRepo, sha: str) -> dict[str, Any]:
    person = {"name": "Test Author", "email": "author@example.com"}
    return {
        "id": sha,
        "tree_id": run_git(repo.path, "rev-parse", f"{sha}^{{tree}}"),
        "message": run_git(repo.path, "log", "-1", "--format=%s", sha),
        "timestamp": MOMENT,
        "author": person,
        "committer": person,
    }


def run_fork_report(
    tmp_path: Path,
    fake: FakeGitHub,
    repo: GateRepo,
    pull_event: dict[str, Any],
    artifact: Path,
    run_head: str | None = None,
) -> ActionRun:
    """Run mode report for a ``workflow_run`` event in a base checkout.

    ``run_head`` is the commit the verify run checked, by default the head.
    """
    workspace = base_checkout(repo, tmp_path / "base")
    return run_step(
        tmp_path / "report",
        fake,
        repo,
        workspace,
        workflow_run_payload(fake, repo, pull_event, run_head or repo.head_sha),
        event_name="workflow_run",
        runner={
            "GITHUB_SHA": repo.base_sha,
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_RUN_ID": "4343",
        },
        mode="report",
        results_dir=str(artifact),
    )


def test_fork_flow_reports_via_workflow_run(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_fanout_repo(tmp_path, verify_003=PASSING_003)
    pull_event = register_fork_pull(fake_github, repo)

    artifact = fork_results(tmp_path, fake_github, repo, pull_event)

    assert write_requests(fake_github) == []
    assert fake_github.comments(REPO, PR_NUMBER) == []
    assert fake_github.statuses(REPO, repo.head_sha) == []
    assert fake_github.check_runs(REPO) == []
    assert sorted(p.stem for p in (artifact / "results").iterdir()) == SELECTED
    record = json.loads((artifact / "pull.json").read_text())
    assert record == {"number": PR_NUMBER, "head_sha": repo.head_sha}

    fake_github.reset_requests()
    run = run_fork_report(tmp_path, fake_github, repo, pull_event, artifact)

    assert run.returncode == 0, run.stderr
    body = only_comment(fake_github)
    assert "SPECTRA plan gate: passed" in body
    assert "All 6 selected tasks passed" in body
    assert f"Commit `{repo.head_sha[:7]}`" in body
    assert "actions/runs/4343" in body
    states = latest_states(fake_github, repo.head_sha)
    assert states["spectra"] == "success"
    assert [states[f"spectra/{task_id}"] for task_id in SELECTED] == ["success"] * 6
    assert fake_github.request_count("GET", rf"/pulls/{PR_NUMBER}$") >= 1
    # The report leaves the base checkout as it was: still on main, no new files.
    workspace = tmp_path / "base"
    assert run_git(workspace, "rev-parse", "HEAD") == repo.base_sha
    assert run_git(workspace, "status", "--porcelain") == ""


def test_fork_report_rejects_moved_head(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_fanout_repo(tmp_path, verify_003=PASSING_003)
    pull_event = register_fork_pull(fake_github, repo)
    artifact = fork_results(tmp_path, fake_github, repo, pull_event, matrix=False)
    verified_head = repo.head_sha
    newer_head = repo.commit({"ui/panel.txt": "title: Newer\n"}, "Retitle the panel")
    fake_github.set_head(REPO, PR_NUMBER, newer_head)
    fake_github.reset_requests()

    run = run_fork_report(
        tmp_path, fake_github, repo, pull_event, artifact, run_head=verified_head
    )

    assert run.returncode == 2
    assert verified_head in run.stderr
    assert newer_head in run.stderr
    assert "Traceback" not in run.stderr
    assert write_requests(fake_github) == []
    assert fake_github.comments(REPO, PR_NUMBER) == []
    assert fake_github.statuses(REPO, verified_head) == []
    assert fake_github.statuses(REPO, newer_head) == []


def test_fork_report_plan_tick(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_fanout_repo(tmp_path, verify_003=PASSING_003)
    plan_file = repo.path / ".spectra" / "plan.md"
    ticked = plan_file.read_text().replace("- [ ] 001:", "- [x] 001:")
    repo.commit({".spectra/plan.md": ticked}, "Tick task 001")
    files = [*sorted(PULL_FILES), ".spectra/plan.md"]
    pull_event = register_fork_pull(fake_github, repo, files)
    artifact = fork_results(tmp_path, fake_github, repo, pull_event, matrix=False)

    run = run_fork_report(tmp_path, fake_github, repo, pull_event, artifact)

    assert run.returncode == 0, run.stderr
    body = only_comment(fake_github)
    assert "Rejected" not in body
    assert "This pull request ticks task 001, so it was verified." in body
    assert latest_states(fake_github, repo.head_sha)["spectra"] == "success"


def test_verify_without_tasks_runs_selection(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_fanout_repo(tmp_path, verify_003=PASSING_003)
    register_pull(fake_github, repo)
    payload = pull_request_payload(fake_github, repo)
    results_dir = tmp_path / "results"

    run = run_step(
        tmp_path / "verify",
        fake_github,
        repo,
        repo.path,
        payload,
        mode="verify",
        results_dir=str(results_dir),
    )

    assert run.returncode == 0, run.stderr
    written = sorted(path.stem for path in (results_dir / "results").iterdir())
    assert written == SELECTED
    assert json.loads(run.outputs["affected-tasks"]) == SELECTED


def test_fork_report_rejects_other_pull(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_fanout_repo(tmp_path, verify_003=PASSING_003)
    pull_event = register_fork_pull(fake_github, repo)
    artifact = fork_results(tmp_path, fake_github, repo, pull_event, matrix=False)
    verified_head = repo.head_sha
    # Another open PR, whose head the artifact claims in place of its own.
    run_git(repo.path, "checkout", "--quiet", "-b", "feature/other", repo.base_sha)
    other_head = commit_all(repo.path, "Start another change")
    run_git(repo.path, "checkout", "--quiet", repo.head_ref)
    fake_github.add_pull(
        REPO,
        PR_NUMBER + 1,
        head_sha=other_head,
        base_sha=repo.base_sha,
        head_ref="feature/other",
        base_ref="main",
    )
    claim = {"number": PR_NUMBER + 1, "head_sha": other_head}
    (artifact / "pull.json").write_text(json.dumps(claim))
    for name in SELECTED:
        edit_result(artifact, f"{name}.json", head_sha=other_head)
    fake_github.reset_requests()

    run = run_fork_report(tmp_path, fake_github, repo, pull_event, artifact)

    assert run.returncode == 2, run.stderr
    assert verified_head[:12] in run.stderr
    assert other_head[:12] in run.stderr
    assert write_requests(fake_github) == []
    assert fake_github.comments(REPO, PR_NUMBER + 1) == []
    assert fake_github.statuses(REPO, other_head) == []
