"""Keep the GitHub token out of the process environment.

Verify commands run as children of the action and can read
``/proc/<parent>/environ``, which shows the environment the action was
started with, whatever the action later removes from ``os.environ``. So
the action starts itself once more without the token and the runner's own
tokens in its environment, and hands the token over through a pipe.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping

logger = logging.getLogger("spectra_action.tokens")

TOKEN_FD_VARIABLE = "SPECTRA_TOKEN_FD"
# Variables the action removes from its own environment before it runs
# anything: the token input, the usual token variables and the runner's
# internal tokens and service addresses, which the action does not use.
HIDDEN_NAMES = frozenset(
    {
        "INPUT_TOKEN",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_RUNTIME_URL",
        "ACTIONS_RESULTS_URL",
        "ACTIONS_CACHE_URL",
    }
)
_TOKEN_LIMIT = 64 * 1024


def needs_reexec(env: Mapping[str, str]) -> bool:
    return TOKEN_FD_VARIABLE not in env and any(name in env for name in HIDDEN_NAMES)


def reexec_without_secrets(argv: list[str]) -> None:
    """Replace this process with one whose environment contains no token.

    The token (``INPUT_TOKEN``, else ``GITHUB_TOKEN``) travels through an
    inherited pipe that the new process reads and closes at once. Returns
    only when the exec fails, after logging why.
    """
    env = dict(os.environ)
    token = env.get("INPUT_TOKEN", "").strip() or env.get("GITHUB_TOKEN", "").strip()
    clean = {name: value for name, value in env.items() if name not in HIDDEN_NAMES}
    read_end, write_end = os.pipe()
    os.write(write_end, token.encode())
    os.close(write_end)
    os.set_inheritable(read_end, True)
    clean[TOKEN_FD_VARIABLE] = str(read_end)
    command = [sys.executable, "-m", "spectra_action", *argv]
    try:
        os.execve(sys.executable, command, clean)
    except OSError as error:
        os.close(read_end)
        logger.warning(
            "Could not restart without the token in the environment (%s); "
            "verify commands might read it from /proc",
            error,
        )


def take_token(env: MutableMapping[str, str]) -> None:
    """Read the token handed over by ``reexec_without_secrets`` into ``env``
    (a plain dict, never ``os.environ``) as ``INPUT_TOKEN``."""
    raw = env.pop(TOKEN_FD_VARIABLE, None)
    if raw is None:
        return
    os.environ.pop(TOKEN_FD_VARIABLE, None)
    try:
        fd = int(raw)
        chunks = []
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
            if sum(map(len, chunks)) > _TOKEN_LIMIT:
                break
        os.close(fd)
    except (ValueError, OSError) as error:
        logger.warning("Could not read the token handed over at start: %s", error)
        return
    token = b"".join(chunks).decode("utf-8", "replace")
    if token:
        env["INPUT_TOKEN"] = token
