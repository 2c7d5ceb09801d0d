"""Run the verify commands of plan tasks: scheduling, timeouts, output, redaction.

``run_tasks`` starts each selected task's verify command as ``bash -c`` in
the repository root, in its own process group (see ``procgroup``), as soon
as every selected dependency has passed, with at most ``max_parallel``
commands at once. One thread serves all commands through a selector.

Output of each command (stdout and stderr on one pipe) goes, byte for byte
and unredacted, to ``results_dir/<id>.log`` when ``results_dir`` is set,
or redacted with ``redact_log=True``.
Memory holds only a bounded tail, which is redacted before it is returned.

Streaming layout (``stream=True``), chosen so parallel tasks stay readable in
a GitHub Actions log:

* While tasks run, every output line is printed at once as ``[001] line``.
  Lines of parallel tasks interleave, and the prefix names the task.
* When a task finishes, locally one line ``[001] passed in 3.2s`` follows.
  With ``github_actions=True`` a collapsible group follows instead, titled
  ``Task 001: Title (passed in 3.2s)``, that holds the task's redacted tail
  and the log file path. A task that never ran gets a single line
  ``Task 003: Title (blocked: needs 002, which failed)``.
* With ``github_actions=True`` every line a command printed, live or in a
  tail, sits between ``::stop-commands::TOKEN`` and ``::TOKEN::`` with a fresh
  random token per block, so ``::set-output``, ``::add-mask::`` or ``::error``
  lines printed by a test do nothing. The runner still honours
  ``::add-mask::`` itself: the masked value is redacted from what it prints.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import selectors
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel, Field, PositiveFloat

from spectra_action.plan.models import Plan, Task
from spectra_action.procgroup import POLL_INTERVAL, GroupedProcess
from spectra_action.redact import MASK, OutputScanner, Redactor
from spectra_action.tokens import HIDDEN_NAMES as TOKEN_NAMES

logger = logging.getLogger("spectra_action.runner")

# Variables a verify command must not see: action inputs carry the token,
# and the ACTIONS_* values let a process talk to the runner's services.
# The GITHUB_* file paths are removed too, because a line appended to one of
# those files sets an output, an environment variable or PATH for later steps.
HIDDEN_ENV_NAMES = TOKEN_NAMES | frozenset(
    {
        "GITHUB_ENV",
        "GITHUB_OUTPUT",
        "GITHUB_PATH",
        "GITHUB_STATE",
        "GITHUB_STEP_SUMMARY",
    }
)

# A line longer than this is passed on in pieces, so one endless line
# cannot grow memory.
# NOTE: a secret split between two pieces is not redacted in the streamed
# output or in a redact_log log file. The tail is not affected.
_MAX_LINE_BYTES = 64 * 1024

# Extra tail bytes kept so that a secret cut by the tail's front edge lies
# in the part that is dropped after redaction.
_TAIL_MARGIN = 8 * 1024

# Characters dropped from the front of a redacted tail that is one cut line:
# the cut piece of a secret up to this long lies within them.
_FRONT_GUARD = 4 * 1024


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    BLOCKED = "blocked"
    ERROR = "error"


class TaskResult(BaseModel):
    """The result of one task's verify command.

    ``duration`` is in seconds. ``tail`` is the last lines of the output,
    redacted and bounded by ``tail_lines`` and ``tail_bytes``.
    ``output_bytes`` is the count of every byte the command printed.
    """

    task_id: str
    outcome: Outcome
    exit_code: int | None = None
    duration: float = 0.0
    tail: str = ""
    log_path: str | None = None
    message: str = ""
    blocked_by: list[str] = Field(default_factory=list)
    output_bytes: int = 0


def _default_parallel() -> int:
    return os.cpu_count() or 1


class RunSettings(BaseModel):
    """Limits and output options for one ``run_tasks`` call (times in seconds).

    ``timeouts`` overrides ``timeout`` per task id. ``env_deny`` names extra
    environment variables removed from every verify command's environment.
    ``redact_log`` writes log files redacted instead of byte for byte. Set it
    when ``results_dir`` is uploaded, because a raw log can contain secrets.
    """

    max_parallel: int = Field(default_factory=_default_parallel, ge=1)
    timeout: PositiveFloat = 1200.0
    timeouts: dict[str, PositiveFloat] = Field(default_factory=dict)
    kill_grace: float = Field(default=5.0, ge=0)
    tail_lines: int = Field(default=200, ge=0)
    tail_bytes: int = Field(default=32768, ge=0)
    results_dir: Path | None = None
    stream: bool = False
    github_actions: bool = False
    env_deny: list[str] = Field(default_factory=list)
    redact_log: bool = False

    def timeout_for(self, task_id: str) -> float:
        return self.timeouts.get(task_id, self.timeout)


def verify_environment(
    base: Mapping[str, str], task: Task, *, deny: Iterable[str] = ()
) -> dict[str, str]:
    """Build a verify command's environment: base minus secrets, plus task info.

    Removes ``HIDDEN_ENV_NAMES``, every ``INPUT_*`` variable and the names in
    deny. Sets ``SPECTRA_TASK_ID``, ``SPECTRA_TASK_TITLE`` and ``CI=true``.
    """
    denied = HIDDEN_ENV_NAMES | set(deny)
    env = {
        name: value
        for name, value in base.items()
        if name not in denied and not name.upper().startswith("INPUT_")
    }
    env["SPECTRA_TASK_ID"] = task.id
    env["SPECTRA_TASK_TITLE"] = task.title
    env["CI"] = "true"
    return env


def run_tasks(
    plan: Plan,
    task_ids: Sequence[str],
    *,
    cwd: Path,
    settings: RunSettings,
    env: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
) -> dict[str, TaskResult]:
    """Run the verify commands of task_ids and return results in task_ids order.

    env is the base environment (default ``os.environ``). The default
    redactor hides the secret-looking values of that base environment.
    Dependencies outside task_ids are ignored. Bad tasks (unknown id, no
    verify command, no bash, a dependency cycle) get ``Outcome.ERROR``.
    """
    base_env = dict(os.environ if env is None else env)
    order = list(dict.fromkeys(task_ids))
    scheduler = _Scheduler(
        plan,
        order,
        cwd=cwd,
        settings=settings,
        env=base_env,
        redactor=redactor if redactor is not None else Redactor(base_env),
    )
    results = scheduler.run()
    return {task_id: results[task_id] for task_id in order}


def format_duration(seconds: float, *, whole: bool = False) -> str:
    """Format seconds as ``3.2s``, ``1m 30s``, ``20m`` or ``1h 5m``.

    With whole=True a whole number of seconds drops its decimal (``5s``), as
    suits a configured limit.
    """
    if seconds < 60:
        text = f"{seconds:.1f}"
        return (text.removesuffix(".0") if whole else text) + "s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(hours, "h"), (minutes, "m"), (secs, "s")]
    if hours:
        parts = parts[:2]
    return " ".join(f"{value}{unit}" for value, unit in parts if value)


def describe(result: TaskResult) -> str:
    """Summarize a result in a few words, e.g. ``failed in 1.2s: exited with 2``."""
    duration = format_duration(result.duration)
    if result.outcome is Outcome.PASSED:
        return f"passed in {duration}"
    if result.outcome is Outcome.FAILED:
        return f"failed in {duration}: {result.message}"
    if result.outcome is Outcome.ERROR:
        return f"error: {result.message}"
    return result.message


class _OutputCapture:
    """One command's output: the log file, a bounded tail and whole-line blocks.

    With log_redactor the log receives redacted, UTF-8 decoded line blocks
    in place of the raw bytes.
    """

    def __init__(
        self,
        *,
        log: BinaryIO | None,
        tail_bytes: int,
        on_lines: Callable[[bytes], None],
        log_redactor: Redactor | None = None,
    ) -> None:
        self.total = 0
        self._log = log
        self._log_redactor = log_redactor
        self._on_lines = on_lines
        self._keep = tail_bytes + _TAIL_MARGIN
        self._tail = bytearray()
        self._trimmed = False
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self._log_redactor is None:
            self._write_log(chunk)
        self._keep_tail(chunk)
        self._split_lines(self._partial + chunk if self._partial else chunk)

    def close(self) -> None:
        if self._partial:
            self._emit(self._partial)
            self._partial = b""
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, redactor: Redactor, max_lines: int, max_bytes: int) -> str:
        """Return the redacted tail, at most max_lines lines and max_bytes bytes."""
        text = self._tail.decode("utf-8", errors="replace")
        if not self._trimmed:
            return _bound_tail(redactor.redact(text), max_lines, max_bytes)
        if "\n" in text:
            # Dropping the cut first line leaves only whole lines to redact.
            text = text[text.index("\n") + 1 :]
            return _bound_tail(redactor.redact(text), max_lines, max_bytes)
        # Cutting before redaction could split another secret, so cut after.
        text = redactor.redact(text)[_FRONT_GUARD:]
        return _bound_tail(text, max_lines, max_bytes)

    def _keep_tail(self, chunk: bytes) -> None:
        if len(chunk) >= self._keep:
            self._trimmed = self._trimmed or self.total > self._keep
            self._tail = bytearray(chunk[-self._keep :])
            return
        self._tail += chunk
        if len(self._tail) > 2 * self._keep:
            del self._tail[: len(self._tail) - self._keep]
            self._trimmed = True

    def _split_lines(self, data: bytes) -> None:
        end = data.rfind(b"\n") + 1
        if end:
            self._emit(data[:end])
            data = data[end:]
        if len(data) > _MAX_LINE_BYTES:
            self._emit(data)
            data = b""
        self._partial = data

    def _emit(self, block: bytes) -> None:
        # The handler scans for masks first, so the log hides a value from
        # the very line that masks it.
        self._on_lines(block)
        if self._log_redactor is not None:
            text = block.decode("utf-8", errors="replace")
            self._write_log(self._log_redactor.redact(text).encode("utf-8"))

    def _write_log(self, chunk: bytes) -> None:
        if self._log is None:
            return
        try:
            self._log.write(chunk)
        except OSError as exc:
            logger.warning("stopped writing %s: %s", self._log.name, exc)
            self._log.close()
            self._log = None


def _bound_tail(text: str, max_lines: int, max_bytes: int) -> str:
    text = _last_lines(text, max_lines)
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    cut = encoded[len(encoded) - max_bytes :]
    at_line_start = encoded[len(encoded) - max_bytes - 1] == ord("\n")
    text = cut.decode("utf-8", errors="ignore")
    newline = text.find("\n", 0, len(text) - 1)
    if not at_line_start and newline >= 0:
        text = text[newline + 1 :]
    return text


def _last_lines(text: str, count: int) -> str:
    if count == 0:
        return ""
    position = len(text) - 1 if text.endswith("\n") else len(text)
    for _ in range(count):
        position = text.rfind("\n", 0, position)
        if position < 0:
            return text
    return text[position + 1 :]


class _StreamPrinter:
    """Prints verify output to stdout in the layout the module docstring shows."""

    def __init__(self, *, github_actions: bool) -> None:
        self._github_actions = github_actions
        self._token: str | None = None

    def live(self, task_id: str, text: str) -> None:
        if not text:
            return
        prefix = f"[{task_id}] "
        body = prefix + text.removesuffix("\n").replace("\n", "\n" + prefix)
        self._write_untrusted(body + "\n")

    def finished(self, task: Task | None, result: TaskResult) -> None:
        summary = describe(result)
        if not self._github_actions:
            self._write(f"[{result.task_id}] {summary}\n")
            return
        self._end_untrusted()
        title = _one_line(task.title) if task is not None else "(not in the plan)"
        heading = f"Task {_one_line(result.task_id)}: {title} ({_one_line(summary)})"
        if result.outcome in (Outcome.BLOCKED, Outcome.ERROR):
            self._write(heading + "\n")
            return
        self._write(f"::group::{heading}\n")
        tail = result.tail or "(no output)\n"
        self._write_untrusted(tail if tail.endswith("\n") else tail + "\n")
        self._end_untrusted()
        if result.log_path is not None:
            self._write(f"Full log: {result.log_path}\n")
        self._write("::endgroup::\n")

    def close(self) -> None:
        self._end_untrusted()

    def _write_untrusted(self, text: str) -> None:
        if self._github_actions:
            if self._token is None:
                self._token = secrets.token_hex(16)
                self._write(f"::stop-commands::{self._token}\n")
            # A command cannot know the token, but make sure it cannot end
            # the block even if the token leaks to it.
            text = text.replace(self._token, MASK)
        self._write(text)

    def _end_untrusted(self) -> None:
        if self._token is not None:
            self._write(f"::{self._token}::\n")
            self._token = None

    def _write(self, text: str) -> None:
        stream = sys.stdout
        encoding = getattr(stream, "encoding", None) or "utf-8"
        if encoding.lower().replace("-", "") != "utf8":
            text = text.encode(encoding, errors="replace").decode(encoding)
        stream.write(text)
        stream.flush()


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", text)


class _Running:
    """A started task: its process, output capture and log path."""

    def __init__(
        self, task: Task, process: GroupedProcess, capture: _OutputCapture, limit: float
    ) -> None:
        self.task = task
        self.process = process
        self.capture = capture
        self.limit = limit
        self.log_path: Path | None = None
        self.registered = True


class _Scheduler:
    def __init__(
        self,
        plan: Plan,
        task_ids: list[str],
        *,
        cwd: Path,
        settings: RunSettings,
        env: dict[str, str],
        redactor: Redactor,
    ) -> None:
        self._plan = plan
        self._selected = set(task_ids)
        self._pending = list(task_ids)
        self._cwd = cwd
        self._settings = settings
        self._env = env
        self._redactor = redactor
        self._results: dict[str, TaskResult] = {}
        self._results_changed = True
        self._running: dict[str, _Running] = {}
        self._selector = selectors.DefaultSelector()
        self._printer = (
            _StreamPrinter(github_actions=settings.github_actions)
            if settings.stream
            else None
        )

    def run(self) -> dict[str, TaskResult]:
        try:
            while self._pending or self._running:
                # Only a new result can unblock or block a pending task, and
                # reads of busy output pipes would otherwise rescan them all.
                if self._results_changed:
                    self._results_changed = False
                    self._start_ready()
                if self._running:
                    self._wait()
                elif self._pending:
                    self._reject_cycle()
        finally:
            self._abort_running()
            self._selector.close()
            if self._printer is not None:
                self._printer.close()
        return self._results

    # Scheduling

    def _start_ready(self) -> None:
        changed = True
        while changed:
            changed = False
            for task_id in list(self._pending):
                failed = self._failed_dependencies(task_id)
                if failed:
                    self._pending.remove(task_id)
                    self._record(self._blocked_result(task_id, failed))
                    changed = True
                elif self._is_ready(task_id) and self._has_free_slot():
                    self._pending.remove(task_id)
                    self._start(task_id)
                    changed = True

    def _selected_dependencies(self, task_id: str) -> list[str]:
        task = self._plan.task(task_id)
        if task is None:
            return []
        return [dep for dep in task.dependencies if dep in self._selected]

    def _failed_dependencies(self, task_id: str) -> list[str]:
        return [
            dep
            for dep in self._selected_dependencies(task_id)
            if dep in self._results and self._results[dep].outcome is not Outcome.PASSED
        ]

    def _is_ready(self, task_id: str) -> bool:
        return all(dep in self._results for dep in self._selected_dependencies(task_id))

    def _has_free_slot(self) -> bool:
        return len(self._running) < self._settings.max_parallel

    def _blocked_result(self, task_id: str, failed: list[str]) -> TaskResult:
        reasons = ", and ".join(
            f"{dep}, which {_PAST_TENSE[self._results[dep].outcome]}" for dep in failed
        )
        return TaskResult(
            task_id=task_id,
            outcome=Outcome.BLOCKED,
            message=f"blocked: needs {reasons}",
            blocked_by=failed,
        )

    def _reject_cycle(self) -> None:
        stuck = ", ".join(self._pending)
        message = (
            f"not run: the dependencies of tasks {stuck} form a cycle; "
            "fix their Dependencies in the plan"
        )
        for task_id in self._pending:
            self._record(_error(task_id, message))
        self._pending.clear()

    # Starting a command

    def _start(self, task_id: str) -> None:
        task = self._plan.task(task_id)
        if task is None:
            message = f"task {task_id} is not in the plan {self._plan.path}"
            self._record(_error(task_id, message + "; check the task id"))
            return
        if task.verify is None or not task.verify.strip():
            message = f"task {task_id} has no verify command"
            self._record(_error(task_id, message + f"; add one in {self._plan.path}"))
            return
        env = verify_environment(self._env, task, deny=self._settings.env_deny)
        path = env.get("PATH", os.defpath)
        bash = shutil.which("bash", path=path)
        if bash is None:
            message = f"bash not found on PATH {path!r}; install bash or fix PATH"
            self._record(_error(task_id, message))
            return
        try:
            running = self._spawn(task, [bash, "-c", task.verify], env)
        except OSError as exc:
            self._record(_error(task_id, f"could not start the verify command: {exc}"))
            return
        self._running[task_id] = running
        self._selector.register(running.process, selectors.EVENT_READ, running)
        logger.info("task %s started: %s", task_id, task.verify)

    def _spawn(self, task: Task, argv: list[str], env: dict[str, str]) -> _Running:
        log_path = self._log_path(task.id)
        log = log_path.open("wb") if log_path is not None else None
        capture = _OutputCapture(
            log=log,
            tail_bytes=self._settings.tail_bytes,
            on_lines=self._line_handler(task.id),
            log_redactor=self._redactor if self._settings.redact_log else None,
        )
        limit = self._settings.timeout_for(task.id)
        try:
            process = GroupedProcess(
                argv,
                cwd=self._cwd,
                env=env,
                timeout=limit,
                kill_grace=self._settings.kill_grace,
                on_output=capture.feed,
            )
        except OSError:
            capture.close()
            raise
        running = _Running(task, process, capture, limit)
        running.log_path = log_path
        return running

    def _log_path(self, task_id: str) -> Path | None:
        results_dir = self._settings.results_dir
        if results_dir is None:
            return None
        results_dir.mkdir(parents=True, exist_ok=True)
        return results_dir / (re.sub(r"[^A-Za-z0-9._-]", "_", task_id) + ".log")

    def _line_handler(self, task_id: str) -> Callable[[bytes], None]:
        scanner = OutputScanner(self._redactor)
        printer = self._printer

        def handle(block: bytes) -> None:
            scanner.feed(block)
            if printer is not None:
                text = block.decode("utf-8", errors="replace")
                printer.live(task_id, self._redactor.redact(text))

        return handle

    # Waiting for commands

    def _wait(self) -> None:
        now = time.monotonic()
        next_event = min(r.process.next_event() for r in self._running.values())
        timeout = min(max(next_event - now, 0.0), POLL_INTERVAL)
        for key, _events in self._selector.select(timeout):
            running: _Running = key.data
            running.process.read()
            if running.process.eof:
                self._unregister(running)
        now = time.monotonic()
        for running in list(self._running.values()):
            if running.process.advance(now):
                self._complete(running)

    def _unregister(self, running: _Running) -> None:
        if running.registered:
            self._selector.unregister(running.process)
            running.registered = False

    def _complete(self, running: _Running) -> None:
        self._unregister(running)
        running.process.close()
        running.capture.close()
        del self._running[running.task.id]
        self._record(self._finished_result(running))

    def _finished_result(self, running: _Running) -> TaskResult:
        process = running.process
        code = process.returncode
        if process.timed_out:
            outcome = Outcome.TIMED_OUT
            message = f"timed out after {format_duration(running.limit, whole=True)}"
        elif code == 0:
            outcome, message = Outcome.PASSED, "exited with 0"
        else:
            outcome, message = Outcome.FAILED, _exit_message(code)
        settings = self._settings
        finished_at = process.finished_at or time.monotonic()
        return TaskResult(
            task_id=running.task.id,
            outcome=outcome,
            exit_code=code,
            duration=finished_at - process.started,
            tail=running.capture.tail(
                self._redactor, settings.tail_lines, settings.tail_bytes
            ),
            log_path=str(running.log_path) if running.log_path else None,
            message=message,
            output_bytes=running.capture.total,
        )

    def _record(self, result: TaskResult) -> None:
        self._results[result.task_id] = result
        self._results_changed = True
        logger.info("task %s %s", result.task_id, describe(result))
        if self._printer is not None:
            self._printer.finished(self._plan.task(result.task_id), result)

    def _abort_running(self) -> None:
        for running in self._running.values():
            logger.warning("killing task %s: the run was aborted", running.task.id)
            self._unregister(running)
            running.process.kill()
            running.capture.close()
        self._running.clear()


_PAST_TENSE = {
    Outcome.PASSED: "passed",
    Outcome.FAILED: "failed",
    Outcome.TIMED_OUT: "timed out",
    Outcome.BLOCKED: "was blocked",
    Outcome.ERROR: "could not run",
}


def _error(task_id: str, message: str) -> TaskResult:
    return TaskResult(task_id=task_id, outcome=Outcome.ERROR, message=message)


def _exit_message(code: int | None) -> str:
    if code is None or code >= 0:
        return f"exited with {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return f"killed by {name}"
