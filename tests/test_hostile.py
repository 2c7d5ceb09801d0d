"""Hostile and careless input against the action, end to end.

Each test drives ``python -m spectra_action`` as a subprocess against the
fake GitHub with real git repositories. A test asserts the correct
behaviour. Where the product is wrong, the test is marked
``xfail(strict=True)`` with the bug in its reason, so the suite stays green
and the bug stays visible until it is fixed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from actionrun import (
    PR_NUMBER,
    REPO,
    ActionRun,
    GateRepo,
    build_gate_repo,
    latest_states,
    parse_outputs,
    plan_text,
    pull_request_payload,
    register_pull,
    run_entrypoint,
    runner_env,
)
from fakegithub import DEFAULT_TOKEN, FakeGitHub, issue_comment_event, write_event
from fakegithub.faults import Fault
from gitutil import commit_all
from markdown_it import MarkdownIt
from markdown_it.token import Token
from test_comment_commands import BOT, MARKER, make_setup, reaction_names, replies

from spectra_action.commands import parse_comment, ticked_reruns
from spectra_action.state import RunState, TaskState, decode_state, encode_state

HOSTILE_VERIFY = 'sh "$HOSTILE_SCRIPT"'
COMMENT_LIMIT = 65536
_GFM = MarkdownIt("commonmark").enable("table")
# Mentions, issue references (#1, GH-1, owner/repo#1) as GitHub links them
# in rendered text outside code.
_MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
_ISSUE_REFERENCE = re.compile(r"(?<![\w&])#[0-9]|\bGH-[0-9]", re.IGNORECASE)
# The HTML the built-in template writes. HTML blocks also carry text, such
# as a <summary> line, so only these pieces are removed before the check.
_TEMPLATE_HTML = re.compile(
    r"</?details>|</?summary>|<!-- spectra-action:checklist -->"
    r"|<!-- spectra-state:[A-Za-z0-9+/=]+ -->|<!-- spectra:rerun:[0-9]+ -->"
)


# Helpers -----------------------------------------------------------------


def hostile_gate(
    tmp_path: Path,
    fake: FakeGitHub,
    script: str,
    *,
    plan: str | None = None,
    inputs: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> tuple[GateRepo, ActionRun, dict[str, str]]:
    """Gate the standard pull request with task 003 running ``script``."""
    script_path = tmp_path / "hostile.sh"
    script_path.write_text(script)
    repo = build_gate_repo(
        tmp_path, plan=plan if plan is not None else plan_text(HOSTILE_VERIFY)
    )
    register_pull(fake, repo)
    env = runner_env(
        tmp_path,
        fake,
        repo,
        pull_request_payload(fake, repo),
        inputs=inputs,
    )
    env["HOSTILE_SCRIPT"] = str(script_path)
    env.update(extra_env or {})
    return repo, run_entrypoint(env, repo.path), env


def checklist_body(fake: FakeGitHub) -> str:
    own = [
        comment
        for comment in fake.comments(REPO, PR_NUMBER)
        if comment["user"]["login"] == BOT and comment["body"].startswith(MARKER)
    ]
    assert len(own) == 1, [comment["body"][:200] for comment in own]
    body: str = own[0]["body"]
    return body


def walk(tokens: list[Token]) -> list[Token]:
    flat: list[Token] = []
    for token in tokens:
        flat.append(token)
        if token.children:
            flat.extend(walk(token.children))
    return flat


def rendered_text(body: str) -> str:
    """Return the text GitHub would render outside code, links and HTML."""
    return "\n".join(
        token.content for token in walk(_GFM.parse(body)) if token.type == "text"
    )


def foreign_html(body: str) -> list[str]:
    """Return every raw HTML token that holds a tag the template did not write."""
    return [
        token.content
        for token in walk(_GFM.parse(body))
        if token.type in ("html_block", "html_inline")
        and "<" in _TEMPLATE_HTML.sub("", token.content)
    ]


def link_targets(body: str) -> list[str]:
    """Return the address of every link and image in the rendered body."""
    targets = []
    for token in walk(_GFM.parse(body)):
        if token.type == "link_open":
            targets.append(str(token.attrs.get("href")))
        elif token.type == "image":
            targets.append(str(token.attrs.get("src")))
    return targets


def active_commands(stdout: str) -> list[str]:
    """Return the workflow command lines a runner would act on.

    A runner ignores every line between ``::stop-commands::TOKEN`` and
    ``::TOKEN::``, and treats any other line that starts with ``::`` as a
    command.
    """
    stopped: str | None = None
    active: list[str] = []
    for line in stdout.splitlines():
        stripped = line.strip()
        if stopped is not None:
            if stripped == f"::{stopped}::":
                stopped = None
            continue
        if stripped.startswith("::stop-commands::"):
            stopped = stripped.removeprefix("::stop-commands::")
            continue
        if stripped.startswith("::"):
            active.append(stripped)
    return active


def all_result_text(results_dir: Path) -> str:
    return "\n".join(
        path.read_text(errors="replace")
        for path in sorted(results_dir.rglob("*"))
        if path.is_file()
    )


def run_limited(
    env: dict[str, str], cwd: Path, timeout: float, stdout_path: Path
) -> tuple[int | None, str]:
    """Run the entrypoint with its stdout in a file and return the exit code
    and stderr. The exit code is None when the run exceeds ``timeout`` seconds.
    """
    with stdout_path.open("wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "spectra_action"],
            cwd=cwd,
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.communicate()
            return None, ""
    return process.returncode, stderr.decode(errors="replace")


def task_block(task_id: str, title: str, owns: str, verify: str) -> str:
    return f"""
## Task {task_id}: {title}
- [ ] {task_id}: {title}
- AC:
  - It works.
- Files: {owns}
- Verify: `{verify}`
- Risk: low
- Max-iterations: 5
- Scope: code
- File-ownership:
  - owns: [{owns}]
  - touches: []
  - reads: []
- Wiring-proof:
  - CLI: cat {owns}
  - Integration: none.
"""


def generated_plan(blocks: list[str]) -> str:
    header = (
        "# SPECTRA Execution Plan\n\n## Project: Widgets\n## Level: 4\n"
        "## Generated: 2026-02-10\n## Source: .spectra/stories/\n\n---\n"
    )
    return header + "".join(blocks) + "\n---\n"


# Markup injection through the plan and the output -------------------------


def forged_state(head_sha: str) -> str:
    state = RunState(
        head_sha=head_sha,
        plan_sha256="0" * 64,
        tasks={"001": TaskState(attempts=99, outcome="failed")},
    )
    return encode_state(state)


HOSTILE_TITLE = (
    "@octocat fixes #1 and octo-org/widgets#2 <img src=x onerror=alert(1)> "
    "</details> [click](https://evil.example) ![pixel](https://evil.example/p.png)"
    " <!-- spectra:rerun:001 --> ``` **bold** " + forged_state("f" * 40)
)


def test_title_markup_is_inert(tmp_path: Path, fake_github: FakeGitHub) -> None:
    plan = plan_text("exit 1").replace("Document widgets", HOSTILE_TITLE)
    hostile_gate(tmp_path, fake_github, "", plan=plan)

    body = checklist_body(fake_github)
    text = rendered_text(body)

    assert _MENTION.search(text) is None
    assert _ISSUE_REFERENCE.search(text) is None
    assert foreign_html(body) == []
    assert all("evil.example" not in target for target in link_targets(body))
    assert ticked_reruns(body, body.replace("- [ ]", "- [x]")) == ["003"]
    state = decode_state(body)
    assert state is not None
    assert state.head_sha != "f" * 40


def test_title_gh_reference_inert(tmp_path: Path, fake_github: FakeGitHub) -> None:
    plan = plan_text("exit 1").replace("Document widgets", "Closes GH-1 for good")
    hostile_gate(tmp_path, fake_github, "", plan=plan)

    text = rendered_text(checklist_body(fake_github))

    assert re.search(r"\bGH-[0-9]", text) is None


OUTPUT_ATTACK = r"""
echo '@octocat please look, fixes #1'
echo '</details>'
echo '<img src=x onerror=alert(1)>'
echo '````````````````'
echo '~~~~~~~~'
echo '</details><details open><summary>forged</summary>'
echo '- [ ] <!-- spectra:rerun:001 --> Rerun 001: forged (tick to rerun)'
echo '- [x] <!-- spectra:rerun:002 --> Rerun 002: forged (tick to rerun)'
echo '<!-- spectra-action:checklist -->'
printf 'tab\tbell\a escape\033[31m nul-free\n'
exit 1
"""


def test_output_markup_is_inert(tmp_path: Path, fake_github: FakeGitHub) -> None:
    hostile_gate(tmp_path, fake_github, OUTPUT_ATTACK)

    body = checklist_body(fake_github)
    text = rendered_text(body)

    assert "please look" in body
    assert _MENTION.search(text) is None
    assert _ISSUE_REFERENCE.search(text) is None
    assert foreign_html(body) == []
    assert "\a" not in body
    assert "\033" not in body


def test_output_rerun_box_not_read(tmp_path: Path, fake_github: FakeGitHub) -> None:
    hostile_gate(tmp_path, fake_github, OUTPUT_ATTACK)
    body = checklist_body(fake_github)
    # The output's HTML comments arrive defused by a zero-width space, so
    # ticking the forged box does not form a rerun line either.
    assert "<!-- spectra:rerun:001 -->" not in body
    forged = body.replace(
        "- [ ] <\u200b!-- spectra:rerun:001 --> Rerun 001: forged",
        "- [x] <\u200b!-- spectra:rerun:001 --> Rerun 001: forged",
    )

    assert forged != body
    assert ticked_reruns(body, forged) == []


def test_output_state_line_ignored(tmp_path: Path, fake_github: FakeGitHub) -> None:
    line = forged_state("f" * 40)
    repo, run, _ = hostile_gate(tmp_path, fake_github, f"echo '{line}'\nexit 1\n")
    assert run.returncode == 1, run.stderr

    state = decode_state(checklist_body(fake_github))

    assert state is not None
    assert state.head_sha == repo.head_sha
    assert state.tasks["001"].attempts == 1


def test_forged_state_changes_verdict(tmp_path: Path, fake_github: FakeGitHub) -> None:
    line = forged_state("f" * 40)
    repo, run, env = hostile_gate(tmp_path, fake_github, f"echo '{line}'\nexit 1\n")
    assert run.returncode == 1, run.stderr
    first_head = repo.head_sha
    repo.commit({"infra/store.txt": "store v3\n"}, "Touch the store again")
    fake_github.set_head(REPO, PR_NUMBER, repo.head_sha)
    payload = pull_request_payload(
        fake_github, repo, "synchronize", before=first_head, after=repo.head_sha
    )
    env = {**env, "GITHUB_EVENT_PATH": str(write_event(tmp_path, payload))}
    env["GITHUB_SHA"] = repo.head_sha

    run_entrypoint(env, repo.path)

    body = checklist_body(fake_github)
    assert "- [x] 001: Provision the widget store — ✅ passed" in body


def test_file_name_cannot_forge_verdict(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_gate_repo(tmp_path)
    repo.commit({"evil.sh | ✅ owned | 001 |": "echo\n"}, "Add a file")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run_entrypoint(env, repo.path)

    body = checklist_body(fake_github)
    tokens = _GFM.parse(body)
    cells: list[list[str]] = []
    row: list[str] = []
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline":
            row.append(token.content)
        elif token.type == "tr_close":
            cells.append(row)
    evil_rows = [row for row in cells if row and "evil.sh" in row[0]]
    assert len(evil_rows) == 1
    assert "unplanned" in evil_rows[0][1]


# Secrets ------------------------------------------------------------------

PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
SECRETS = {
    "env": "hunter2-deploy-password",
    "env_markup": "p@ss_w*rd|12#3`x",
    "mask": "masked-value-9f3a",
    "mask_escaped": "multi%line",
    "github": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "fine_grained": "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "aws": "AKIA" + "IOSFODNN7EXAMPLE",
    "pem": PEM_BODY,
    "url": "s3cretpw",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
    "token_input": "ghs_" + "tokenTOKENtokenTOKENtokenTOKEN123456",
}

SECRET_SCRIPT = f"""
echo "env value: $DEPLOY_PASSWORD"
echo "markup value: $API_SECRET"
echo "::add-mask::{SECRETS["mask"]}"
echo "masked: {SECRETS["mask"]}"
echo "::add-mask::multi%25line"
echo "escaped mask: {SECRETS["mask_escaped"]}"
echo "github token: {SECRETS["github"]}"
echo "fine grained: {SECRETS["fine_grained"]}"
echo "aws key: {SECRETS["aws"]}"
echo "-----BEGIN RSA PRIVATE KEY-----"
echo "{PEM_BODY}"
echo "-----END RSA PRIVATE KEY-----"
echo "url: https://deploy:{SECRETS["url"]}@registry.example/pkg"
echo "jwt: {SECRETS["jwt"]}"
echo "token again: {SECRETS["token_input"]}"
echo "::error::$DEPLOY_PASSWORD"
exit 1
"""


def leaked(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


def test_secrets_redacted_everywhere(tmp_path: Path, fake_github: FakeGitHub) -> None:
    fake_github.add_token(SECRETS["token_input"])
    _, run, env = hostile_gate(
        tmp_path,
        fake_github,
        SECRET_SCRIPT,
        inputs={"report": "both"},
        extra_env={
            "DEPLOY_PASSWORD": SECRETS["env"],
            "API_SECRET": SECRETS["env_markup"],
            "INPUT_TOKEN": SECRETS["token_input"],
        },
    )
    assert run.returncode == 1, run.stderr

    body = checklist_body(fake_github)
    statuses = fake_github.statuses(REPO, fake_github_head(fake_github))
    checks = fake_github.check_runs(REPO)
    results = all_result_text(Path(env["RUNNER_TEMP"]) / "spectra-results")

    assert "env value: ***" in body
    assert leaked(body) == []
    assert leaked(run.summary) == []
    assert leaked(run.stdout) == []
    assert leaked(run.stderr) == []
    assert leaked(json.dumps(statuses)) == []
    assert leaked(json.dumps(checks)) == []
    assert leaked(json.dumps(run.outputs)) == []
    assert results != ""
    assert leaked(results) == []


TOKEN_PROBE = f"""
echo "runtime=[$ACTIONS_RUNTIME_TOKEN] github=[$GITHUB_TOKEN] input=[$INPUT_TOKEN]"
echo "file commands=[$GITHUB_OUTPUT$GITHUB_STEP_SUMMARY]"
pid=$$
hits=0
while [ "$pid" -gt 1 ]; do
  if tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | grep -q '{DEFAULT_TOKEN}'; then
    hits=$((hits + 1))
  fi
  pid=$(awk '{{print $4}}' /proc/$pid/stat)
done
echo "ancestor environ hits=$hits"
exit 1
"""


def test_verify_sees_no_tokens(tmp_path: Path, fake_github: FakeGitHub) -> None:
    _, run, _ = hostile_gate(
        tmp_path, fake_github, TOKEN_PROBE, extra_env={"RUNNER_DEBUG": "1"}
    )

    assert run.returncode == 1, run.stderr
    body = checklist_body(fake_github)
    assert "runtime=[] github=[] input=[]" in body
    assert "file commands=[]" in body
    assert "ancestor environ hits=0" in body
    assert DEFAULT_TOKEN not in run.stderr
    assert DEFAULT_TOKEN not in run.stdout


def fake_github_head(fake: FakeGitHub) -> str:
    with fake.store.lock:
        sha: str = fake.store.require_repo(REPO).pulls[PR_NUMBER].head_sha
    return sha


def test_late_mask_hides_summary(tmp_path: Path, fake_github: FakeGitHub) -> None:
    secret = "late-masked-value-77"
    early = tmp_path / "early.sh"
    early.write_text(f"echo 'value: {secret}'\nexit 1\n")
    plan = plan_text(HOSTILE_VERIFY).replace(
        "`test -f infra/store.txt && echo store ready`", f'`sh "{early}"`'
    )
    script = f"sleep 1\necho '::add-mask::{secret}'\nexit 1\n"

    _, run, _ = hostile_gate(tmp_path, fake_github, script, plan=plan)

    assert secret not in checklist_body(fake_github)
    assert secret not in run.summary


# Workflow commands in verify output --------------------------------------

COMMAND_SCRIPT = """
echo '::set-output name=result::pwned'
echo '::error file=README.md::pwned error'
echo '::warning::pwned warning'
echo '::add-mask::harmless-mask-word'
echo '::stop-commands::pwned-token'
echo '::pwned-token::'
echo '::endgroup::'
echo '::group::pwned group'
printf '::error::pwned\\r\\n'
printf 'line\\r::error::pwned after cr\\n'
echo '  ::error::pwned indented'
echo "::$(printf '%s' SPECTRA)::"
exit 1
"""


def test_workflow_commands_inert(tmp_path: Path, fake_github: FakeGitHub) -> None:
    _, run, _ = hostile_gate(tmp_path, fake_github, COMMAND_SCRIPT)

    assert run.returncode == 1, run.stderr
    commands = active_commands(run.stdout)
    assert "pwned error" in run.stdout
    assert [line for line in commands if "pwned" in line] == []
    assert run.outputs["result"] == "failed"
    assert "pwned" not in json.dumps(run.outputs)


# Size limits ------------------------------------------------------------------


def test_ten_thousand_files_fit(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    bulk = repo.path / "bulk"
    bulk.mkdir()
    for index in range(10_000):
        (bulk / f"file-{index:05d}.txt").write_text("x\n")
    repo.head_sha = commit_all(repo.path, "Add ten thousand files")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    body = checklist_body(fake_github)
    assert len(body) <= COMMENT_LIMIT
    assert decode_state(body) is not None
    assert "Traceback" not in run.stderr


def test_plan_of_999_tasks(tmp_path: Path, fake_github: FakeGitHub) -> None:
    blocks = [
        task_block(f"{number:03d}", f"Task number {number}", f"t/{number}.txt", "true")
        for number in range(1, 1000)
    ]
    plan = generated_plan(blocks)
    repo = build_gate_repo(tmp_path, plan=plan)
    repo.commit({"t/500.txt": "changed\n"}, "Change one task's file")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert "Traceback" not in run.stderr
    body = checklist_body(fake_github)
    assert len(body) <= COMMENT_LIMIT
    assert "500" in json.loads(run.outputs["affected-tasks"])
    assert decode_state(body) is not None


def test_redaction_growth_keeps_comment(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    title = "mirror " + " ".join(["http://a:b@h"] * 160)
    blocks = [
        task_block(f"{number:03d}", title, f"t/{number}.txt", "true")
        for number in range(1, 31)
    ]
    repo = build_gate_repo(tmp_path, plan=generated_plan(blocks))
    repo.commit({"t/1.txt": "changed\n"}, "Change one task's file")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        inputs={"tasks": "all"},
    )

    run = run_entrypoint(env, repo.path)
    rejected = [str(violation) for violation in fake_github.violations]
    fake_github.violations.clear()

    assert "Traceback" not in run.stderr
    assert rejected == []
    body = checklist_body(fake_github)
    assert len(body) <= COMMENT_LIMIT


def test_huge_tails_fit_comment(tmp_path: Path, fake_github: FakeGitHub) -> None:
    wide = "🦄" * 500
    script = f'for i in $(seq 1 400); do echo "$i {wide}"; done\nexit 1\n'
    other = tmp_path / "other.sh"
    other.write_text(script)
    plan = plan_text(HOSTILE_VERIFY).replace(
        "`test -f infra/store.txt && echo store ready`", f'`sh "{other}"`'
    )

    _, run, _ = hostile_gate(
        tmp_path, fake_github, script, plan=plan, inputs={"tail-bytes": "200000"}
    )

    assert run.returncode == 1, run.stderr
    body = checklist_body(fake_github)
    assert len(body.encode("utf-16-le")) // 2 <= COMMENT_LIMIT
    assert decode_state(body) is not None


def test_gigabyte_output_is_bounded(tmp_path: Path, fake_github: FakeGitHub) -> None:
    script = "yes 'filler line of output for the gate' | head -c 1000000000\nexit 1\n"
    script_path = tmp_path / "flood.sh"
    script_path.write_text(script)
    repo = build_gate_repo(tmp_path, plan=plan_text(HOSTILE_VERIFY))
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )
    env["HOSTILE_SCRIPT"] = str(script_path)

    try:
        code, stderr = run_limited(env, repo.path, 60, tmp_path / "stdout.txt")
    finally:
        # The Actions log and the task's log file each get the whole gigabyte.
        (tmp_path / "stdout.txt").unlink(missing_ok=True)
        for log in (tmp_path / "runner_temp").rglob("*.log"):
            log.unlink()

    assert code == 1, stderr
    body = checklist_body(fake_github)
    assert len(body) <= COMMENT_LIMIT
    assert "filler line" in body


# Comment commands -------------------------------------------------------------


def test_lookalike_commands_rejected() -> None:
    known = ["001", "002", "003"]
    for body in (
        "/\u0455pectra rerun all",
        "\uff0fspectra rerun all",
        "/spectr\u0430 rerun all",
        "/SPECTRA\u00a0rerun all",
        "<!--\n/spectra rerun all\n-->",
        "`x\n/spectra rerun all\n`",
        "> /spectra rerun all",
        "<div>\n/spectra rerun all\n</div>",
    ):
        parsed = parse_comment(body, known_ids=known)
        assert parsed.commands == [], body


def test_odd_ids_resolve_or_reject() -> None:
    known = ["001", "002", "003"]
    parsed = parse_comment("/spectra rerun 0001", known_ids=known)
    assert [command.targets for command in parsed.commands] == [["001"]]
    for word in ("1e3", "-1", "\uff11", "\u0661", "0x1", "1.0", "+1", "99999999999999"):
        parsed = parse_comment(f"/spectra rerun {word}", known_ids=known)
        assert parsed.commands == [], word
        assert len(parsed.problems) == 1, word


def test_crlf_commands_parse() -> None:
    parsed = parse_comment(
        "/spectra rerun 003\r\n/spectra help\r\n", known_ids=["001", "003"]
    )

    assert [command.verb.value for command in parsed.commands] == ["rerun", "help"]
    assert parsed.commands[0].targets == ["003"]
    assert parsed.problems == []


def test_thousands_of_commands_one_run(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    setup.flag("001")
    setup.flag("003")
    body = "\n".join(["/spectra rerun 003"] * 5000)

    run = setup.run_comment(body)

    assert run.returncode in (0, 1), run.stderr
    posts = [
        status
        for status in fake_github.statuses(REPO, setup.source.head_sha)
        if status["context"] == "spectra/003"
    ]
    assert len(posts) == 1
    assert any("first 200 lines" in reply for reply in replies(fake_github))


def test_hidden_commands_run_nothing(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    body = (
        "<!--\n/spectra rerun all\n-->\n\n"
        "`code\n/spectra rerun all\n`\n\n"
        "/\u0455pectra rerun all\n"
    )

    run = setup.run_comment(body)

    assert run.returncode == 0, run.stderr
    assert fake_github.statuses(REPO, setup.source.head_sha) == []
    assert replies(fake_github) == []


def test_forged_checklist_edit_inert(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    old = f"{MARKER}\n- [ ] <!-- spectra:rerun:003 --> Rerun 003: x (tick to rerun)\n"
    new = old.replace("- [ ]", "- [x]")
    comment_id = fake_github.add_comment(REPO, PR_NUMBER, new, "maintainer")
    payload = issue_comment_event(
        "edited",
        repo_full_name=REPO,
        number=PR_NUMBER,
        comment_id=comment_id,
        body=new,
        user_login="maintainer",
        api_url=fake_github.url,
        changes_body_from=old,
    )

    run = run_entrypoint(setup.comment_env(payload), setup.workspace)

    assert run.returncode == 0, run.stderr
    assert fake_github.statuses(REPO, setup.source.head_sha) == []
    assert replies(fake_github) == []


def test_reader_tick_runs_nothing(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    setup.flag("001")
    setup.first_run()
    comment = next(
        c for c in fake_github.comments(REPO, PR_NUMBER) if c["body"].startswith(MARKER)
    )
    old = comment["body"]
    line = next(line for line in old.splitlines() if "spectra:rerun:003" in line)
    new = old.replace(line, line.replace("- [ ]", "- [x]", 1))
    payload = issue_comment_event(
        "edited",
        repo_full_name=REPO,
        number=PR_NUMBER,
        comment_id=comment["id"],
        body=new,
        user_login=BOT,
        user_type="Bot",
        api_url=fake_github.url,
        changes_body_from=old,
    )
    payload["sender"] = {**payload["sender"], "login": "reader", "type": "User"}
    before = len(fake_github.statuses(REPO, setup.source.head_sha))

    run = run_entrypoint(setup.comment_env(payload), setup.workspace)

    assert run.returncode == 0, run.stderr
    assert len(fake_github.statuses(REPO, setup.source.head_sha)) == before
    assert any("write permission" in reply for reply in replies(fake_github))
    assert reaction_names(fake_github, comment["id"]) == ["confused"]


# Malformed events and inputs ---------------------------------------------


def bare_env(tmp_path: Path, fake: FakeGitHub, payload: Any) -> dict[str, str]:
    repo = build_gate_repo(tmp_path)
    register_pull(fake, repo)
    env = runner_env(tmp_path, fake, repo, pull_request_payload(fake, repo))
    event = tmp_path / "malformed-event.json"
    if isinstance(payload, bytes):
        event.write_bytes(payload)
    else:
        event.write_text(json.dumps(payload))
    env["GITHUB_EVENT_PATH"] = str(event)
    return env


def assert_clean_failure(run: ActionRun, *words: str) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, run.stderr
    for word in words:
        assert word in run.stderr, run.stderr


def pull_payload(**pull: Any) -> dict[str, Any]:
    base = {
        "number": PR_NUMBER,
        "head": {"sha": "a" * 40, "ref": "feature", "repo": None},
        "base": {"sha": "b" * 40, "ref": "main"},
        "title": "Widgets",
        "body": None,
    }
    base.update(pull)
    return {"action": "opened", "pull_request": base}


def test_missing_event_path(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = bare_env(tmp_path, fake_github, {})
    del env["GITHUB_EVENT_PATH"]

    run = run_entrypoint(env, tmp_path)

    assert_clean_failure(run, "GITHUB_EVENT_PATH")


def test_event_path_is_directory(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = bare_env(tmp_path, fake_github, {})
    env["GITHUB_EVENT_PATH"] = str(tmp_path)

    run = run_entrypoint(env, tmp_path)

    assert_clean_failure(run, "event payload")


def test_event_not_utf8(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = bare_env(tmp_path, fake_github, b'{"action": "\xff\xfe"}')

    run = run_entrypoint(env, tmp_path)

    assert_clean_failure(run, "event payload")


def test_event_number_wrong_type(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = bare_env(tmp_path, fake_github, pull_payload(number="seven"))

    run = run_entrypoint(env, tmp_path)

    assert_clean_failure(run, "number")


def test_event_head_wrong_type(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = bare_env(tmp_path, fake_github, pull_payload(head="feature"))

    run = run_entrypoint(env, tmp_path)

    assert_clean_failure(run, "head")


def test_event_missing_head_sha(tmp_path: Path, fake_github: FakeGitHub) -> None:
    env = bare_env(
        tmp_path, fake_github, pull_payload(head={"ref": "feature", "repo": None})
    )

    run = run_entrypoint(env, tmp_path)

    assert_clean_failure(run, "head")


def test_event_null_head_repo(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    payload = pull_request_payload(fake_github, repo)
    payload["pull_request"]["head"]["repo"] = None
    env = runner_env(tmp_path, fake_github, repo, payload)

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert checklist_body(fake_github).startswith(MARKER)


def test_comment_id_wrong_type(tmp_path: Path, fake_github: FakeGitHub) -> None:
    payload = {
        "action": "created",
        "issue": {"number": PR_NUMBER, "pull_request": {}},
        "comment": {"id": "abc", "body": "/spectra help", "user": {"login": "x"}},
    }
    env = bare_env(tmp_path, fake_github, payload)
    env["GITHUB_EVENT_NAME"] = "issue_comment"

    run = run_entrypoint(env, tmp_path)

    assert_clean_failure(run, "comment")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max-parallel", "0"),
        ("max-parallel", "-3"),
        ("task-timeout", "-5"),
        ("task-timeout", "0"),
        ("task-timeout", "soon"),
        ("task-timeout", "nan"),
        ("report", "sometimes"),
        ("mode", "yolo"),
        ("changed-files", "psychic"),
        ("run-dependents", "maybe"),
        ("tail-lines", "many"),
        ("required-permission", "read"),
        ("tasks", "1e3"),
    ],
)
def test_bad_input_is_named(
    tmp_path: Path, fake_github: FakeGitHub, name: str, value: str
) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        inputs={name: value},
    )

    run = run_entrypoint(env, repo.path)

    assert_clean_failure(run, value)
    assert name in run.stderr


# Configuration and plan files ----------------------------------------------

YAML_BOMB = """\
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
ignore: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def gate_with_files(
    tmp_path: Path, fake: FakeGitHub, files: dict[str, str | bytes], **inputs: str
) -> tuple[GateRepo, dict[str, str]]:
    repo = build_gate_repo(tmp_path)
    for name, content in files.items():
        target = repo.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    repo.head_sha = commit_all(repo.path, "Add hostile files")
    register_pull(fake, repo)
    env = runner_env(
        tmp_path, fake, repo, pull_request_payload(fake, repo), inputs=inputs
    )
    return repo, env


def test_yaml_bomb_fails_fast(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo, env = gate_with_files(
        tmp_path, fake_github, {".github/spectra.yml": YAML_BOMB}
    )

    code, stderr = run_limited(env, repo.path, 6, tmp_path / "stdout.txt")

    assert code == 2
    assert "spectra.yml" in stderr
    assert "Traceback" not in stderr


def test_yaml_anchor_merge_config(tmp_path: Path, fake_github: FakeGitHub) -> None:
    config = "defaults: &defaults\n  unplanned: warning\npolicy:\n  <<: *defaults\n"
    repo, env = gate_with_files(tmp_path, fake_github, {".github/spectra.yml": config})

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "defaults" in run.stderr
    assert latest_states(fake_github, repo.head_sha)["spectra"] == "failure"
    assert "plan gate: error" in checklist_body(fake_github)


def test_binary_plan_is_rejected(tmp_path: Path, fake_github: FakeGitHub) -> None:
    data = bytes(range(256)) * 40
    repo, env = gate_with_files(tmp_path, fake_github, {".spectra/plan.md": data})

    run = run_entrypoint(env, repo.path)

    assert_clean_failure(run, ".spectra/plan.md")
    body = checklist_body(fake_github)
    assert "plan gate: error" in body


def test_plan_symlink_outside_rejected(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = build_gate_repo(tmp_path)
    plan = repo.path / ".spectra" / "plan.md"
    plan.unlink()
    plan.symlink_to("/etc/passwd")
    repo.head_sha = commit_all(repo.path, "Point the plan at /etc/passwd")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert_clean_failure(run, "outside the checkout")
    body = checklist_body(fake_github)
    assert "root:" not in body
    assert "root:" not in run.summary


def test_plan_path_dotdot_rejected(tmp_path: Path, fake_github: FakeGitHub) -> None:
    (tmp_path / "outside.md").write_text(plan_text())
    repo, env = gate_with_files(
        tmp_path, fake_github, {}, **{"plan-path": "../outside.md"}
    )

    run = run_entrypoint(env, repo.path)

    assert_clean_failure(run, "outside the checkout")


def test_config_path_dotdot_rejected(tmp_path: Path, fake_github: FakeGitHub) -> None:
    (tmp_path / "outside.yml").write_text("ignore: ['**']\n")
    repo, env = gate_with_files(
        tmp_path, fake_github, {}, **{"config-path": "../outside.yml"}
    )

    run = run_entrypoint(env, repo.path)

    assert_clean_failure(run, "outside")


def test_template_symlink_rejected(tmp_path: Path, fake_github: FakeGitHub) -> None:
    outside = tmp_path / "private.txt"
    outside.write_text("{{ view.marker }}\nprivate-file-content\n")
    repo = build_gate_repo(tmp_path)
    (repo.path / "comment.j2").symlink_to(outside)
    repo.head_sha = commit_all(repo.path, "Link the template outside")
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        inputs={"template-path": "comment.j2"},
    )

    run = run_entrypoint(env, repo.path)

    bodies = [comment["body"] for comment in fake_github.comments(REPO, PR_NUMBER)]
    assert all("private-file-content" not in body for body in bodies)
    assert run.returncode == 2, run.stderr


def test_direct_output_write_undone(tmp_path: Path, fake_github: FakeGitHub) -> None:
    output = tmp_path / "file_commands" / "output.txt"
    script = (
        f"echo 'pwned=1' >> '{output}'\necho 'result=passed' >> '{output}'\nexit 1\n"
    )

    _, run, _ = hostile_gate(tmp_path, fake_github, script)

    assert run.returncode == 1, run.stderr
    assert "pwned" not in run.outputs
    assert run.outputs["result"] == "failed"


@pytest.mark.xfail(
    strict=True,
    reason="actions.FileCommandGuard restores the file-command files once, right "
    "after the verify commands, so a process that a verify command leaves "
    "running in its own session writes GITHUB_OUTPUT after the restore",
)
def test_late_output_write_undone(tmp_path: Path, fake_github: FakeGitHub) -> None:
    output = tmp_path / "file_commands" / "output.txt"
    started = tmp_path / "writer-started"
    done = tmp_path / "writer-done"
    # The script waits until the writer runs in its own session, so the
    # process group kill at the command's exit cannot race with setsid.
    script = (
        f"setsid sh -c \"touch '{started}'; sleep 2; echo pwned=1 >> '{output}'; "
        f"touch '{done}'\" </dev/null >/dev/null 2>&1 &\n"
        f"while [ ! -e '{started}' ]; do sleep 0.05; done\nexit 1\n"
    )

    hostile_gate(tmp_path, fake_github, script)
    deadline = time.monotonic() + 15
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.1)

    assert done.exists()
    assert "pwned" not in parse_outputs(output.read_text())


# Marker, state and comment ownership -----------------------------------------


def test_mask_cannot_break_marker(tmp_path: Path, fake_github: FakeGitHub) -> None:
    script = (
        "echo '::add-mask::spectra-action'\necho '::add-mask::spectra-state'\nexit 1\n"
    )
    repo, run, env = hostile_gate(tmp_path, fake_github, script)
    assert run.returncode == 1, run.stderr
    first_head = repo.head_sha
    repo.commit({"docs/guide.md": "# Guide\n\nAgain.\n"}, "Edit the guide")
    fake_github.set_head(REPO, PR_NUMBER, repo.head_sha)
    payload = pull_request_payload(
        fake_github, repo, "synchronize", before=first_head, after=repo.head_sha
    )
    env = {**env, "GITHUB_EVENT_PATH": str(write_event(tmp_path, payload))}

    run_entrypoint(env, repo.path)

    bot_comments = [
        comment
        for comment in fake_github.comments(REPO, PR_NUMBER)
        if comment["user"]["login"] == BOT
    ]
    assert len(bot_comments) == 1
    assert bot_comments[0]["body"].startswith(MARKER)
    assert decode_state(bot_comments[0]["body"]) is not None


def test_human_marker_comment_untouched(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = build_gate_repo(tmp_path)
    register_pull(fake_github, repo)
    fake_body = f"{MARKER}\nI wrote this.\n{forged_state(repo.head_sha)}\n"
    human_id = fake_github.add_comment(REPO, PR_NUMBER, fake_body, "octocat")
    env = runner_env(
        tmp_path, fake_github, repo, pull_request_payload(fake_github, repo)
    )

    run = run_entrypoint(env, repo.path)

    assert run.returncode == 1, run.stderr
    comments = {c["id"]: c for c in fake_github.comments(REPO, PR_NUMBER)}
    assert comments[human_id]["body"] == fake_body
    state = decode_state(checklist_body(fake_github))
    assert state is not None
    assert state.tasks["001"].attempts == 1


def test_permission_error_counts_none(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)
    fake_github.inject(
        "GET", r"/collaborators/maintainer/permission", Fault.status(500), times=20
    )
    body = "/spectra rerun all"
    comment_id = fake_github.add_comment(REPO, PR_NUMBER, body, "maintainer")
    payload = issue_comment_event(
        "created",
        repo_full_name=REPO,
        number=PR_NUMBER,
        comment_id=comment_id,
        body=body,
        user_login="maintainer",
        api_url=fake_github.url,
    )
    env = setup.comment_env(payload)
    env["SPECTRA_RETRY_ATTEMPTS"] = "1"

    run = run_entrypoint(env, setup.workspace)

    assert run.returncode == 0, run.stderr
    assert fake_github.statuses(REPO, setup.source.head_sha) == []
    assert any("has none" in reply for reply in replies(fake_github))


def test_problem_reply_is_escaped(tmp_path: Path, fake_github: FakeGitHub) -> None:
    setup = make_setup(tmp_path, fake_github)

    run = setup.run_comment("/spectra x`@octocat<img src=x>`")

    assert run.returncode == 0, run.stderr
    answer = replies(fake_github)
    assert len(answer) == 1
    assert _MENTION.search(rendered_text(answer[0])) is None
    assert foreign_html(answer[0]) == []


# Plan size and redaction cost ---------------------------------------------


def test_oversized_plan_rejected(tmp_path: Path, fake_github: FakeGitHub) -> None:
    plan = plan_text() + ("<!-- padding -->\n" * 400_000)
    repo, env = gate_with_files(tmp_path, fake_github, {".spectra/plan.md": plan})

    run = run_entrypoint(env, repo.path)

    assert_clean_failure(run, ".spectra/plan.md")
    assert "plan gate: error" in checklist_body(fake_github)


def test_many_masks_stay_bounded(tmp_path: Path, fake_github: FakeGitHub) -> None:
    script = (
        "seq 1 40000 | sed 's/^/::add-mask::masked-value-/'\n"
        "seq 1 40000 | sed 's/^/ordinary line /'\nexit 1\n"
    )
    script_path = tmp_path / "masks.sh"
    script_path.write_text(script)
    repo = build_gate_repo(tmp_path, plan=plan_text(HOSTILE_VERIFY))
    register_pull(fake_github, repo)
    env = runner_env(
        tmp_path,
        fake_github,
        repo,
        pull_request_payload(fake_github, repo),
        inputs={"task-timeout": "5s"},
    )
    env["HOSTILE_SCRIPT"] = str(script_path)

    # The limit is a hang guard, not a speed target.
    code, stderr = run_limited(env, repo.path, 10, tmp_path / "stdout.txt")

    assert code == 1, stderr
    assert "masked-value-39999" not in checklist_body(fake_github)
