"""Hidden run state kept in the checklist comment between runs."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

from pydantic import BaseModel, Field, ValidationError

STATE_PREFIX = "<!-- spectra-state:"
_STATE_RE = re.compile(r"<!-- spectra-state:([A-Za-z0-9+/=]+) -->")
SCHEMA_VERSION = 1


class TaskState(BaseModel):
    """The record earlier runs on a pull request keep for one task."""

    attempts: int = 0
    # A short hash of the task's title when the state was written. An id
    # whose title changed now names another task (a renumbered plan), so its
    # state is dropped. A hash keeps the hidden state small for long titles.
    title: str | None = None
    outcome: str | None = None
    exit_code: int | None = None
    duration: float | None = None
    message: str = ""


class RunState(BaseModel):
    """The state of the checklist comment: the commit it reports on and tasks."""

    schema_version: int = SCHEMA_VERSION
    head_sha: str = ""
    plan_sha256: str = ""
    tasks: dict[str, TaskState] = Field(default_factory=dict)


def title_key(title: str) -> str:
    """Return the short hash under which a task's title is stored."""
    return hashlib.sha256(title.encode()).hexdigest()[:12]


def encode_state(state: RunState) -> str:
    """Return the hidden comment line that stores ``state``.

    The JSON is base64-encoded so that nothing in it can close the HTML
    comment or render as Markdown.
    """
    raw = state.model_dump_json(exclude_defaults=False).encode()
    return f"{STATE_PREFIX}{base64.b64encode(raw).decode()} -->"


def decode_state(body: str) -> RunState | None:
    """Return the state stored in a comment body, or None when there is none
    or it cannot be read (a hand-edited comment is treated as having none)."""
    # The real state line is the last one: the comment renders it after all
    # text taken from plans and output, which is also kept from forming one.
    matches = _STATE_RE.findall(body)
    if not matches:
        return None
    try:
        data = json.loads(base64.b64decode(matches[-1], validate=True))
        state = RunState.model_validate(data)
    except (binascii.Error, ValueError, ValidationError):
        return None
    if state.schema_version != SCHEMA_VERSION:
        return None
    return state
