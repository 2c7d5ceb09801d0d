"""Parse the small value forms plans use: task ids, id lists and path lists."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ID_REFERENCE = re.compile(r"^(?:task\s*)?#?(\d+)$", re.IGNORECASE)
_ARROW = re.compile(r"\s*(?:->|→)\s*")
EMPTY_LIST_WORDS = frozenset({"[]", "(none)", "[none]", "none", "[ ]"})


# One greedy class that cannot contain the colon keeps the match linear in
# the line length, unlike a lazy label followed by optional spaces.
_LABEL = re.compile(r"^([A-Za-z][A-Za-z \t_-]*):(.*)$")


def split_label(text: str) -> tuple[str, str] | None:
    """Split ``Name: value`` into the name and the stripped value."""
    match = _LABEL.match(text)
    if match is None:
        return None
    return match.group(1).rstrip(), match.group(2).strip()


def canonical_id(digits: str) -> str:
    """Return the three-digit form of a task number (``7`` -> ``007``)."""
    return f"{int(digits):03d}"


def id_sort_key(task_id: str) -> int:
    return int(task_id)


def parse_id_reference(token: str) -> str | None:
    """Return the canonical id in ``001``, ``Task 001`` or ``#1``, else None."""
    match = _ID_REFERENCE.match(token.strip().rstrip("."))
    if match is None:
        return None
    return canonical_id(match.group(1))


@dataclass
class ParsedList:
    """Entries of a list value and what was unusual about how it was written.

    ``bare`` is True for a comma list without brackets and ``blank`` for a
    value with nothing after the colon. ``inline_code`` counts entries that
    were wrapped in backticks, and ``unclosed`` is True for ``[a, b``.
    """

    entries: list[str] = field(default_factory=list)
    bare: bool = False
    blank: bool = False
    unclosed: bool = False
    inline_code: int = 0


def split_list(value: str) -> ParsedList:
    """Split ``[a, b]``, ``a, b``, ``[]`` or ``(none)`` into its entries."""
    text = value.strip()
    result = ParsedList()
    if not text:
        result.blank = True
        return result
    if text.lower() in EMPTY_LIST_WORDS:
        return result
    if text.startswith("["):
        if text.endswith("]"):
            text = text[1:-1]
        else:
            result.unclosed = True
            text = text[1:]
    else:
        result.bare = True
    for entry in text.split(","):
        cleaned = entry.strip()
        if len(cleaned) >= 2 and cleaned.startswith("`") and cleaned.endswith("`"):
            cleaned = cleaned.strip("`").strip()
            result.inline_code += 1
        if cleaned:
            result.entries.append(cleaned)
    return result


def split_chains(text: str) -> list[list[str]]:
    """Split ``a -> b -> c, d → e`` into chains of raw tokens."""
    chains: list[list[str]] = []
    for part in text.split(","):
        if part.strip():
            chains.append([token.strip() for token in _ARROW.split(part)])
    return chains


def parse_command(value: str) -> tuple[str | None, str]:
    """Return the command inside a backtick span and any text after it.

    ``(None, "")`` means the value does not start with a complete span.
    A span may open with several backticks, as Markdown allows, and then
    closes at the next run of exactly as many, so the command itself can
    contain a backtick. The scan is linear in the value's length.
    """
    text = value.strip()
    width = len(text) - len(text.lstrip("`"))
    if width == 0:
        return None, ""
    start = width
    while True:
        found = text.find("`" * width, start)
        if found < 0:
            return None, ""
        end = found
        while end < len(text) and text[end] == "`":
            end += 1
        if end - found == width and found > width:
            return text[width:found].strip(), text[end:].strip()
        start = end


@dataclass(frozen=True)
class Edge:
    """One declared dependency: ``dependent`` needs ``prerequisite`` first.

    ``origin`` names where it was written (``Dependencies``,
    ``Parallelism Assessment`` or ``Dependency Graph``).
    """

    dependent: str
    prerequisite: str
    line: int
    origin: str
