"""``/spectra`` commands in pull request comments, end to end.

Each test builds a source repository, a bare remote that contains
``refs/pull/7/head`` as GitHub does, and a workspace cloned from it on the
default branch, which is what an ``issue_comment`` workflow checks out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from fakegithub import FakeGitHub, issue_comment_event
from fakegithub.payloads import validate_payload
from gitutil import run_git

MARKER = "<!-- spectra-action:checklist -->"
BOT = "github-actions[bot]"


def flag_plan() -> str:
    """The standard plan, with 001 and 003 passing only while a flag file
    exists, so a test can make them fail and then pass on a rerun."""
    return plan_text('test -e "$FLAG_DIR/003" && test -s docs/guide.md').replace(
        "`test -f infra/store.txt && echo store ready`",
        '`test -e "$FLAG_DIR/001" && test -f infra/store.txt && echo store ready`',
    )


@dataclass
class CommentSetup:
    source: GateRepo
    workspace: Path
    remote: Path
    flags: Path
    tmp_path: Path
    fake: FakeGitHub

    def flag(self, task_id: str) -> None:
        (self.flags / task_id).write_text("ok\n")

    def comment_env(self, payload: dict[str, Any], **inputs: str) -> dict[str, str]:
        env = runner_env(
            self.tmp_path,
            self.fake,
            self.source,
            payload,
            event_name="issue_comment",
            inputs=inputs,
        )
        env["GITHUB_WORKSPACE"] = str(self.workspace)
        env["GITHUB_REF"] = "refs/heads/main"
        env["GITHUB_SHA"] = self.source.base_sha
        env["FLAG_DIR"] = str(self.flags)
        return env

    def run_comment(
        self, body: str, *, login: str = "maintainer", **kw: Any
    ) -> ActionRun:
        comment_id = self.fake.add_comment(
            REPO, PR_NUMBER, body, login=login, type=kw.pop("user_type", "User")
        )
        payload = issue_comment_event(
            "created",
            repo_full_name=REPO,
            number=PR_NUMBER,
            comment_id=comment_id,
            body=body,
            user_login=login,
            user_type=kw.pop("payload_type", "User"),
            api_url=self.fake.url,
        )
        self.last_comment_id = comment_id
        return run_entrypoint(self.comment_env(payload, **kw), self.workspace)

    def first_run(self) -> ActionRun:
        """Gate the pull request once, as its pull_request workflow would."""
        runs = len(list(self.tmp_path.glob("pr-checkout-*")))
        clone = self.tmp_path / f"pr-checkout-{runs}"
        run_git(self.tmp_path, "clone", "--quiet", str(self.remote), str(clone))
        run_git(clone, "checkout", "--quiet", "--detach", self.source.head_sha)
        env = runner_env(
            self.tmp_path,
            self.fake,
            self.source,
            pull_request_payload(self.fake, self.source),
        )
        env["GITHUB_WORKSPACE"] = str(clone)
        env["FLAG_DIR"] = str(self.flags)
        return run_entrypoint(env, clone)


def publish_pull_ref(setup: CommentSetup, sha: str) -> None:
    run_git(setup.remote, "update-ref", f"refs/pull/{PR_NUMBER}/head", sha)


def make_setup(
    tmp_path: Path, fake: FakeGitHub, plan: str | None = None
) -> CommentSetup:
    source = build_gate_repo(tmp_path, plan=plan or flag_plan(), name="source")
    remote = tmp_path / "origin.git"
    run_git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    run_git(source.path, "push", "--quiet", str(remote), "main", "feature/widgets")
    workspace = tmp_path / "workspace"
    run_git(tmp_path, "clone", "--quiet", str(remote), str(workspace))
    flags = tmp_path / "flags"
    flags.mkdir()
    register_pull(fake, source)
    fake.set_permission(REPO, "maintainer", "write")
    fake.set_permission(REPO, "reader", "read")
    setup = CommentSetup(source, workspace, remote, flags, tmp_path, fake)
    publish_pull_ref(setup, source.head_sha)
    return setup


def sticky(fake: FakeGitHub) -> dict[str, Any]:
    own = [
        c
        for c in fake.comments(REPO, PR_NUMBER)
        if c["user"]["login"] == BOT and c["body"].startswith(MARKER)
    ]
    assert len(own) == 1
    return own[0]


def reaction_names(fake: FakeGitHub, comment_id: int) -> list[str]:
    return [reaction["content"] for reaction in fake.reactions(comment_id)]


def replies(fake: FakeGitHub) -> list[str]:
    return [
        c["body"]
        for c in fake.comments(REPO, PR_NUMBER)
        if c["user"]["login"] == BOT and not c["body"].startswith(MARKER)
    ]


def test_rerun_by_writer_updates_report(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    setup = make_setup(tmp_path, fake_github)
    setup.flag("003")
    assert setup.first_run().returncode == 1
    assert (
        "- [ ] 001: Provision the widget store — ❌ failed"
        in sticky(fake_github)["body"]
    )
    setup.flag("001")

    run = setup.run_comment("/spectra rerun 001")

    assert run.returncode == 1, run.stderr
    body = sticky(fake_github)["body"]
    assert "- [x] 001: Provision the widget store — ✅ passed" in body
    assert "- [x] 002: Serve widgets — ✅ passed" in body
    assert "- [x] 003: Document widgets — ✅ passed" in body
    assert "Rerun of 001, 002 requested by maintainer." in body
    head = setup.source.head_sha
    states = latest_states(fake_github, head)
    assert states["spectra/001"] == "success"
    assert states["spectra/002"] == "success"
    assert reaction_names(fake_github, setup.last_comment_id) == ["eyes", "rocket"]
    checked_out = run_git(setup.workspace, "rev-parse", "HEAD")
    assert checked_out == head


def test_rerun_turns_gate_green(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    (setup.source.path / "scripts" / "cleanup.sh").unlink()
    setup.source.commit({}, "Drop the unplanned script")
    run_git(setup.source.path, "push", "--quiet", str(setup.remote), "feature/widgets")
    fake_github.set_head(REPO, PR_NUMBER, setup.source.head_sha)
    publish_pull_ref(setup, setup.source.head_sha)
    setup.flag("001")
    assert setup.first_run().returncode == 1
    assert latest_states(fake_github, setup.source.head_sha)["spectra"] == "failure"
    setup.flag("003")

    run = setup.run_comment("/spectra rerun failed")

    assert run.returncode == 0, run.stderr
    assert latest_states(fake_github, setup.source.head_sha)["spectra"] == "success"
    assert "Rerun of 003 requested by maintainer." in sticky(fake_github)["body"]


def test_rerun_failed_reruns_both(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    setup.first_run()
    body = sticky(fake_github)["body"]
    assert "003: Document widgets — ❌ failed" in body
    setup.flag("001")
    setup.flag("003")

    setup.run_comment("/spectra rerun failed")

    body = sticky(fake_github)["body"]
    assert "Rerun of 001, 002, 003 requested by maintainer." in body
    assert "- [x] 001" in body
    assert "- [x] 003" in body


def test_reader_cannot_run_commands(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    setup.flag("001")
    setup.flag("003")

    run = setup.run_comment("/spectra rerun all", login="reader")

    assert run.returncode == 0
    assert fake_github.statuses(REPO, setup.source.head_sha) == []
    assert reaction_names(fake_github, setup.last_comment_id) == ["confused"]
    answer = replies(fake_github)
    assert len(answer) == 1
    assert "write permission" in answer[0]
    assert run_git(setup.workspace, "rev-parse", "HEAD") == setup.source.base_sha


def test_bot_comment_is_ignored(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    fake_github.set_permission(REPO, "helper-bot[bot]", "admin")

    run = setup.run_comment(
        "/spectra rerun all",
        login="helper-bot[bot]",
        user_type="Bot",
        payload_type="Bot",
    )

    assert run.returncode == 0
    assert fake_github.statuses(REPO, setup.source.head_sha) == []
    assert reaction_names(fake_github, setup.last_comment_id) == []
    assert replies(fake_github) == []


def test_quoted_or_code_command_is_inert(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    setup = make_setup(tmp_path, fake_github)
    body = (
        "> /spectra rerun all\n\n"
        "```\n/spectra rerun 001\n```\n\n"
        "    /spectra rerun 003\n"
    )

    run = setup.run_comment(body)

    assert run.returncode == 0
    assert fake_github.statuses(REPO, setup.source.head_sha) == []
    assert reaction_names(fake_github, setup.last_comment_id) == []
    assert replies(fake_github) == []


def test_unknown_id_gets_one_reply(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)

    run = setup.run_comment("/spectra rerun 042\n/spectra frobnicate")

    assert run.returncode == 0
    answer = replies(fake_github)
    assert len(answer) == 1
    assert "042" in answer[0]
    assert "frobnicate" in answer[0]
    assert "001, 002, 003" in answer[0]
    assert fake_github.statuses(REPO, setup.source.head_sha) == []
    assert reaction_names(fake_github, setup.last_comment_id) == ["confused"]


def test_help_replies_with_commands(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)

    setup.run_comment("/spectra help")

    answer = replies(fake_github)
    assert len(answer) == 1
    assert "/spectra rerun failed" in answer[0]


def test_tick_in_checklist_reruns(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    setup.flag("001")
    setup.first_run()
    comment = sticky(fake_github)
    old_body = comment["body"]
    line = next(line for line in old_body.splitlines() if "spectra:rerun:003" in line)
    new_body = old_body.replace(line, line.replace("- [ ]", "- [x]", 1))
    setup.flag("003")
    payload = issue_comment_event(
        "edited",
        repo_full_name=REPO,
        number=PR_NUMBER,
        comment_id=comment["id"],
        body=new_body,
        user_login=BOT,
        user_type="Bot",
        api_url=fake_github.url,
        changes_body_from=old_body,
    )
    payload["sender"] = {
        **payload["sender"],
        "login": "maintainer",
        "id": 5150,
        "node_id": "MDQ6VXNlcjUxNTA=",
        "type": "User",
    }
    validate_payload("issue_comment", payload)

    run = run_entrypoint(setup.comment_env(payload), setup.workspace)

    # The unplanned script still fails the gate; the rerun task passes.
    assert run.returncode == 1, run.stderr
    body = sticky(fake_github)["body"]
    assert "- [x] 003: Document widgets — ✅ passed" in body
    assert "Rerun of 003 requested by maintainer." in body


def test_other_edit_triggers_nothing(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    comment_id = fake_github.add_comment(
        REPO, PR_NUMBER, "/spectra rerun all", "maintainer"
    )
    payload = issue_comment_event(
        "edited",
        repo_full_name=REPO,
        number=PR_NUMBER,
        comment_id=comment_id,
        body="/spectra rerun all",
        user_login="maintainer",
        api_url=fake_github.url,
        changes_body_from="typo",
    )

    run = run_entrypoint(setup.comment_env(payload), setup.workspace)

    assert run.returncode == 0
    assert fake_github.statuses(REPO, setup.source.head_sha) == []


def test_base_plan_command_runs(tmp_path: Path, fake_github: FakeGitHub) -> None:
    marker = tmp_path / "pr-plan-ran"
    setup = make_setup(tmp_path, fake_github)
    hostile = flag_plan().replace(
        '`test -e "$FLAG_DIR/003" && test -s docs/guide.md`',
        f"`touch {marker}`",
    )
    setup.source.commit({".spectra/plan.md": hostile}, "Change the verify command")
    run_git(setup.source.path, "push", "--quiet", str(setup.remote), "feature/widgets")
    fake_github.set_head(REPO, PR_NUMBER, setup.source.head_sha)
    publish_pull_ref(setup, setup.source.head_sha)
    setup.flag("003")

    run = setup.run_comment("/spectra rerun 003")

    assert run.returncode in (0, 1), run.stderr
    assert not marker.exists()
    body = sticky(fake_github)["body"]
    assert "use the base branch's plan" in body
    assert "- [x] 003: Document widgets — ✅ passed" in body


def test_head_moves_before_fetch(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    approved = setup.source.head_sha
    newer = setup.source.commit({"docs/guide.md": "# Guide\n\nnewer\n"}, "Newer push")
    run_git(setup.source.path, "push", "--quiet", str(setup.remote), "feature/widgets")
    publish_pull_ref(setup, newer)
    setup.flag("001")
    setup.flag("003")

    run = setup.run_comment("/spectra rerun 003")

    assert run.returncode in (0, 1), run.stderr
    assert run_git(setup.workspace, "rev-parse", "HEAD") == approved
    body = sticky(fake_github)["body"]
    assert f"moved on to {newer[:7]}" in body
    assert f"Commit `{approved[:7]}`" in body
    assert "spectra/003" in latest_states(fake_github, approved)
    assert latest_states(fake_github, newer) == {}


def test_plain_issue_comment_ignored(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    fake_github.add_issue(REPO, 8, title="A plain issue")
    payload = issue_comment_event(
        "created",
        repo_full_name=REPO,
        number=8,
        comment_id=fake_github.add_comment(REPO, 8, "/spectra rerun all", "maintainer"),
        body="/spectra rerun all",
        user_login="maintainer",
        api_url=fake_github.url,
        is_pull_request=False,
    )

    run = run_entrypoint(setup.comment_env(payload), setup.workspace)

    assert run.returncode == 0
    assert json.loads(run.outputs.get("affected-tasks", "[]")) == []
    assert fake_github.request_count() == 0


def test_required_permission_admin(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)

    run = setup.run_comment("/spectra rerun all", **{"required-permission": "admin"})

    assert run.returncode == 0
    assert fake_github.statuses(REPO, setup.source.head_sha) == []
    answer = replies(fake_github)
    assert len(answer) == 1
    assert "admin permission" in answer[0]


def test_comment_run_uses_base_template(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    setup = make_setup(tmp_path, fake_github)
    base_template = "{{ view.marker }}\nBase template.\n{{ view.state }}\n"
    run_git(setup.source.path, "checkout", "--quiet", "main")
    setup.source.commit({"comment.j2": base_template}, "Add the team template")
    base = setup.source.head_sha
    run_git(setup.source.path, "checkout", "--quiet", "feature/widgets")
    run_git(setup.source.path, "merge", "--quiet", "--no-edit", "main")
    pr_template = "{{ view.marker }}\nPull request template.\n{{ view.state }}\n"
    head = setup.source.commit({"comment.j2": pr_template}, "Swap the template")
    run_git(
        setup.source.path,
        "push",
        "--quiet",
        str(setup.remote),
        "main",
        "feature/widgets",
    )
    fake_github.set_head(REPO, PR_NUMBER, head)
    with fake_github.store.lock:
        fake_github.store.require_repo(REPO).pulls[PR_NUMBER].base_sha = base
        fake_github.store.require_repo(REPO).known_shas.add(base)
    publish_pull_ref(setup, head)

    run = setup.run_comment("/spectra rerun 003", **{"template-path": "comment.j2"})

    assert run.returncode in (0, 1), run.stderr
    body = sticky(fake_github)["body"]
    assert "Base template." in body
    assert "Pull request template." not in body


def test_reset_lets_stuck_task_run(tmp_path: Path, fake_github: FakeGitHub) -> None:
    plan = flag_plan().replace("- Max-iterations: 5", "- Max-iterations: 1")
    setup = make_setup(tmp_path, fake_github, plan=plan)
    setup.flag("001")
    setup.first_run()
    setup.first_run()
    assert "003: Document widgets — 🛑 stuck" in sticky(fake_github)["body"]
    setup.flag("003")

    setup.run_comment("/spectra reset 003")

    # The reset clears the budget and verifies the task at once.
    body = sticky(fake_github)["body"]
    assert "Attempts of 003 reset by maintainer." in body
    assert "🛑 stuck" not in body
    assert "- [x] 003: Document widgets — ✅ passed" in body
    assert "attempt 1 of 1" in body


def test_rerun_on_new_head_runs_all(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    setup.flag("001")
    setup.flag("003")
    setup.first_run()
    (setup.source.path / "infra" / "store.txt").unlink()
    newer = setup.source.commit({}, "Drop the store")
    run_git(setup.source.path, "push", "--quiet", str(setup.remote), "feature/widgets")
    fake_github.set_head(REPO, PR_NUMBER, newer)
    publish_pull_ref(setup, newer)

    setup.run_comment("/spectra rerun 003")

    body = sticky(fake_github)["body"]
    assert f"The last report was not for {newer[:7]}" in body
    assert "- [ ] 001: Provision the widget store — ❌ failed" in body
    assert latest_states(fake_github, newer)["spectra/001"] == "failure"


def test_reset_of_failing_task_stays_red(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    plan = flag_plan().replace("- Max-iterations: 5", "- Max-iterations: 1")
    setup = make_setup(tmp_path, fake_github, plan=plan)
    setup.flag("001")
    setup.first_run()
    setup.first_run()

    setup.run_comment("/spectra reset 003")

    body = sticky(fake_github)["body"]
    assert "- [ ] 003: Document widgets — ❌ failed" in body
    states = latest_states(fake_github, setup.source.head_sha)
    assert states["spectra/003"] == "failure"
    assert states["spectra"] == "failure"


def test_rerun_dependent_after_pass(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    setup.flag("001")
    setup.flag("003")
    setup.first_run()

    setup.run_comment("/spectra rerun 002", **{"run-dependents": "false"})

    body = sticky(fake_github)["body"]
    assert "- [x] 002: Serve widgets — ✅ passed" in body
    assert "blocked" not in body
    assert "Rerun of 002 requested by maintainer." in body


def test_plan_changing_pull_stays_red(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    (setup.source.path / "scripts" / "cleanup.sh").unlink()
    changed = flag_plan().replace("- Risk: low", "- Risk: medium")
    setup.source.commit({".spectra/plan.md": changed}, "Edit the plan")
    run_git(setup.source.path, "push", "--quiet", str(setup.remote), "feature/widgets")
    fake_github.set_head(REPO, PR_NUMBER, setup.source.head_sha)
    publish_pull_ref(setup, setup.source.head_sha)
    setup.flag("001")
    setup.flag("003")

    run = setup.run_comment("/spectra rerun all")

    assert run.returncode == 1, run.stderr
    assert latest_states(fake_github, setup.source.head_sha)["spectra"] == "failure"
    assert "push a commit to gate it with its own plan" in sticky(fake_github)["body"]
