"""Every input action.yml declares changes what the action does.

Each test sets one input to a value other than its default, through the
``INPUT_*`` variable a runner would set, and checks the effect.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from actionrun import (
    PR_NUMBER,
    REPO,
    ActionRun,
    GateRepo,
    build_gate_repo,
    latest_states,
    plan_text,
    pull_request_payload,
    register_pull,
    run_entrypoint,
    runner_env,
)
from fakegithub import FakeGitHub
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent


def _run(
    tmp_path: Path,
    fake: FakeGitHub,
    repo: GateRepo | None = None,
    /,
    **inputs: str,
) -> tuple[ActionRun, dict[str, str]]:
    repo = repo or build_gate_repo(tmp_path)
    register_pull(fake, repo)
    env = runner_env(
        tmp_path, fake, repo, pull_request_payload(fake, repo), inputs=inputs
    )
    return run_entrypoint(env, repo.path), env


def _body(fake: FakeGitHub) -> str:
    comments = fake.comments(REPO, PR_NUMBER)
    assert len(comments) == 1
    body: str = comments[0]["body"]
    return body


def test_token_input_is_used(tmp_path: Path, fake_github: FakeGitHub) -> None:
    run, _ = _run(tmp_path, fake_github, token="ghs_not_a_known_token_000000")

    assert fake_github.comments(REPO, PR_NUMBER) == []
    assert "HTTP 401" in run.stderr
    assert run.returncode == 1


def test_plan_path_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    (repo.path / "plans").mkdir()
    (repo.path / ".spectra" / "plan.md").rename(repo.path / "plans" / "main.md")
    repo.commit({}, "Move the plan")

    run, _ = _run(tmp_path, fake_github, repo, **{"plan-path": "plans/main.md"})

    assert run.returncode == 1, run.stderr
    assert "- [x] 001" in _body(fake_github)


def test_config_path_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    repo.commit({"ci/spectra.yml": "ignore:\n  - scripts/**\n"}, "Ignore scripts")

    run, _ = _run(tmp_path, fake_github, repo, **{"config-path": "ci/spectra.yml"})

    assert run.returncode == 1, run.stderr
    assert "scripts/cleanup.sh" not in _body(fake_github)
    # The config file itself is unplanned, which still fails the gate.
    assert "ci/spectra.yml" in _body(fake_github)


def test_mode_plan_writes_matrix(tmp_path: Path, fake_github: FakeGitHub) -> None:
    run, _ = _run(tmp_path, fake_github, mode="plan")

    assert run.returncode == 0, run.stderr
    matrix = json.loads(run.outputs["matrix"])
    assert sorted(entry["tasks"] for entry in matrix["include"]) == ["001 002", "003"]
    assert fake_github.comments(REPO, PR_NUMBER) == []


def test_max_jobs_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    run, _ = _run(tmp_path, fake_github, mode="plan", **{"max-jobs": "1"})

    matrix = json.loads(run.outputs["matrix"])
    assert len(matrix["include"]) == 1
    assert set(matrix["include"][0]["tasks"].split()) == {"001", "002", "003"}


def test_tasks_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    run, _ = _run(tmp_path, fake_github, tasks="003", **{"run-dependents": "false"})

    assert json.loads(run.outputs["affected-tasks"]) == ["003"]
    body = _body(fake_github)
    assert "- [x] 003: Document widgets — ✅ passed" in body
    assert "- [ ] 001: Provision the widget store — ➖ not affected" in body


def test_run_dependents_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    run, env = _run(tmp_path, fake_github, **{"run-dependents": "false"})

    assert json.loads(run.outputs["affected-tasks"]) == ["001", "003"]
    states = latest_states(fake_github, env["GITHUB_SHA"])
    assert states["spectra/002"] == "success"
    assert "- [ ] 002: Serve widgets — ➖ not affected" in _body(fake_github)


def test_broken_template_falls_back(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    repo.commit({"broken.j2": "{{ view.no_such_field }}"}, "Add a broken template")

    run, _ = _run(tmp_path, fake_github, repo, **{"template-path": "broken.j2"})

    assert "SPECTRA plan gate: failed" in _body(fake_github)
    assert "The template" in run.stderr


def test_missing_template_is_config_error(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    run, _ = _run(tmp_path, fake_github, **{"template-path": "nowhere.j2"})

    assert run.returncode == 2
    assert "template nowhere.j2 not found" in _body(fake_github)


def _lock_plan() -> str:
    # Both commands take the same lock directory; run at once, one fails.
    lock = 'mkdir "$FLAG_DIR/lock" && sleep 0.4 && rmdir "$FLAG_DIR/lock"'
    return plan_text(lock).replace(
        "`test -f infra/store.txt && echo store ready`", f"`{lock}`"
    )


@pytest.mark.parametrize(("parallel", "passes"), [("1", True), ("2", False)])
def test_max_parallel_input(
    tmp_path: Path, fake_github: FakeGitHub, parallel: str, passes: bool
) -> None:
    repo = build_gate_repo(tmp_path, plan=_lock_plan())
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        inputs={"max-parallel": parallel, "run-dependents": "false"},
    )
    flags = tmp_path / "flags"
    flags.mkdir()
    env["FLAG_DIR"] = str(flags)

    run_entrypoint(env, repo.path)

    states = latest_states(fake_github, repo.head_sha)
    both = states["spectra/001"] == "success" and states["spectra/003"] == "success"
    assert both is passes


def test_task_timeout_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path, verify_003="sleep 30")

    run, _ = _run(tmp_path, fake_github, repo, **{"task-timeout": "1s"})

    assert run.returncode == 1
    assert "003: Document widgets — ⏱️ timed out" in _body(fake_github)


def test_changed_files_api_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo, files=["docs/guide.md"])
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        inputs={"changed-files": "api"},
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 0, run.stderr
    assert json.loads(run.outputs["affected-tasks"]) == ["003"]
    assert fake_github.request_count("GET", r"/pulls/\d+/files") == 1


def test_report_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    _, env = _run(tmp_path, fake_github, report="both")

    assert len(fake_github.check_runs(REPO)) == 1
    assert latest_states(fake_github, env["GITHUB_SHA"])["spectra"] == "failure"


def test_task_statuses_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    run, env = _run(tmp_path, fake_github, **{"task-statuses": "selected"})

    assert run.returncode == 1
    contexts = set(latest_states(fake_github, env["GITHUB_SHA"]))
    assert contexts == {"spectra", "spectra/001", "spectra/002", "spectra/003"}


def test_template_path_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    template = "{{ view.marker }}\nOur gate says {{ view.result }}.\n{{ view.state }}\n"
    repo.commit({".github/spectra-comment.md.j2": template}, "Add a template")

    _run(
        tmp_path,
        fake_github,
        repo,
        **{"template-path": ".github/spectra-comment.md.j2"},
    )

    body = _body(fake_github)
    assert body.splitlines()[1] == "Our gate says failed."


def test_summary_template_path_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    repo.commit({"summary.j2": "Summary: {{ tasks | length }} tasks\n"}, "Add summary")

    run, _ = _run(
        tmp_path, fake_github, repo, **{"summary-template-path": "summary.j2"}
    )

    assert run.summary.startswith("Summary: 3 tasks")


def test_results_dir_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    results = tmp_path / "my-results"

    run, _ = _run(tmp_path, fake_github, **{"results-dir": str(results)})

    assert (results / "001.log").read_text().strip() == "store ready"
    assert run.outputs["results-dir"] == str(results)


def test_tail_lines_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path, verify_003="seq 1 50; exit 3")

    _run(tmp_path, fake_github, repo, **{"tail-lines": "3"})

    body = _body(fake_github)
    assert "```text\n48\n49\n50\n```" in body


def test_tail_bytes_input(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path, verify_003="seq 1000 1050; exit 3")

    _run(tmp_path, fake_github, repo, **{"tail-bytes": "10"})

    body = _body(fake_github)
    assert "1050" in body
    assert "1040" not in body


def test_invalid_input_names_value(tmp_path: Path, fake_github: FakeGitHub) -> None:
    run, _ = _run(tmp_path, fake_github, report="sometimes")

    assert run.returncode == 2
    assert "invalid input report 'sometimes'" in run.stderr
    assert "Traceback" not in run.stderr


def test_every_input_has_a_test() -> None:
    declared = YAML(typ="safe").load((ROOT / "action.yml").read_text())["inputs"]
    source = Path(__file__).read_text()
    covered_elsewhere = {"required-permission"}
    for name in declared:
        if name in covered_elsewhere:
            continue
        assert f'"{name}"' in source or f"{name.replace('-', '_')}=" in source, name


def test_template_is_sandboxed(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    hostile = (
        "{{ view.marker }}\n"
        "{{ cycler.__init__.__globals__.os.environ }}\n"
        "{{ view.state }}\n"
    )
    repo.commit({"hostile.j2": hostile}, "Add a template that reads the env")

    run, _ = _run(tmp_path, fake_github, repo, **{"template-path": "hostile.j2"})

    body = _body(fake_github)
    assert "GITHUB_REPOSITORY" not in body
    assert "SPECTRA plan gate: failed" in body
    assert "SecurityError" in run.stderr


def test_underscore_input_spelling(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    (repo.path / "plans").mkdir()
    (repo.path / ".spectra" / "plan.md").rename(repo.path / "plans" / "main.md")
    repo.commit({}, "Move the plan")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )
    del env["INPUT_PLAN-PATH"]
    env["INPUT_PLAN_PATH"] = "plans/main.md"

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    assert "- [x] 001" in _body(fake_github)


def test_config_task_timeout(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path, verify_003="sleep 30")
    repo.commit(
        {".github/spectra.yml": "tasks:\n  '003':\n    timeout: 1s\n"},
        "Limit task 003",
    )

    run, _ = _run(tmp_path, fake_github, repo)

    assert run.returncode == 1
    assert "003: Document widgets — ⏱️ timed out (after 1s)" in _body(fake_github)
