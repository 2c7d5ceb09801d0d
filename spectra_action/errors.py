"""Exception types that carry an expected failure to the command line."""

from __future__ import annotations


class SpectraError(Exception):
    """An expected failure with a message that names the value and the fix.

    ``exit_code`` is the process exit code the command line uses for it.
    """

    exit_code = 2


class PlanError(SpectraError):
    """The plan file cannot be read or is not a plan at all."""

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        location = f"{path}:{line}" if line else path
        super().__init__(f"{location}: {message}")
        self.path = path
        self.line = line


class ConfigError(SpectraError):
    """The configuration file or an action input is invalid."""


class GitError(SpectraError):
    """A git command failed on the checkout."""
