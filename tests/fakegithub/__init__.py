"""A faithful local fake of GitHub's REST API and webhook payloads for tests."""

from __future__ import annotations

from .faults import Fault
from .payloads import (
    InvalidPayloadError,
    issue_comment_event,
    pull_request_event,
    write_event,
)
from .server import DEFAULT_TOKEN, FakeGitHub, RequestRecord, Violation
from .state import ChangedFile

__all__ = [
    "DEFAULT_TOKEN",
    "ChangedFile",
    "FakeGitHub",
    "Fault",
    "InvalidPayloadError",
    "RequestRecord",
    "Violation",
    "issue_comment_event",
    "pull_request_event",
    "write_event",
]
