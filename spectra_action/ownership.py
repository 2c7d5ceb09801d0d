"""Judge each changed file against the plan's ``owns``/``touches``/``reads`` lists.

Plan entries follow gitignore semantics: a trailing ``/`` limits an entry to
directories, a leading or inner ``/`` anchors it at the repository root, an
entry without a slash matches at any depth, and an entry that matches a
directory covers everything under it. ``docs/ownership.md`` has examples.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

import pathspec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern
from pydantic import BaseModel, ConfigDict

from spectra_action.changes import ChangedFile, ChangeStatus
from spectra_action.plan.models import Plan

logger = logging.getLogger("spectra_action.ownership")

_GLOB_CHARS = frozenset("*?[\\")
_DUPLICATE_SLASHES = re.compile(r"/{2,}")
# Globs that share one literal prefix directory are tested through combined
# regexes of at most this many alternatives each.
_CHUNK_SIZE = 32


class VerdictKind(StrEnum):
    OWNED = "owned"
    TOUCHED = "touched"
    READ_ONLY = "read-only"
    FOREIGN = "foreign"
    UNPLANNED = "unplanned"
    IGNORED = "ignored"


class FileVerdict(BaseModel):
    """The verdict on one changed path and the task ids behind it.

    For the old side of a rename, ``path`` is the old path, ``previous_path``
    is None and ``status`` is ``renamed``.
    """

    model_config = ConfigDict(frozen=True)

    path: str
    kind: VerdictKind
    tasks: list[str]
    status: ChangeStatus
    previous_path: str | None = None


class Role(IntEnum):
    OWNS = 0
    TOUCHES = 1
    READS = 2


Target = tuple[Role, str]


def normalize_pattern(pattern: str) -> str:
    """Collapse repeated slashes and drop leading ``./``; keep other slashes."""
    pattern = _DUPLICATE_SLASHES.sub("/", pattern.strip())
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern


def normalize_path(path: str) -> str:
    """Normalise a repository path like a pattern and drop a leading ``/``."""
    return normalize_pattern(path).lstrip("/")


@dataclass(frozen=True)
class Entry:
    """One plan entry, normalised and classified."""

    text: str  # normalised pattern, with any leading and trailing slash kept
    key: str  # the pattern without leading and trailing slashes
    anchored: bool
    directory_only: bool
    glob: bool


def parse_entry(raw: str) -> Entry | None:
    """Normalise a plan entry; return None for one that can match nothing."""
    text = normalize_pattern(raw)
    if text in ("", "/", ".", "(none)"):
        return None
    if text.startswith("!"):
        logger.warning("Ignored plan entry %r: negated entries are not supported.", raw)
        return None
    directory_only = text.endswith("/")
    key = text.strip("/")
    anchored = text.startswith("/") or "/" in key
    glob = not _GLOB_CHARS.isdisjoint(key)
    return Entry(text, key, anchored, directory_only, glob)


def _glob_prefix(entry: Entry) -> str:
    """Return the literal directory every path matching the glob lies under."""
    if not entry.anchored:
        return ""
    literal: list[str] = []
    for part in entry.key.split("/")[:-1]:
        if not _GLOB_CHARS.isdisjoint(part):
            break
        literal.append(part)
    return "/".join(literal)


@dataclass
class _Chunk:
    combined: re.Pattern[str]
    members: list[tuple[re.Pattern[str], tuple[Target, ...]]]


@dataclass
class _DirectoryInfo:
    """Matches that follow from a directory alone, cached per directory.

    ``chunks`` hold the globs that may match paths below the directory and
    ``directory_chunks`` the directory-only globs that may match directories
    below it.
    """

    targets: frozenset[Target]
    chunks: tuple[_Chunk, ...]
    directory_chunks: tuple[_Chunk, ...]


@dataclass
class _Tables:
    exact: dict[str, list[Target]] = field(default_factory=dict)
    directories: dict[str, list[Target]] = field(default_factory=dict)
    names: dict[str, list[Target]] = field(default_factory=dict)
    directory_names: dict[str, list[Target]] = field(default_factory=dict)
    globs: dict[str, dict[str, list[Target]]] = field(default_factory=dict)
    directory_globs: dict[str, dict[str, list[Target]]] = field(default_factory=dict)


def _glob_regex(text: str) -> re.Pattern[str] | None:
    pattern = GitIgnoreSpecPattern(text)
    regex = pattern.regex
    if regex is None or not pattern.include:
        return None
    return regex


def _build_chunks(globs: dict[str, list[Target]]) -> tuple[_Chunk, ...]:
    members: list[tuple[re.Pattern[str], tuple[Target, ...]]] = []
    for text, targets in globs.items():
        regex = _glob_regex(text)
        if regex is not None:
            members.append((regex, tuple(targets)))
    chunks: list[_Chunk] = []
    for start in range(0, len(members), _CHUNK_SIZE):
        part = members[start : start + _CHUNK_SIZE]
        # Named groups cannot repeat inside one regex, so drop pathspec's.
        sources = [regex.pattern.replace("(?P<ps_d>", "(?:") for regex, _ in part]
        combined = re.compile("|".join(f"(?:{source})" for source in sources))
        chunks.append(_Chunk(combined, part))
    return tuple(chunks)


def _glob_targets(chunks: Iterable[_Chunk], path: str) -> list[Target]:
    found: list[Target] = []
    for chunk in chunks:
        if chunk.combined.match(path) is None:
            continue
        for regex, targets in chunk.members:
            if regex.match(path) is not None:
                found.extend(targets)
    return found


class OwnershipIndex:
    """Lookup tables of every plan entry, built once per plan.

    Literal entries sit in dictionaries that each path's parent directories
    are looked up in. Globs are grouped by their literal prefix directory and
    tested only against paths under it. Results per directory are cached.
    """

    def __init__(self, plan: Plan) -> None:
        self._order = {task.id: position for position, task in enumerate(plan.tasks)}
        tables = _Tables()
        for task in plan.tasks:
            if task.ownership is None:
                continue
            for role, entries in (
                (Role.OWNS, task.ownership.owns),
                (Role.TOUCHES, task.ownership.touches),
                (Role.READS, task.ownership.reads),
            ):
                for raw in entries:
                    _add_entry(tables, raw, (role, task.id))
        self._exact = tables.exact
        self._directories = tables.directories
        self._names = tables.names
        self._directory_names = tables.directory_names
        self._chunks = {
            prefix: _build_chunks(globs) for prefix, globs in tables.globs.items()
        }
        self._directory_chunks = {
            prefix: _build_chunks(globs)
            for prefix, globs in tables.directory_globs.items()
        }
        self._cache: dict[str, _DirectoryInfo] = {}

    def owners(self, path: str) -> list[str]:
        return self.lookup(path)[Role.OWNS]

    def touchers(self, path: str) -> list[str]:
        return self.lookup(path)[Role.TOUCHES]

    def readers(self, path: str) -> list[str]:
        return self.lookup(path)[Role.READS]

    def lookup(self, path: str) -> tuple[list[str], list[str], list[str]]:
        """Return the task ids that own, touch and read ``path``, in plan order."""
        path = normalize_path(path)
        directory, _, name = path.rpartition("/")
        info = self._cache.get(directory)
        if info is None:
            info = self._directory_info(directory)
        found = set(info.targets)
        found.update(self._exact.get(path, ()))
        found.update(self._names.get(name, ()))
        found.update(_glob_targets(info.chunks, path))
        return self._split(found)

    def _split(self, found: Iterable[Target]) -> tuple[list[str], list[str], list[str]]:
        roles: tuple[list[str], list[str], list[str]] = ([], [], [])
        for role, task_id in found:
            roles[role].append(task_id)
        for ids in roles:
            ids.sort(key=self._order.__getitem__)
        return roles

    def _directory_info(self, directory: str) -> _DirectoryInfo:
        """Collect what every path inside ``directory`` matches through it."""
        if not directory:
            info = _DirectoryInfo(
                frozenset(),
                self._chunks.get("", ()),
                self._directory_chunks.get("", ()),
            )
            self._cache[directory] = info
            return info
        parent, _, name = directory.rpartition("/")
        above = self._cache.get(parent) or self._directory_info(parent)
        targets = set(above.targets)
        for table, key in (
            (self._exact, directory),
            (self._directories, directory),
            (self._names, name),
            (self._directory_names, name),
        ):
            targets.update(table.get(key, ()))
        targets.update(_glob_targets(above.directory_chunks, directory))
        info = _DirectoryInfo(
            frozenset(targets),
            above.chunks + self._chunks.get(directory, ()),
            above.directory_chunks + self._directory_chunks.get(directory, ()),
        )
        self._cache[directory] = info
        return info


def _add_entry(tables: _Tables, raw: str, target: Target) -> None:
    entry = parse_entry(raw)
    if entry is None:
        return
    if entry.glob and entry.directory_only:
        # A directory-only glob matches a path when it matches one of the
        # path's parent directories. pathspec's own regex for such patterns
        # disagrees with git (for "*/" and "docs/**/"), so the pattern is
        # compiled without its slash and tested against directories only.
        bucket = tables.directory_globs.setdefault(_glob_prefix(entry), {})
        bucket.setdefault(entry.text.rstrip("/"), []).append(target)
        return
    if entry.glob:
        bucket = tables.globs.setdefault(_glob_prefix(entry), {})
        bucket.setdefault(entry.text, []).append(target)
        return
    if entry.anchored:
        table = tables.directories if entry.directory_only else tables.exact
    else:
        table = tables.directory_names if entry.directory_only else tables.names
    table.setdefault(entry.key, []).append(target)


def _ignore_spec(patterns: Sequence[str]) -> pathspec.GitIgnoreSpec | None:
    lines = [normalize_pattern(pattern) for pattern in patterns]
    lines = [line for line in lines if line]
    if not lines:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def judge_changes(
    plan: Plan,
    changes: Sequence[ChangedFile],
    *,
    ignore: Sequence[str] = (),
    scope: Collection[str] | None = None,
    index: OwnershipIndex | None = None,
) -> list[FileVerdict]:
    """Return one verdict per changed path, in the order of ``changes``.

    A rename or copy is judged on its new path and, right after it, on its
    old path unless that path has a change record of its own. Precedence:
    ignored, then owned (foreign when ``scope`` holds none of the owners),
    then touched, then read-only, then unplanned.
    """
    index = index or OwnershipIndex(plan)
    judge = _Judge(index, _ignore_spec(ignore), scope)
    primary = {normalize_path(change.path) for change in changes}
    seen: set[str] = set()
    verdicts: list[FileVerdict] = []
    for change in changes:
        for path, previous in _sides(change, primary):
            key = normalize_path(path)
            if key in seen:
                continue
            seen.add(key)
            verdicts.append(judge.verdict(path, change.status, previous))
    return verdicts


def _sides(
    change: ChangedFile, primary: Collection[str]
) -> list[tuple[str, str | None]]:
    """Return the (path, previous path) pairs to judge for one change record."""
    sides = [(change.path, change.previous_path)]
    old = change.previous_path
    moved = change.status in (ChangeStatus.RENAMED, ChangeStatus.COPIED)
    if old and moved and normalize_path(old) not in primary:
        sides.append((old, None))
    return sides


class _Judge:
    def __init__(
        self,
        index: OwnershipIndex,
        ignore: pathspec.GitIgnoreSpec | None,
        scope: Collection[str] | None,
    ) -> None:
        self._index = index
        self._ignore = ignore
        self._scope = None if scope is None else frozenset(scope)

    def verdict(
        self, path: str, status: ChangeStatus, previous: str | None
    ) -> FileVerdict:
        kind, tasks = self._classify(normalize_path(path))
        # The fields are built here with their final types, so skip validation.
        return FileVerdict.model_construct(
            path=path, kind=kind, tasks=tasks, status=status, previous_path=previous
        )

    def _classify(self, path: str) -> tuple[VerdictKind, list[str]]:
        if self._ignore is not None and self._ignore.match_file(path):
            return VerdictKind.IGNORED, []
        owners, touchers, readers = self._index.lookup(path)
        if owners:
            if self._scope is not None and self._scope.isdisjoint(owners):
                return VerdictKind.FOREIGN, owners
            return VerdictKind.OWNED, owners
        if touchers:
            return VerdictKind.TOUCHED, touchers
        if readers:
            return VerdictKind.READ_ONLY, readers
        return VerdictKind.UNPLANNED, []
