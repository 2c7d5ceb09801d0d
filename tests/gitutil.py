"""Helpers that build real git repositories for tests with the real ``git`` binary."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# A fixed identity and no system or global config keep commits independent of
# the developer's own git configuration.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
}


def run_git(cwd: Path | str, *args: str) -> str:
    """Run ``git args`` in ``cwd`` and return its stdout without the final newline.

    Raises ``subprocess.CalledProcessError`` (with stderr attached) when git fails.
    """
    env = {**os.environ, **_GIT_ENV}
    completed = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise subprocess.CalledProcessError(
            completed.returncode,
            completed.args,
            output=completed.stdout,
            stderr=completed.stderr,
        )
    return completed.stdout.rstrip("\n")


def init_repo(path: Path) -> Path:
    """Create an empty repository on branch ``main`` at ``path`` and return the path."""
    path.mkdir(parents=True, exist_ok=True)
    run_git(path, "init", "--quiet", "--initial-branch=main")
    run_git(path, "config", "user.name", "Test Author")
    run_git(path, "config", "user.email", "author@example.com")
    run_git(path, "config", "commit.gpgsign", "false")
    return path


def commit_all(path: Path, message: str) -> str:
    """Stage every change under ``path``, commit it and return the new commit sha.

    Empty commits are allowed, so a test can make a new sha without editing files.
    """
    run_git(path, "add", "--all")
    run_git(path, "commit", "--quiet", "--allow-empty", "-m", message)
    return run_git(path, "rev-parse", "HEAD")
