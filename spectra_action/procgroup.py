"""Run one command in its own process group, with a timeout that kills the group.

``GroupedProcess`` blocks for at most 10 ms per call (``kill`` excepted),
so one thread can serve many. The caller waits for its pipe with a
selector, calls ``read`` when the pipe is readable and calls ``advance``
at least every ``POLL_INTERVAL`` seconds. ``advance`` moves the process
through its life:

1. running, until it exits or ``timeout`` passes;
2. on timeout, SIGTERM to the whole group, then SIGKILL ``kill_grace``
   seconds later if any member is left;
3. after the command exits, up to ``LINGER_WAIT`` seconds for the pipe to
   reach end of file, because a backgrounded grandchild may still hold it
   open; then SIGKILL to the group;
4. finished once the pipe reaches end of file, or ``ABANDON_WAIT`` seconds
   after that SIGKILL, when only a process that left the group can still
   hold it. The caller then unregisters the pipe and calls ``close``.

Group members still alive when the process finishes are killed, so no
grandchild outlives its verify command.

NOTE: when this process is PID 1 of a container, as with a plain Docker
ENTRYPOINT, killed grandchildren whose parent already exited stay zombies,
because only PID 1 would reap them. An init such as tini avoids that.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import math
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

logger = logging.getLogger("spectra_action.procgroup")

POLL_INTERVAL = 0.05
LINGER_WAIT = 0.5
ABANDON_WAIT = 2.0

_READ_SIZE = 1 << 20
# Linux default pipes hold 64 KiB. A 1 MiB pipe (the default
# /proc/sys/fs/pipe-max-size) lets one read move 16 times as much output.
_PIPE_SIZE = 1 << 20


def signal_group(pgid: int, sig: int) -> bool:
    """Send sig to every process in group pgid, or return False if there is none.

    Signal 0 only tests whether the group still has members (zombies count).
    """
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        # A member changed its user id; the others still got the signal.
        logger.warning("could not signal every process in group %s", pgid)
    return True


class GroupedProcess:
    """A command started in a new session, with stdout and stderr on one pipe."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        timeout: float,
        kill_grace: float,
        on_output: Callable[[bytes], None],
    ) -> None:
        self._proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self._proc.stdout is not None
        self._pipe = self._proc.stdout
        self._fd = self._pipe.fileno()
        os.set_blocking(self._fd, False)
        _enlarge_pipe(self._fd)

        self.pgid = self._proc.pid
        self.started = time.monotonic()
        self.finished_at: float | None = None
        self.timed_out = False
        self.eof = False
        self._deadline = self.started + timeout
        self._kill_grace = kill_grace
        self._on_output = on_output
        self._exited_at: float | None = None
        self._kill_at: float | None = None
        self._killed_at: float | None = None

    def fileno(self) -> int:
        return self._fd

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode

    def read(self) -> None:
        """Pass the output the pipe contains to on_output, or note end of file."""
        if self.eof:
            return
        try:
            chunk = os.read(self._fd, _READ_SIZE)
        except BlockingIOError:
            return
        if chunk:
            self._on_output(chunk)
            return
        self.eof = True
        # End of file usually means the command is exiting right now, so a
        # short wait saves a whole poll interval per task.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=0.01)

    def next_event(self) -> float:
        """Return the monotonic time at which ``advance`` next has work to do."""
        times = [math.inf]
        if not self.timed_out and self._exited_at is None:
            times.append(self._deadline)
        if self._kill_at is not None and self._killed_at is None:
            times.append(self._kill_at)
        if self._killed_at is not None:
            times.append(self._killed_at + ABANDON_WAIT)
        return min(times)

    def advance(self, now: float) -> bool:
        """Apply the exits, timeouts and kills due by now, and tell if finished."""
        if self.finished_at is not None:
            return True
        self._note_exit(now)
        if self._exited_at is None and not self.timed_out and now >= self._deadline:
            self._start_timeout(now)
        if (
            self._kill_at is not None
            and self._killed_at is None
            and now >= self._kill_at
        ):
            self._kill_group()
            self._killed_at = now
        if self._exited_at is None:
            return False
        if self.eof or self._pipe_abandoned(now):
            self._finish(now)
            return True
        return False

    def kill(self) -> None:
        """Kill the whole group at once and close the pipe, for aborted runs.

        Waits up to 1 s for the command to be reaped.
        """
        signal_group(self.pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=1.0)
        self.close()
        self.finished_at = time.monotonic()

    def close(self) -> None:
        """Close the read end of the output pipe."""
        self._pipe.close()

    def _note_exit(self, now: float) -> None:
        if self._exited_at is not None or self._proc.poll() is None:
            return
        self._exited_at = now
        if not self.eof and self._kill_at is None:
            self._kill_at = now + LINGER_WAIT

    def _start_timeout(self, now: float) -> None:
        self.timed_out = True
        logger.info("SIGTERM to group %s: timed out", self.pgid)
        signal_group(self.pgid, signal.SIGTERM)
        self._kill_at = now + self._kill_grace

    def _kill_group(self) -> None:
        if not signal_group(self.pgid, 0):
            return
        if self.timed_out:
            logger.info("SIGKILL to group %s: still running after SIGTERM", self.pgid)
        else:
            logger.info("SIGKILL to group %s: output pipe open after exit", self.pgid)
        signal_group(self.pgid, signal.SIGKILL)

    def _pipe_abandoned(self, now: float) -> bool:
        if self._killed_at is None or now < self._killed_at + ABANDON_WAIT:
            return False
        logger.warning(
            "closing the output pipe of group %s: a process outside the group "
            "still holds it open",
            self.pgid,
        )
        return True

    def _finish(self, now: float) -> None:
        if signal_group(self.pgid, 0):
            logger.debug("SIGKILL to leftover processes of group %s", self.pgid)
            signal_group(self.pgid, signal.SIGKILL)
        self.finished_at = now


def _enlarge_pipe(fd: int) -> None:
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, set_size, _PIPE_SIZE)
