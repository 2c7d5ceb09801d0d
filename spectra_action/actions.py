"""Writes to the GitHub Actions runner: workflow commands on stdout, step
outputs, the job summary and ``safe.directory``.

Escaping follows the Actions toolkit: ``%``, CR and LF in messages, and
additionally ``:`` and ``,`` in command properties.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

logger = logging.getLogger("spectra_action.actions")

# The runner keeps at most 10 annotations of each type per step and cuts
# each message at 4096 characters.
ANNOTATIONS_PER_TYPE = 10
ANNOTATION_MESSAGE_LIMIT = 4096


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """Return one workflow command line such as ``::error file=a,line=3::msg``."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    head = f"::{name} {props}" if props else f"::{name}"
    return f"{head}::{escape_data(message)}"


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    title: str | None = None,
) -> str:
    if len(message) > ANNOTATION_MESSAGE_LIMIT:
        message = message[: ANNOTATION_MESSAGE_LIMIT - 1] + "…"
    return command(level, message, file=file, line=line, title=title)


def emit(line: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(line + "\n")
    out.flush()


def write_outputs(path: str | None, outputs: Mapping[str, str]) -> None:
    """Append step outputs to ``$GITHUB_OUTPUT`` in the multi-line-safe form.

    Each value gets a fresh random delimiter, as the toolkit does, so no
    value can end its own block early.
    """
    if not path:
        return
    chunks = []
    for name, value in outputs.items():
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        if delimiter in value or delimiter in name:
            raise AssertionError("unreachable: a random delimiter occurs in a value")
        chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("".join(chunks))


def write_summary(path: str | None, markdown_text: str) -> None:
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown_text)
        if not markdown_text.endswith("\n"):
            handle.write("\n")


def mark_safe_directory(workspace: Path) -> None:
    """Let git work in the workspace although another user owns it.

    The runner checks the repository out as its own user and starts the
    container as root, and git refuses a repository owned by someone else
    ("detected dubious ownership"). Only the workspace itself is marked.
    """
    path = str(workspace.resolve())
    listed = subprocess.run(
        ["git", "config", "--global", "--get-all", "safe.directory"],
        capture_output=True,
        text=True,
        check=False,
    )
    if path in listed.stdout.splitlines():
        return
    result = subprocess.run(
        ["git", "config", "--global", "--add", "safe.directory", path],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        logger.warning(
            "Could not mark %s as a git safe.directory: %s", path, result.stderr.strip()
        )


_FILE_COMMAND_VARIABLES = (
    "GITHUB_OUTPUT",
    "GITHUB_ENV",
    "GITHUB_PATH",
    "GITHUB_STATE",
    "GITHUB_STEP_SUMMARY",
)
# Files larger than this at the start are left alone rather than copied.
_GUARD_LIMIT = 4 * 1024 * 1024


class FileCommandGuard:
    """Undo what verify commands write into the runner's file-command files.

    The variables naming these files are removed from a verify command's
    environment, but in a Docker action the files sit in a mounted folder
    (``/github/file_commands``) that a command could find anyway and use to
    set outputs or environment variables for later steps. The guard copies
    every file in those folders before the commands run and puts the copies
    back afterwards.
    """

    def __init__(self, snapshot: dict[Path, bytes]) -> None:
        self._snapshot = snapshot

    @classmethod
    def capture(cls, env: Mapping[str, str]) -> FileCommandGuard:
        folders = {
            Path(env[name]).parent for name in _FILE_COMMAND_VARIABLES if env.get(name)
        }
        snapshot: dict[Path, bytes] = {}
        for folder in folders:
            try:
                entries = list(folder.iterdir())
            except OSError:
                continue
            for path in entries:
                try:
                    regular = path.is_file() and not path.is_symlink()
                    if regular and path.stat().st_size <= _GUARD_LIMIT:
                        snapshot[path] = path.read_bytes()
                except OSError:
                    continue
        return cls(snapshot)

    def restore(self) -> list[str]:
        """Put back every changed file; return the names of those changed."""
        changed = []
        for path, content in self._snapshot.items():
            try:
                if path.read_bytes() == content:
                    continue
                path.write_bytes(content)
            except OSError as error:
                logger.warning("Could not restore %s: %s", path, error)
                continue
            changed.append(path.name)
        if changed:
            logger.warning(
                "A verify command wrote to the runner's file-command files %s; "
                "its changes were undone.",
                ", ".join(sorted(changed)),
            )
        return changed
