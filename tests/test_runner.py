from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spectra_action.plan.models import Plan, Task
from spectra_action.redact import MASK, OutputScanner, Redactor
from spectra_action.runner import (
    Outcome,
    RunSettings,
    TaskResult,
    _OutputCapture,
    format_duration,
    run_tasks,
    verify_environment,
)

FAKE_TOKEN = "ghp_" + "T0k3n" * 7 + "x"


def _task(task_id: str, verify: str | None, *deps: str, title: str = "") -> Task:
    return Task(
        id=task_id,
        title=title or f"Task {task_id}",
        line=1,
        verify=verify,
        dependencies=list(deps),
    )


def _plan(*tasks: Task) -> Plan:
    return Plan(path=".spectra/plan.md", tasks=list(tasks))


def _run(
    plan: Plan,
    cwd: Path,
    *,
    ids: list[str] | None = None,
    env: dict[str, str] | None = None,
    redactor: Redactor | None = None,
    **settings: object,
) -> dict[str, TaskResult]:
    task_ids = ids if ids is not None else plan.task_ids
    return run_tasks(
        plan,
        task_ids,
        cwd=cwd,
        settings=RunSettings.model_validate(settings),
        env=env,
        redactor=redactor,
    )


def _process_gone(pid: int, wait: float = 5.0) -> bool:
    """Tell whether pid has exited (a zombie counts as exited) within wait seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def pid_files(tmp_path: Path) -> Iterator[Path]:
    """Return a folder for pid files; kill every pid written there at teardown."""
    folder = tmp_path / "pids"
    folder.mkdir()
    yield folder
    for pid_file in folder.iterdir():
        text = pid_file.read_text().strip()
        if text:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(text), signal.SIGKILL)


def _read_pid(path: Path) -> int:
    return int(path.read_text().strip())


def _intervals(folder: Path) -> list[tuple[int, int]]:
    spans = []
    for path in sorted(folder.glob("*.times")):
        stamps = dict(line.split() for line in path.read_text().splitlines())
        spans.append((int(stamps["start"]), int(stamps["end"])))
    return spans


def _max_overlap(spans: list[tuple[int, int]]) -> int:
    events = sorted(
        [(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans]
    )
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def _timed(folder: Path, name: str, body: str) -> str:
    log = folder / f"{name}.times"
    return (
        f'echo "start $(date +%s%N)" >> {log}; {body}; '
        f'echo "end $(date +%s%N)" >> {log}'
    )


# Scheduling


def test_runner_chain_middle_fails(tmp_path: Path) -> None:
    plan = _plan(
        _task("001", "true"),
        _task("002", "exit 3", "001"),
        _task("003", "touch ran-003", "002"),
        _task("004", "echo independent"),
    )
    results = _run(plan, tmp_path)
    assert results["001"].outcome is Outcome.PASSED
    assert results["002"].outcome is Outcome.FAILED
    assert results["002"].exit_code == 3
    assert results["002"].message == "exited with 3"
    assert results["003"].outcome is Outcome.BLOCKED
    assert results["003"].blocked_by == ["002"]
    assert results["003"].message == "blocked: needs 002, which failed"
    assert not (tmp_path / "ran-003").exists()
    assert results["004"].outcome is Outcome.PASSED
    assert results["004"].tail == "independent\n"


def test_runner_blocked_propagates(tmp_path: Path) -> None:
    plan = _plan(
        _task("001", "false"),
        _task("002", "true", "001"),
        _task("003", "true", "002"),
    )
    results = _run(plan, tmp_path)
    assert results["003"].outcome is Outcome.BLOCKED
    assert results["003"].message == "blocked: needs 002, which was blocked"


def test_runner_blocked_names_every_failure(tmp_path: Path) -> None:
    plan = _plan(
        _task("001", "false"),
        _task("002", "true", "001"),
        _task("003", "true", "001", "002"),
    )
    results = _run(plan, tmp_path)
    assert results["003"].blocked_by == ["001", "002"]
    expected = "blocked: needs 001, which failed, and 002, which was blocked"
    assert results["003"].message == expected


def test_runner_blocks_without_waiting(tmp_path: Path) -> None:
    plan = _plan(
        _task("001", "false"),
        _task("002", "sleep 5"),
        _task("003", "true", "001", "002"),
    )
    results = _run(plan, tmp_path, timeouts={"002": 1}, kill_grace=0)
    assert results["003"].blocked_by == ["001"]
    assert results["002"].outcome is Outcome.TIMED_OUT


def test_runner_results_in_request_order(tmp_path: Path) -> None:
    plan = _plan(_task("001", "sleep 0.3"), _task("002", "true"), _task("003", "true"))
    results = _run(plan, tmp_path, ids=["003", "001", "002"], max_parallel=3)
    assert list(results) == ["003", "001", "002"]


def test_runner_duplicate_ids_run_once(tmp_path: Path) -> None:
    plan = _plan(_task("001", "echo x >> count"))
    results = _run(plan, tmp_path, ids=["001", "001"])
    assert list(results) == ["001"]
    assert (tmp_path / "count").read_text() == "x\n"


def test_runner_ignores_unselected_dependency(tmp_path: Path) -> None:
    plan = _plan(_task("001", "false"), _task("002", "true", "001"))
    results = _run(plan, tmp_path, ids=["002"])
    assert results["002"].outcome is Outcome.PASSED


def test_runner_max_parallel_honoured(tmp_path: Path) -> None:
    tasks = [
        _task(f"00{n}", _timed(tmp_path, f"00{n}", "sleep 0.3")) for n in range(1, 7)
    ]
    results = _run(_plan(*tasks), tmp_path, max_parallel=2)
    assert all(r.outcome is Outcome.PASSED for r in results.values())
    spans = _intervals(tmp_path)
    assert len(spans) == 6
    assert _max_overlap(spans) <= 2
    assert _max_overlap(spans) == 2


def test_runner_dependent_starts_early(tmp_path: Path) -> None:
    plan = _plan(
        _task("001", _timed(tmp_path, "001", "sleep 0.1")),
        _task("002", _timed(tmp_path, "002", "true"), "001"),
        _task("003", _timed(tmp_path, "003", "sleep 1.5")),
    )
    _run(plan, tmp_path, max_parallel=2)
    first, second, slow = _intervals(tmp_path)
    assert second[0] >= first[1]
    assert second[0] < slow[1]


def test_runner_cycle_is_error(tmp_path: Path) -> None:
    plan = _plan(
        _task("001", "true", "002"),
        _task("002", "true", "001"),
        _task("003", "true"),
    )
    results = _run(plan, tmp_path)
    assert results["001"].outcome is Outcome.ERROR
    assert results["002"].outcome is Outcome.ERROR
    assert "form a cycle" in results["001"].message
    assert results["003"].outcome is Outcome.PASSED


def test_runner_self_dependency_is_error(tmp_path: Path) -> None:
    results = _run(_plan(_task("001", "true", "001")), tmp_path)
    assert results["001"].outcome is Outcome.ERROR


# Errors that stop a task from starting


def test_runner_missing_verify_error(tmp_path: Path) -> None:
    plan = _plan(_task("001", None), _task("002", "  "), _task("003", "true", "001"))
    results = _run(plan, tmp_path)
    assert results["001"].outcome is Outcome.ERROR
    assert results["001"].message.startswith("task 001 has no verify command")
    assert results["002"].outcome is Outcome.ERROR
    assert results["003"].outcome is Outcome.BLOCKED
    assert results["003"].message == "blocked: needs 001, which could not run"


def test_runner_unknown_task_error(tmp_path: Path) -> None:
    results = _run(_plan(_task("001", "true")), tmp_path, ids=["042"])
    assert results["042"].outcome is Outcome.ERROR
    assert "042 is not in the plan" in results["042"].message


def test_runner_missing_bash_error(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path / "no-such-dir")}
    results = _run(_plan(_task("001", "true")), tmp_path, env=env)
    assert results["001"].outcome is Outcome.ERROR
    assert results["001"].message.startswith("bash not found on PATH")


def test_runner_unwritable_results_dir_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    results = _run(_plan(_task("001", "true")), tmp_path, results_dir=blocker / "x")
    assert results["001"].outcome is Outcome.ERROR
    assert "could not start" in results["001"].message


# Exit codes and timeouts


def test_runner_signal_exit_message(tmp_path: Path) -> None:
    results = _run(_plan(_task("001", "kill -KILL $$")), tmp_path)
    assert results["001"].outcome is Outcome.FAILED
    assert results["001"].message == "killed by SIGKILL"


def test_runner_runs_in_cwd(tmp_path: Path) -> None:
    results = _run(_plan(_task("001", "pwd")), tmp_path)
    assert results["001"].tail == f"{tmp_path}\n"


def test_runner_timeout_kills_grandchild(tmp_path: Path, pid_files: Path) -> None:
    pid_file = pid_files / "grandchild"
    verify = f"sleep 300 & echo $! > {pid_file}; sleep 300"
    results = _run(
        _plan(_task("001", verify)), tmp_path, timeouts={"001": 0.5}, kill_grace=1
    )
    assert results["001"].outcome is Outcome.TIMED_OUT
    assert results["001"].message == "timed out after 0.5s"
    assert _process_gone(_read_pid(pid_file))


def test_runner_timeout_sigterm_ignored(tmp_path: Path, pid_files: Path) -> None:
    pid_file = pid_files / "grandchild"
    verify = f"trap '' TERM; sleep 300 & echo $! > {pid_file}; wait"
    results = _run(_plan(_task("001", verify)), tmp_path, timeout=0.5, kill_grace=0.5)
    assert results["001"].outcome is Outcome.TIMED_OUT
    assert results["001"].duration >= 1.0
    assert _process_gone(_read_pid(pid_file))


def test_runner_timeout_message_minutes(tmp_path: Path) -> None:
    settings = RunSettings(timeout=1200)
    assert settings.timeout_for("001") == 1200
    assert format_duration(settings.timeout_for("001"), whole=True) == "20m"


@pytest.mark.parametrize(
    ("seconds", "whole", "expected"),
    [
        (3.24, False, "3.2s"),
        (0.0004, False, "0.0s"),
        (5.0, True, "5s"),
        (0.5, True, "0.5s"),
        (90, False, "1m 30s"),
        (300, True, "5m"),
        (3900, False, "1h 5m"),
    ],
)
def test_format_duration_table(seconds: float, whole: bool, expected: str) -> None:
    assert format_duration(seconds, whole=whole) == expected


def test_runner_background_holding_pipe(tmp_path: Path, pid_files: Path) -> None:
    pid_file = pid_files / "grandchild"
    verify = f"sleep 300 & echo $! > {pid_file}; echo done"
    results = _run(_plan(_task("001", verify)), tmp_path)
    assert results["001"].outcome is Outcome.PASSED
    assert results["001"].tail == "done\n"
    assert results["001"].duration < 30
    assert _process_gone(_read_pid(pid_file))


def test_runner_background_without_pipe(tmp_path: Path, pid_files: Path) -> None:
    pid_file = pid_files / "grandchild"
    verify = f"sleep 300 > /dev/null 2>&1 & echo $! > {pid_file}"
    results = _run(_plan(_task("001", verify)), tmp_path)
    assert results["001"].outcome is Outcome.PASSED
    assert _process_gone(_read_pid(pid_file))


def test_runner_escaped_session_released(tmp_path: Path, pid_files: Path) -> None:
    pid_file = pid_files / "escaped"
    verify = f"setsid sleep 300 & echo $! > {pid_file}; echo left"
    results = _run(_plan(_task("001", verify)), tmp_path)
    assert results["001"].outcome is Outcome.PASSED
    assert results["001"].tail == "left\n"
    assert results["001"].duration < 30


# Output capture


def test_runner_log_has_every_byte(tmp_path: Path) -> None:
    verify = "printf 'out\\n'; printf 'err\\n' >&2; printf 'no newline'"
    results = _run(_plan(_task("001", verify)), tmp_path, results_dir=tmp_path / "r")
    log_path = results["001"].log_path
    assert log_path == str(tmp_path / "r" / "001.log")
    assert Path(log_path).read_bytes() == b"out\nerr\nno newline"
    assert results["001"].tail == "out\nerr\nno newline"
    assert results["001"].output_bytes == 18


def test_runner_redacted_log(tmp_path: Path) -> None:
    verify = "echo '::add-mask::log-secret-1'; echo 'a log-secret-1 b'; printf end"
    results = _run(
        _plan(_task("001", verify)),
        tmp_path,
        results_dir=tmp_path / "r",
        redact_log=True,
    )
    log = Path(str(results["001"].log_path)).read_text()
    assert log == f"::add-mask::{MASK}\na {MASK} b\nend"


def test_runner_large_output_bounded(tmp_path: Path) -> None:
    size = 17 * 11_764_706  # about 200 MB of whole 17-byte lines
    verify = f"yes 0123456789abcdef | head -c {size}"
    results = _run(
        _plan(_task("001", verify)),
        tmp_path,
        results_dir=tmp_path / "r",
        tail_lines=50,
        tail_bytes=4096,
    )
    result = results["001"]
    assert result.outcome is Outcome.PASSED
    assert result.output_bytes == size
    assert Path(str(result.log_path)).stat().st_size == size
    assert len(result.tail.encode()) <= 4096
    lines = result.tail.splitlines()
    assert len(lines) == 50
    assert set(lines) == {"0123456789abcdef"}


def test_runner_long_line_tail_bounded(tmp_path: Path) -> None:
    verify = "head -c 5000000 /dev/zero | tr '\\0' x"
    results = _run(_plan(_task("001", verify)), tmp_path, tail_bytes=1000)
    tail = results["001"].tail
    assert len(tail.encode()) == 1000
    assert set(tail) == {"x"}
    assert results["001"].output_bytes == 5_000_000


def test_runner_tail_drops_partial_line(tmp_path: Path) -> None:
    verify = "head -c 30000 /dev/zero | tr '\\0' a; printf '\\nlast line\\n'"
    results = _run(_plan(_task("001", verify)), tmp_path, tail_bytes=100)
    assert results["001"].tail == "last line\n"


def _capture_tail(chunks: list[bytes], tail_lines: int, tail_bytes: int) -> str:
    capture = _OutputCapture(log=None, tail_bytes=tail_bytes, on_lines=lambda _: None)
    for chunk in chunks:
        capture.feed(chunk)
    capture.close()
    return capture.tail(Redactor(), tail_lines, tail_bytes)


def test_capture_mask_split_across_chunks() -> None:
    redactor = Redactor()
    scanner = OutputScanner(redactor)
    capture = _OutputCapture(log=None, tail_bytes=100, on_lines=scanner.feed)
    capture.feed(b"first\n::add-mask::split-sec")
    capture.feed(b"ret-value\nlast split-secret-value\n")
    capture.close()
    expected = f"first\n::add-mask::{MASK}\nlast {MASK}\n"
    assert capture.tail(redactor, 10, 100) == expected


def test_capture_cut_secret_hidden() -> None:
    cut_secret = "C" * 64
    other_secret = "S" * 1010
    redactor = Redactor(extra_values=[cut_secret, other_secret])
    capture = _OutputCapture(log=None, tail_bytes=8000, on_lines=lambda _: None)
    # The buffer keeps the last 8000 + 8192 bytes, so its front edge falls
    # in the middle of cut_secret, and the redacted rest is far below 8000.
    capture.feed(b"A" * 100 + cut_secret.encode() + other_secret.encode() * 16)
    capture.close()
    tail = capture.tail(redactor, 10, 8000)
    assert "C" not in tail
    assert "S" not in tail


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.text("abé", max_size=3000), max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=200_000), max_size=8),
    tail_lines=st.integers(min_value=0, max_value=10),
    tail_bytes=st.integers(min_value=0, max_value=500),
)
def test_capture_tail_ignores_chunking(
    lines: list[str], cuts: list[int], tail_lines: int, tail_bytes: int
) -> None:
    data = "\n".join(lines).encode()
    points = sorted({min(cut, len(data)) for cut in cuts})
    chunks = [
        data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)
    ]
    whole = _capture_tail([data], tail_lines, tail_bytes)
    assert _capture_tail([c for c in chunks if c], tail_lines, tail_bytes) == whole
    assert data.decode().endswith(whole)
    assert len(whole.encode()) <= tail_bytes


def test_runner_tail_keeps_whole_characters(tmp_path: Path) -> None:
    verify = "for i in $(seq 2000); do echo 'größe ✓'; done"
    results = _run(_plan(_task("001", verify)), tmp_path, tail_bytes=101)
    tail = results["001"].tail
    assert len(tail.encode()) <= 101
    assert "\ufffd" not in tail
    assert set(tail.splitlines()) == {"größe ✓"}


def test_runner_invalid_utf8_replaced(tmp_path: Path) -> None:
    results = _run(_plan(_task("001", "printf 'a\\xffb\\n'")), tmp_path)
    assert results["001"].tail == "a\ufffdb\n"


def test_runner_tail_lines_zero(tmp_path: Path) -> None:
    results = _run(_plan(_task("001", "echo hidden")), tmp_path, tail_lines=0)
    assert results["001"].tail == ""


# Environment and redaction


def test_runner_hides_parent_token(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GITHUB_TOKEN": FAKE_TOKEN,
        "INPUT_PLAN-PATH": "plan.md",
    }
    verify = (
        'echo "token=${GITHUB_TOKEN:-absent}"; '
        'env | grep -c "^INPUT_" || true; '
        'echo "$SPECTRA_TASK_ID|$SPECTRA_TASK_TITLE|$CI"'
    )
    plan = _plan(_task("001", verify, title="Check env"))
    results = _run(plan, tmp_path, env=env)
    assert results["001"].tail == "token=absent\n0\n001|Check env|true\n"


def test_runner_redacts_fake_credential(tmp_path: Path) -> None:
    env = {**os.environ, "MY_API_KEY": "k-1234567890"}
    verify = 'echo "key $MY_API_KEY"; echo "aws AKIAIOSFODNN7EXAMPLE"'
    results = _run(_plan(_task("001", verify)), tmp_path, env=env)
    assert results["001"].tail == f"key {MASK}\naws {MASK}\n"


def test_runner_mask_hides_lines_after_it(tmp_path: Path) -> None:
    verify = (
        "echo '::add-mask::early-secret-1'; seq 5000; echo 'late early-secret-1 line'"
    )
    results = _run(_plan(_task("001", verify)), tmp_path, tail_lines=2)
    assert results["001"].tail == f"5000\nlate {MASK} line\n"


def test_runner_uses_given_redactor(tmp_path: Path) -> None:
    redactor = Redactor(extra_values=["caller-secret"])
    results = _run(
        _plan(_task("001", "echo caller-secret")), tmp_path, redactor=redactor
    )
    assert results["001"].tail == f"{MASK}\n"


def test_verify_environment_drops_secrets() -> None:
    base = {
        "PATH": "/usr/bin",
        "INPUT_TOKEN": "a",
        "GITHUB_TOKEN": "b",
        "GH_TOKEN": "c",
        "ACTIONS_RUNTIME_TOKEN": "d",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "e",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "f",
        "ACTIONS_RUNTIME_URL": "g",
        "ACTIONS_RESULTS_URL": "h",
        "ACTIONS_CACHE_URL": "i",
        "INPUT_MAX-PARALLEL": "4",
        "input_lower": "j",
        "DEPLOY_KEY": "k",
        "GITHUB_SHA": "abc",
        "GITHUB_ENV": "/github/file_commands/set_env",
        "GITHUB_OUTPUT": "/github/file_commands/set_output",
        "GITHUB_PATH": "/github/file_commands/add_path",
        "GITHUB_STATE": "/github/file_commands/save_state",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
    }
    env = verify_environment(base, _task("007", "true", title="T"), deny=["DEPLOY_KEY"])
    assert env == {
        "PATH": "/usr/bin",
        "GITHUB_SHA": "abc",
        "SPECTRA_TASK_ID": "007",
        "SPECTRA_TASK_TITLE": "T",
        "CI": "true",
    }


def test_verify_environment_keeps_base() -> None:
    base = {"GITHUB_TOKEN": "b", "CI": "false"}
    verify_environment(base, _task("001", "true"))
    assert base == {"GITHUB_TOKEN": "b", "CI": "false"}


def test_runner_env_deny_setting(tmp_path: Path) -> None:
    env = {**os.environ, "DEPLOY_HOOK": "hook"}
    results = _run(
        _plan(_task("001", 'echo "${DEPLOY_HOOK:-gone}"')),
        tmp_path,
        env=env,
        env_deny=["DEPLOY_HOOK"],
    )
    assert results["001"].tail == "gone\n"


# Streaming


_COMMANDS_VERIFY = (
    "echo '::set-output name=gate::open'; "
    "echo '::add-mask::masked-by-test'; "
    "echo 'value masked-by-test'; "
    "echo '::error::injected annotation'"
)


def _outside_stop_commands(output: str) -> tuple[list[str], list[str]]:
    """Split stdout into lines outside stop-commands blocks and the tokens used."""
    outside: list[str] = []
    tokens: list[str] = []
    active: str | None = None
    for line in output.splitlines():
        if active is None:
            match = re.fullmatch(r"::stop-commands::(\S+)", line)
            if match:
                active = match.group(1)
                tokens.append(active)
            else:
                outside.append(line)
        elif line == f"::{active}::":
            active = None
    assert active is None, "a stop-commands block was never closed"
    return outside, tokens


def test_stream_wraps_workflow_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(_task("001", _COMMANDS_VERIFY, title="Commands"))
    results = _run(plan, tmp_path, stream=True, github_actions=True)
    output = capsys.readouterr().out
    outside, tokens = _outside_stop_commands(output)
    assert "[001] ::set-output name=gate::open" in output
    assert "::error::injected annotation" in output
    assert not any("set-output" in line or "::error" in line for line in outside)
    assert not any("add-mask" in line for line in outside)
    assert "masked-by-test" not in output
    assert f"[001] value {MASK}" in output
    assert results["001"].tail.splitlines()[2] == f"value {MASK}"
    assert len(tokens) == len(set(tokens))
    assert all(len(token) >= 32 for token in tokens)


def test_stream_nested_stop_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verify = (
        "echo '::stop-commands::guess'; echo '::guess::'; "
        "echo '::endgroup::'; echo '::error::after resume'; printf '::warning::x'"
    )
    _run(_plan(_task("001", verify)), tmp_path, stream=True, github_actions=True)
    outside, _ = _outside_stop_commands(capsys.readouterr().out)
    assert outside[0].startswith("::group::Task 001: Task 001 (passed in ")
    assert outside[1] == "::endgroup::"
    assert len(outside) == 2


def test_stream_group_per_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(
        _task("001", "echo hello", title="Greets"), _task("002", "false", "001")
    )
    _run(plan, tmp_path, stream=True, github_actions=True, results_dir=tmp_path / "r")
    outside, _ = _outside_stop_commands(capsys.readouterr().out)
    assert outside[0].startswith("::group::Task 001: Greets (passed in ")
    assert outside[1] == f"Full log: {tmp_path / 'r' / '001.log'}"
    assert outside[2] == "::endgroup::"
    assert outside[3].startswith("::group::Task 002: Task 002 (failed in ")
    assert outside[3].endswith(": exited with 1)")


def test_stream_blocked_task_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(_task("001", "false"), _task("002", "true", "001", title="After"))
    _run(plan, tmp_path, stream=True, github_actions=True)
    outside, _ = _outside_stop_commands(capsys.readouterr().out)
    assert outside[-1] == "Task 002: After (blocked: needs 001, which failed)"


def test_stream_local_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(_task("001", "echo one; echo two"))
    _run(plan, tmp_path, stream=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["[001] one", "[001] two"]
    assert lines[2].startswith("[001] passed in ")
    assert len(lines) == 3


def test_stream_off_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(_plan(_task("001", "echo quiet")), tmp_path)
    assert capsys.readouterr().out == ""
