"""Find the plan tasks a pull request declares it works on.

A pull request can name tasks in its branch name (``spectra/002-audit``), its
title (``[002]`` or ``Task 002``), a label (``spectra:002``) or a body line
(``Spectra-Task: 002, 003``). Each source can be turned off in the
``scoping`` section of the configuration.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from pydantic import BaseModel, Field

from spectra_action.config import ScopingConfig

_ID_SEPARATORS = re.compile(r"[\s,+]+")
_TITLE_BRACKETS = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]")
_TITLE_TASK = re.compile(r"\btask\s+(\d+)\b", re.IGNORECASE)
_LABEL = re.compile(r"spectra\s*:\s*(\d+)", re.IGNORECASE)
_BODY_LINE = re.compile(
    r"^[ \t>*-]*spectra-task[ \t]*:[ \t]*(.+?)[ \t\r]*$", re.IGNORECASE | re.MULTILINE
)
_BODY_ID = re.compile(r"(?:task\s+)?#?(\d+)", re.IGNORECASE)
# Quote and list markers that may precede a body line in markdown.
_BODY_MARKERS = " \t>*-"


class Declaration(BaseModel):
    """Declared task ids, each with every place it was declared.

    ``tasks`` contains ids the plan has, in the plan's form (``002``), and
    ``unknown`` the ids it lacks, so that the caller can warn about them.
    """

    tasks: dict[str, list[str]] = Field(default_factory=dict)
    unknown: dict[str, list[str]] = Field(default_factory=dict)


def normalize_task_id(raw: str) -> str:
    """Return the plan's form of a numeric id: ``"2"`` becomes ``"002"``."""
    return f"{int(raw):03d}"


def declared_tasks(
    *,
    branch: str | None,
    title: str | None,
    labels: Sequence[str],
    body: str | None,
    config: ScopingConfig,
    known_ids: Collection[str],
) -> Declaration:
    """Collect the task ids declared by a pull request from every enabled source.

    Sources are reported as ``branch spectra/002-x``, ``title [002]``,
    ``label spectra:002`` and ``body Spectra-Task: 002``.
    """
    found: list[tuple[str, str]] = []
    if branch and config.branch_pattern:
        found += _from_branch(branch, config.branch_pattern)
    if title and config.title:
        found += _from_title(title)
    if config.labels:
        found += _from_labels(labels)
    if body and config.body:
        found += _from_body(body)
    return _sort(found, set(known_ids))


def _sort(found: Sequence[tuple[str, str]], known: Collection[str]) -> Declaration:
    declaration = Declaration()
    for raw_id, source in found:
        task_id = normalize_task_id(raw_id)
        target = declaration.tasks if task_id in known else declaration.unknown
        sources = target.setdefault(task_id, [])
        if source not in sources:
            sources.append(source)
    return declaration


def _split_ids(text: str) -> list[str]:
    return [part for part in _ID_SEPARATORS.split(text) if part.isdigit()]


def _from_branch(branch: str, pattern: str) -> list[tuple[str, str]]:
    name = branch.removeprefix("refs/heads/")
    match = re.search(pattern, name)
    if match is None or match.group("ids") is None:
        return []
    return [(task_id, f"branch {name}") for task_id in _split_ids(match["ids"])]


def _from_title(title: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for match in _TITLE_BRACKETS.finditer(title):
        found += [(task_id, f"title {match[0]}") for task_id in _split_ids(match[1])]
    for match in _TITLE_TASK.finditer(title):
        found.append((match[1], f"title {match[0]}"))
    return found


def _from_labels(labels: Sequence[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for label in labels:
        match = _LABEL.fullmatch(label.strip())
        if match is not None:
            found.append((match[1], f"label {label.strip()}"))
    return found


def _from_body(body: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for match in _BODY_LINE.finditer(body):
        source = "body " + match[0].rstrip().lstrip(_BODY_MARKERS)
        for part in match[1].split(","):
            id_match = _BODY_ID.fullmatch(part.strip())
            if id_match is not None:
                found.append((id_match[1], source))
    return found
