"""Faults that FakeGitHub can inject into matching requests."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes "
    "before you try again."
)
PRIMARY_RATE_LIMIT_MESSAGE = "API rate limit exceeded for installation ID 1."
READ_ONLY_MESSAGE = "Resource not accessible by integration"


@dataclass(frozen=True)
class Fault:
    """One way to fail a request. Build it with the class methods."""

    kind: str
    code: int | None = None
    seconds: float = 0.0
    message: str = ""

    @classmethod
    def status(cls, code: int, message: str = "Server Error") -> Fault:
        """Respond with ``code`` and a GitHub error body, changing no state."""
        return cls("status", code=code, message=message)

    @classmethod
    def secondary_rate_limit(cls, retry_after: int = 1) -> Fault:
        """Respond 403 with ``Retry-After`` and GitHub's secondary-limit message."""
        return cls(
            "secondary_rate_limit",
            code=403,
            seconds=retry_after,
            message=SECONDARY_RATE_LIMIT_MESSAGE,
        )

    @classmethod
    def primary_rate_limit(cls, reset_in: int = 1) -> Fault:
        """Respond 403 with no quota left and the reset ``reset_in`` seconds away."""
        return cls(
            "primary_rate_limit",
            code=403,
            seconds=reset_in,
            message=PRIMARY_RATE_LIMIT_MESSAGE,
        )

    @classmethod
    def forbidden(cls) -> Fault:
        """Respond 403 with the message GitHub sends to a read-only token."""
        return cls("forbidden", code=403, message=READ_ONLY_MESSAGE)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait ``seconds`` before handling the request normally."""
        return cls("slow", seconds=seconds)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without sending a response or changing state."""
        return cls("drop")


@dataclass
class _Rule:
    method: str | None
    pattern: re.Pattern[str]
    fault: Fault
    remaining: int


@dataclass
class FaultPlan:
    """Injected faults in the order they were added, consumed one use at a time."""

    rules: list[_Rule] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self, method: str | None, path_regex: str, fault: Fault, times: int
    ) -> None:
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        verb = method.upper() if method else None
        with self.lock:
            self.rules.append(_Rule(verb, re.compile(path_regex), fault, times))

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first fault that matches and use up one of its repeats."""
        with self.lock:
            for rule in self.rules:
                if rule.method not in (None, method):
                    continue
                if not rule.pattern.search(path):
                    continue
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.rules.remove(rule)
                return rule.fault
        return None

    def pending(self) -> int:
        with self.lock:
            return sum(rule.remaining for rule in self.rules)
