"""Decide whether two plan path entries can name the same file.

Entries are repository-relative. One that ends in ``/`` is that whole
directory, and one with ``*``, ``?`` or ``[`` is a pattern matched the way
``.gitignore`` matches (pathspec's ``GitIgnoreBasicPattern``). Anything else
is one file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

_WILDCARD = re.compile(r"[*?\[]")


class PathEntry(NamedTuple):
    """One path from a task's list, with where it came from."""

    text: str
    task_id: str
    line: int
    kind: str
    regex: re.Pattern[str] | None

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    def matches(self, path: str) -> bool:
        """Return True when this directory or pattern covers ``path``."""
        if self.regex is None:
            return self.text == path
        return self.regex.match(path) is not None


def normalize(path: str) -> str:
    text = path.strip()
    if "\\" not in text and "//" not in text and not text.startswith("./"):
        return text
    text = text.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return re.sub(r"/{2,}", "/", text)


def make_entry(text: str, task_id: str, line: int) -> PathEntry:
    """Classify ``text``; an entry pathspec rejects is kept as a file."""
    path, kind, regex = _classify(text)
    return PathEntry(path, task_id, line, kind, regex)


@functools.lru_cache(maxsize=4096)
def _classify(text: str) -> tuple[str, str, re.Pattern[str] | None]:
    path = normalize(text)
    if path.endswith("/"):
        kind, pattern = "dir", "/" + path.lstrip("/")
    elif _WILDCARD.search(path):
        kind, pattern = "glob", path
    else:
        return path, "file", None
    try:
        compiled = GitIgnoreBasicPattern(pattern)
    except ValueError:
        return path, "file", None
    regex = compiled.regex if compiled.include else None
    if regex is None:
        return path, "file", None
    return path, kind, regex


def literal_prefix(entry: PathEntry) -> str:
    match = _WILDCARD.search(entry.text)
    return entry.text[: match.start()] if match else entry.text


def overlap(first: PathEntry, second: PathEntry) -> bool:
    """Return True when some file could be named by both entries.

    NOTE: two different glob patterns count as overlapping only when one's
    fixed prefix lies inside a directory the other matches. The general
    case would need the intersection of two patterns, which is not computed.
    """
    if first.is_file and second.is_file:
        return first.text == second.text
    if first.is_file:
        return second.matches(first.text)
    if second.is_file:
        return first.matches(second.text)
    if first.text == second.text:
        return True
    return _covers(first, second) or _covers(second, first)


def _covers(outer: PathEntry, inner: PathEntry) -> bool:
    prefix = literal_prefix(inner)
    return bool(prefix) and prefix.endswith("/") and outer.matches(prefix)


def overlapping_pairs(
    entries: list[PathEntry],
) -> Iterator[tuple[PathEntry, PathEntry]]:
    """Yield pairs of entries from different tasks that overlap.

    A file named by several tasks gives one pair per later task, each with
    the first task that names it, so k tasks give k - 1 pairs and not k
    squared. Only the first entry of each text per task counts. Files are
    looked up through a dictionary, so the cost is about patterns x
    (files + patterns) matches.

    NOTE: comparing patterns with each other is quadratic in the number of
    distinct patterns. That is fine for plans with tens of globs, but it
    is not bounded for a plan that lists many thousands.
    """
    files: dict[str, dict[str, PathEntry]] = {}
    patterns: dict[tuple[str, str], PathEntry] = {}
    for entry in entries:
        if entry.is_file:
            files.setdefault(entry.text, {}).setdefault(entry.task_id, entry)
        else:
            patterns.setdefault((entry.task_id, entry.text), entry)
    for owners in files.values():
        first, *others = owners.values()
        for other in others:
            yield first, other
    unique = list(patterns.values())
    for index, pattern in enumerate(unique):
        for path, owners in files.items():
            if pattern.matches(path):
                for entry in owners.values():
                    if entry.task_id != pattern.task_id:
                        yield entry, pattern
        for other in unique[index + 1 :]:
            if other.task_id != pattern.task_id and overlap(pattern, other):
                yield pattern, other
