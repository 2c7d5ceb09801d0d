"""Judge each changed file against the plan's ``owns``/``touches``/``reads`` lists.

Plan entries match paths the way ``.gitignore`` lines do. A trailing ``/``
limits an entry to directories, and a leading or inner ``/`` anchors it at
the repository root. An entry without a slash matches at any depth, and an
entry that matches a directory covers everything under it.
``docs/ownership.md`` has examples.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

import pathspec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern
from pydantic import BaseModel, ConfigDict

from spectra_action.changes import ChangedFile, ChangeStatus
from spectra_action.errors import ConfigError
from spectra_action.plan.models import Plan

logger = logging.getLogger("spectra_action.ownership")

_GLOB_CHARS = frozenset("*?[\\")
_DUPLICATE_SLASHES = re.compile(r"/{2,}")
# Globs are tested through combined regexes of at most this many
# alternatives, and one by one only inside a combined regex that matched.
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


# A role is stored as a plain int so that CPython's garbage collector can
# stop tracking these tuples, which keeps full collections short.
Target = tuple[int, str]
Targets = tuple[Target, ...]


def normalize_path(path: str) -> str:
    """Drop leading ``./`` and ``/`` and collapse repeated slashes.

    Whitespace is kept, because git paths may start or end with spaces.
    """
    if "//" in path:
        path = _DUPLICATE_SLASHES.sub("/", path)
    while path.startswith(("./", "/")):
        path = path[2:] if path.startswith("./") else path[1:]
    return path


def normalize_pattern(pattern: str) -> str:
    """Strip spaces, collapse repeated slashes and drop leading ``./``.

    A leading ``/`` is kept because it anchors the pattern at the root.
    """
    pattern = _DUPLICATE_SLASHES.sub("/", pattern.strip())
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern


@dataclass(frozen=True, slots=True)
class Entry:
    """One plan entry, normalised and classified."""

    text: str  # normalised pattern, with any leading and trailing slash kept
    key: str  # the pattern without leading and trailing slashes
    anchored: bool
    directory_only: bool
    glob: bool


def parse_entry(raw: str) -> Entry | None:
    """Normalise and classify a plan entry, or return None if it matches nothing."""
    text = normalize_pattern(raw)
    # "**/name" matches exactly what "name" matches, and the short form is
    # looked up per path component instead of tested against whole paths.
    while text.startswith("**/") and _is_name(text[3:].rstrip("/")):
        text = text[3:]
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


def _is_name(text: str) -> bool:
    return bool(text) and "/" not in text


def _glob_prefix(entry: Entry) -> str:
    """Return the literal directory every path matching the glob lies under."""
    literal: list[str] = []
    for part in entry.key.split("/")[:-1]:
        if not _GLOB_CHARS.isdisjoint(part):
            break
        literal.append(part)
    return "/".join(literal)


@dataclass(frozen=True, slots=True)
class _Chunk:
    combined: re.Pattern[str]
    members: tuple[tuple[re.Pattern[str], Targets], ...]


Chunks = tuple[_Chunk, ...]


def _glob_regex(text: str) -> re.Pattern[str] | None:
    try:
        pattern = GitIgnoreSpecPattern(text)
    except (ValueError, re.error) as error:
        logger.warning("Ignored plan entry %r: invalid glob (%s).", text, error)
        return None
    if pattern.regex is None or not pattern.include:
        return None
    regex: re.Pattern[str] = pattern.regex
    return regex


def _build_chunks(globs: dict[str, list[Target]]) -> Chunks:
    members: list[tuple[re.Pattern[str], Targets]] = []
    for text, targets in globs.items():
        regex = _glob_regex(text)
        if regex is not None:
            members.append((regex, tuple(targets)))
    chunks: list[_Chunk] = []
    for start in range(0, len(members), _CHUNK_SIZE):
        part = tuple(members[start : start + _CHUNK_SIZE])
        if len(part) == 1:
            chunks.append(_Chunk(part[0][0], part))
            continue
        # Named groups cannot repeat inside one regex, so drop pathspec's.
        sources = [regex.pattern.replace("(?P<ps_d>", "(?:") for regex, _ in part]
        combined = re.compile("|".join(f"(?:{source})" for source in sources))
        chunks.append(_Chunk(combined, part))
    return tuple(chunks)


def _match_chunks(chunks: Chunks, text: str, found: list[Target]) -> None:
    """Append the targets of every glob in ``chunks`` that matches ``text``."""
    for chunk in chunks:
        if chunk.combined.match(text) is None:
            continue
        for regex, targets in chunk.members:
            if regex.match(text) is not None:
                found.extend(targets)


_TAIL_STOP = frozenset("*?[]\\")


def _literal_head(component: str) -> str:
    for position, char in enumerate(component):
        if char in _GLOB_CHARS:
            return component[:position]
    return component


def _literal_tail(component: str) -> str:
    for position in range(len(component) - 1, -1, -1):
        if component[position] in _TAIL_STOP:
            return component[position + 1 :]
    return component


KeyedChunks = tuple[tuple[int, dict[str, Chunks]], ...]


@dataclass(frozen=True, slots=True)
class _GlobSet:
    """The globs of one bucket, keyed by the literal start or end of the path
    component right after the bucket's prefix directory.

    A glob like ``config/mod1-*.yml`` is only tried on paths whose component
    after ``config/`` starts with ``mod1-``, and ``*.md`` only on names that
    end with ``.md``. Globs with neither are tried on every path in the bucket.
    """

    heads: KeyedChunks
    tails: KeyedChunks
    rest: Chunks

    def candidates(self, component: str) -> Chunks:
        """Return the chunks that may match a path with this component."""
        found = self.rest
        for length, table in self.heads:
            chunks = table.get(component[:length])
            if chunks is not None:
                found = found + chunks if found else chunks
        for length, table in self.tails:
            chunks = table.get(component[-length:])
            if chunks is not None:
                found = found + chunks if found else chunks
        return found


def _keyed(groups: dict[int, dict[str, dict[str, list[Target]]]]) -> KeyedChunks:
    return tuple(
        (length, {key: _build_chunks(globs) for key, globs in table.items()})
        for length, table in sorted(groups.items())
    )


def _build_glob_set(globs: dict[str, list[Target]], prefix: str) -> _GlobSet:
    depth = len(prefix.split("/")) if prefix else 0
    heads: dict[int, dict[str, dict[str, list[Target]]]] = {}
    tails: dict[int, dict[str, dict[str, list[Target]]]] = {}
    rest: dict[str, list[Target]] = {}
    for text, targets in globs.items():
        component = text.strip("/").split("/")[depth]
        head, tail = _literal_head(component), _literal_tail(component)
        if head:
            table = heads.setdefault(len(head), {}).setdefault(head, {})
        elif tail:
            table = tails.setdefault(len(tail), {}).setdefault(tail, {})
        else:
            table = rest
        table[text] = targets
    return _GlobSet(_keyed(heads), _keyed(tails), _build_chunks(rest))


@dataclass
class _Tables:
    """Plan entries sorted by how they are looked up, before compiling.

    Anchored literals are keyed by path, floating ones by path component.
    Anchored globs are keyed by their literal prefix directory and then by
    pattern, floating globs by pattern.
    """

    exact: dict[str, list[Target]] = field(default_factory=dict)
    directories: dict[str, list[Target]] = field(default_factory=dict)
    names: dict[str, list[Target]] = field(default_factory=dict)
    directory_names: dict[str, list[Target]] = field(default_factory=dict)
    globs: dict[str, dict[str, list[Target]]] = field(default_factory=dict)
    directory_globs: dict[str, dict[str, list[Target]]] = field(default_factory=dict)
    name_globs: dict[str, list[Target]] = field(default_factory=dict)
    directory_name_globs: dict[str, list[Target]] = field(default_factory=dict)

    def add(self, raw: str, target: Target) -> None:
        entry = parse_entry(raw)
        if entry is None:
            return
        if entry.glob:
            self._add_glob(entry, target)
            return
        if entry.anchored:
            table = self.directories if entry.directory_only else self.exact
        else:
            table = self.directory_names if entry.directory_only else self.names
        table.setdefault(entry.key, []).append(target)

    def _add_glob(self, entry: Entry, target: Target) -> None:
        # A directory-only glob is compiled without its trailing slash and
        # tested against a path's parent directories only. pathspec's regex
        # for the slashed form disagrees with git for "*/" and "docs/**/".
        text = entry.text.rstrip("/") if entry.directory_only else entry.text
        if not entry.anchored:
            table = (
                self.directory_name_globs if entry.directory_only else self.name_globs
            )
        else:
            buckets = self.directory_globs if entry.directory_only else self.globs
            table = buckets.setdefault(_glob_prefix(entry), {})
        table.setdefault(text, []).append(target)


@dataclass(frozen=True, slots=True)
class _DirectoryInfo:
    """The matches and glob candidates a directory passes to every path inside.

    ``targets`` come from the directory and its parents. ``candidates`` are
    the glob chunks of parent buckets that may match paths inside, and
    ``own`` is the bucket of globs whose prefix is this directory. The
    ``directory_`` fields are the same for directory-only globs, which are
    tested against the directories inside.
    """

    targets: Targets
    candidates: Chunks
    own: _GlobSet | None
    directory_candidates: Chunks
    directory_own: _GlobSet | None

    def chunks_for(self, name: str) -> Chunks:
        """Return the glob chunks to test on the entry ``name`` inside."""
        return _extend(self.candidates, self.own, name)

    def directory_chunks_for(self, name: str) -> Chunks:
        """Return the directory-only glob chunks to test on subdirectory ``name``."""
        return _extend(self.directory_candidates, self.directory_own, name)


def _extend(candidates: Chunks, own: _GlobSet | None, name: str) -> Chunks:
    if own is None:
        return candidates
    return candidates + own.candidates(name)


def _collect_entries(plan: Plan) -> _Tables:
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
                tables.add(raw, (int(role), task.id))
    return tables


def _frozen(table: dict[str, list[Target]]) -> dict[str, Targets]:
    return {key: tuple(targets) for key, targets in table.items()}


class OwnershipIndex:
    """Lookup tables of every plan entry, built once per plan.

    Literal entries sit in dictionaries that a path and its parent
    directories are looked up in. Anchored globs are grouped by their literal
    prefix directory and tested only against paths under it. Floating globs
    are tested per path component. What a directory contributes is computed
    once per directory and cached, so the cost per path is a few dictionary
    lookups plus the globs of its own directories.
    """

    def __init__(self, plan: Plan) -> None:
        self._order = {task.id: position for position, task in enumerate(plan.tasks)}
        tables = _collect_entries(plan)

        self._exact = _frozen(tables.exact)
        self._directories = _frozen(tables.directories)
        self._names = _frozen(tables.names)
        self._directory_names = _frozen(tables.directory_names)
        self._globs = {
            prefix: _build_glob_set(globs, prefix)
            for prefix, globs in tables.globs.items()
        }
        self._directory_globs = {
            prefix: _build_glob_set(globs, prefix)
            for prefix, globs in tables.directory_globs.items()
        }
        self._name_globs = _build_glob_set(tables.name_globs, "")
        self._directory_name_globs = _build_glob_set(tables.directory_name_globs, "")

        root = _DirectoryInfo(
            (), (), self._globs.get(""), (), self._directory_globs.get("")
        )
        self._cache: dict[str, _DirectoryInfo] = {"": root}

    def owners(self, path: str) -> list[str]:
        return self.lookup(path)[Role.OWNS]

    def touchers(self, path: str) -> list[str]:
        return self.lookup(path)[Role.TOUCHES]

    def readers(self, path: str) -> list[str]:
        return self.lookup(path)[Role.READS]

    def lookup(self, path: str) -> tuple[list[str], list[str], list[str]]:
        """Return the task ids that own, touch and read ``path``, in plan order."""
        return self.lookup_normalized(normalize_path(path))

    def lookup_normalized(self, path: str) -> tuple[list[str], list[str], list[str]]:
        """Return what lookup returns, for a path normalize_path has normalised."""
        found = self.targets(path)
        return (
            self.task_ids(found, Role.OWNS),
            self.task_ids(found, Role.TOUCHES),
            self.task_ids(found, Role.READS),
        )

    def targets(self, path: str) -> list[Target]:
        """Return the (role, task id) pairs whose entries match a normalised path.

        A pair may appear more than once. task_ids removes the repeats.
        """
        directory, _, name = path.rpartition("/")
        info = self._cache.get(directory) or self._directory_info(directory)
        found = [*info.targets]
        exact = self._exact.get(path)
        if exact is not None:
            found += exact
        named = self._names.get(name)
        if named is not None:
            found += named
        _match_chunks(self._name_globs.candidates(name), name, found)
        _match_chunks(info.candidates, path, found)
        if info.own is not None:
            _match_chunks(info.own.candidates(name), path, found)
        return found

    def task_ids(self, found: Sequence[Target], role: Role) -> list[str]:
        """Return the distinct task ids of ``role`` in ``found``, in plan order."""
        ids = [task_id for found_role, task_id in found if found_role == role]
        if len(ids) > 1:
            ids = sorted(set(ids), key=self._order.__getitem__)
        return ids

    def _directory_info(self, directory: str) -> _DirectoryInfo:
        """Compute and cache the _DirectoryInfo of a non-root directory."""
        parent, _, name = directory.rpartition("/")
        above = self._cache.get(parent) or self._directory_info(parent)
        found = list(above.targets)
        found += self._exact.get(directory, ())
        found += self._directories.get(directory, ())
        found += self._names.get(name, ())
        found += self._directory_names.get(name, ())
        for globs in (self._name_globs, self._directory_name_globs):
            _match_chunks(globs.candidates(name), name, found)
        directory_candidates = above.directory_chunks_for(name)
        _match_chunks(directory_candidates, directory, found)
        info = _DirectoryInfo(
            tuple(dict.fromkeys(found)),
            above.chunks_for(name),
            self._globs.get(directory),
            directory_candidates,
            self._directory_globs.get(directory),
        )
        self._cache[directory] = info
        return info


def _ignore_spec(patterns: Sequence[str]) -> pathspec.GitIgnoreSpec | None:
    lines = [normalize_pattern(pattern) for pattern in patterns]
    lines = [line for line in lines if line]
    if not lines:
        return None
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error) as error:
        raise ConfigError(
            f"invalid ignore pattern: {error}; fix or remove it in the ignore list"
        ) from None


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
    ignored, then owned (foreign when ``scope`` contains none of the owners),
    then touched, then read-only, then unplanned.
    """
    judge = _Judge(index or OwnershipIndex(plan), _ignore_spec(ignore), scope)
    return judge.judge_all(changes)


_MOVED = frozenset({ChangeStatus.RENAMED, ChangeStatus.COPIED})


def _old_side(change: ChangedFile, primary: Collection[str]) -> str | None:
    """Return the old path of a rename or copy if it needs its own verdict."""
    old = change.previous_path
    if not old or change.status not in _MOVED or normalize_path(old) in primary:
        return None
    return old


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
        self._seen: set[str] = set()
        self._verdicts: list[FileVerdict] = []

    def judge_all(self, changes: Sequence[ChangedFile]) -> list[FileVerdict]:
        moved = any(change.status in _MOVED for change in changes)
        primary = {normalize_path(change.path) for change in changes} if moved else ()
        for change in changes:
            self._judge(change.path, change.status, change.previous_path)
            old = _old_side(change, primary) if moved else None
            if old is not None:
                self._judge(old, change.status, None)
        return self._verdicts

    def _judge(self, path: str, status: ChangeStatus, previous: str | None) -> None:
        key = normalize_path(path)
        if key in self._seen:
            return
        self._seen.add(key)
        kind, tasks = self._classify(key)
        verdict = FileVerdict(
            path=path, kind=kind, tasks=tasks, status=status, previous_path=previous
        )
        self._verdicts.append(verdict)

    def _classify(self, key: str) -> tuple[VerdictKind, list[str]]:
        if self._ignore is not None and self._ignore.match_file(key):
            return VerdictKind.IGNORED, []
        index = self._index
        found = index.targets(key)
        if not found:
            return VerdictKind.UNPLANNED, []
        owners = index.task_ids(found, Role.OWNS)
        if owners:
            if self._scope is not None and self._scope.isdisjoint(owners):
                return VerdictKind.FOREIGN, owners
            return VerdictKind.OWNED, owners
        touchers = index.task_ids(found, Role.TOUCHES)
        if touchers:
            return VerdictKind.TOUCHED, touchers
        return VerdictKind.READ_ONLY, index.task_ids(found, Role.READS)
