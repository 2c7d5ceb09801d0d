"""List the files a pull request changes, from ``git diff`` or the REST API."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from spectra_action.errors import ConfigError, GitError

logger = logging.getLogger("spectra_action.changes")

# GET /repos/{owner}/{repo}/pulls/{number}/files returns at most this many
# entries in total, however many pages are requested.
API_FILE_LIMIT = 3000

_SUBMODULE_MODE = "160000"
_SYMLINK_MODE = "120000"
_DEEPEN_STEPS = (50, 500)
_FETCH_DEPTH_FIX = (
    "check out the repository with full history (actions/checkout with fetch-depth: 0)"
)

ApiFile = tuple[str, str, str | None]


class ChangeStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"
    TYPE_CHANGED = "type_changed"
    UNMERGED = "unmerged"
    UNKNOWN = "unknown"


class ChangedFile(BaseModel):
    """One changed path. ``previous_path`` is set for renames and copies."""

    model_config = ConfigDict(frozen=True)

    path: str
    status: ChangeStatus
    previous_path: str | None = None
    submodule: bool = False
    symlink: bool = False


class ChangeSet(BaseModel):
    """The changed files of one comparison and where they came from.

    ``source`` is ``"git"`` or ``"api"``. ``complete`` is false when the list
    may be cut short, and ``note`` then gives the reason.
    """

    files: list[ChangedFile]
    source: str
    complete: bool = True
    note: str | None = None


_GIT_STATUS = {
    "A": ChangeStatus.ADDED,
    "M": ChangeStatus.MODIFIED,
    "D": ChangeStatus.DELETED,
    "R": ChangeStatus.RENAMED,
    "C": ChangeStatus.COPIED,
    "T": ChangeStatus.TYPE_CHANGED,
    "U": ChangeStatus.UNMERGED,
}

_API_STATUS = {
    "added": ChangeStatus.ADDED,
    "modified": ChangeStatus.MODIFIED,
    "removed": ChangeStatus.DELETED,
    "renamed": ChangeStatus.RENAMED,
    "copied": ChangeStatus.COPIED,
    "changed": ChangeStatus.TYPE_CHANGED,
}


def _run_git(
    repo: Path, args: Sequence[str], *, check: bool = True, fix: str = ""
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repo args`` and return the completed process.

    With ``check``, a failure raises GitError naming the command, its stderr
    and ``fix``.
    """
    command = ["git", "-C", str(repo), "-c", "core.quotePath=false", *args]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run(command, capture_output=True, env=env, check=False)
    except FileNotFoundError as error:
        raise GitError(
            "git is not installed or not on PATH; install git and retry"
        ) from error
    if check and result.returncode != 0:
        raise GitError(_describe_failure(args, result, fix))
    return result


def _describe_failure(
    args: Sequence[str], result: subprocess.CompletedProcess[bytes], fix: str
) -> str:
    stderr = result.stderr.decode("utf-8", "replace").strip() or "(no output)"
    command = f"git {' '.join(args)}"
    message = f"`{command}` failed with exit code {result.returncode}: {stderr}"
    if "dubious ownership" in stderr:
        # The folder is a checkout; git refuses it because another user owns it.
        fix = (
            "another user owns the checkout; add it to git's safe.directory "
            "(`git config --global --add safe.directory PATH`), which the "
            "action does for $GITHUB_WORKSPACE on its own"
        )
    return f"{message}; {fix}" if fix else message


def _check_revision(value: str, name: str) -> None:
    # A revision that starts with "-" would be read as an option.
    if not value or value.startswith("-"):
        raise GitError(f"invalid {name} revision {value!r}; pass a commit SHA or ref")


def _has_commit(repo: Path, revision: str) -> bool:
    result = _run_git(
        repo,
        ["cat-file", "-e", "--end-of-options", f"{revision}^{{commit}}"],
        check=False,
    )
    return result.returncode == 0


def _is_shallow(repo: Path) -> bool:
    result = _run_git(repo, ["rev-parse", "--is-shallow-repository"], check=False)
    return result.stdout.strip() == b"true"


def _remote_name(repo: Path) -> str | None:
    """Return the remote of the current branch, else ``origin``, else the first."""
    branch = _run_git(repo, ["symbolic-ref", "-q", "--short", "HEAD"], check=False)
    if branch.returncode == 0:
        name = branch.stdout.decode().strip()
        configured = _run_git(
            repo, ["config", "--get", f"branch.{name}.remote"], check=False
        )
        remote = configured.stdout.decode().strip()
        if configured.returncode == 0 and remote and remote != ".":
            return remote
    remotes = _run_git(repo, ["remote"], check=False).stdout.decode().split()
    if "origin" in remotes:
        return "origin"
    return remotes[0] if remotes else None


def _fetch(repo: Path, args: Sequence[str]) -> bool:
    result = _run_git(
        repo, ["fetch", "--no-tags", "--no-recurse-submodules", *args], check=False
    )
    if result.returncode == 0:
        logger.info("Ran `git fetch %s` in %s.", " ".join(args), repo)
        return True
    logger.warning(
        "`git fetch %s` failed: %s",
        " ".join(args),
        result.stderr.decode("utf-8", "replace").strip(),
    )
    return False


def ensure_commit(repo: Path, sha: str) -> bool:
    """Fetch ``sha`` from the checkout's remote when it is missing locally.

    Returns whether the commit is present afterwards. A shallow clone is
    unshallowed as a last resort. Every fetch is logged.
    """
    _check_revision(sha, "commit")
    if _has_commit(repo, sha):
        return True
    remote = _remote_name(repo)
    if remote is None:
        logger.warning(
            "Commit %s is missing and %s has no remote to fetch it from.", sha, repo
        )
        return False
    logger.info("Commit %s is missing in %s; fetching it from %s.", sha, repo, remote)
    if _fetch(repo, [remote, sha]) and _has_commit(repo, sha):
        return True
    if _is_shallow(repo) and _fetch(repo, ["--unshallow", remote]):
        return _has_commit(repo, sha)
    return False


def _merge_base_once(repo: Path, base: str, head: str) -> str | None:
    result = _run_git(repo, ["merge-base", "--end-of-options", base, head], check=False)
    if result.returncode == 0:
        return result.stdout.decode().strip()
    return None


def find_merge_base(repo: Path, base: str, head: str) -> str:
    """Return the merge base of ``base`` and ``head``, deepening a shallow clone.

    Raises GitError when the two commits share no history.
    """
    found = _merge_base_once(repo, base, head)
    remote = _remote_name(repo)
    steps: list[list[str]] = [[f"--deepen={n}"] for n in _DEEPEN_STEPS]
    steps.append(["--unshallow"])
    for step in steps:
        if found is not None or remote is None or not _is_shallow(repo):
            break
        logger.info(
            "No merge base of %s and %s in the shallow clone; deepening it.", base, head
        )
        if _fetch(repo, [*step, remote]):
            found = _merge_base_once(repo, base, head)
    if found is None:
        raise GitError(
            f"{base} and {head} have no merge base in {repo}; {_FETCH_DEPTH_FIX}, "
            "and check that the head branch was made from the base branch"
        )
    return found


def default_base(repo: Path) -> str:
    """Return the merge base of HEAD with the remote's default branch.

    The default branch is the remote's HEAD, else ``main`` or ``master`` on the
    remote, else a local ``main`` or ``master``.
    """
    remote = _remote_name(repo) or "origin"
    candidates: list[str] = []
    symbolic = _run_git(
        repo, ["symbolic-ref", "-q", f"refs/remotes/{remote}/HEAD"], check=False
    )
    if symbolic.returncode == 0:
        candidates.append(symbolic.stdout.decode().strip())
    candidates += [f"refs/remotes/{remote}/main", f"refs/remotes/{remote}/master"]
    candidates += ["refs/heads/main", "refs/heads/master"]
    for ref in candidates:
        if _has_commit(repo, ref):
            base = find_merge_base(repo, ref, "HEAD")
            logger.info("Comparing with the merge base %s of %s and HEAD.", base, ref)
            return base
    raise GitError(
        f"no default branch found in {repo} (tried {', '.join(candidates)}); "
        "pass the base branch or commit with --base (on the command line) "
        "or check out with its history"
    )


def _parse_raw(output: bytes) -> list[ChangedFile]:
    """Parse ``git diff --raw -z`` records.

    Each record is ``:oldmode newmode oldsha newsha STATUS`` then one path,
    or two paths (old, new) for renames and copies, all NUL-terminated.
    """
    fields = output.split(b"\0")
    files: list[ChangedFile] = []
    index = 0
    while index < len(fields) and fields[index]:
        header = fields[index].decode("ascii")
        old_mode, new_mode, _old_sha, _new_sha, status = header[1:].split(" ")
        letter = status[0]
        if letter in "RC":
            old = fields[index + 1].decode("utf-8", "surrogateescape")
            new = fields[index + 2].decode("utf-8", "surrogateescape")
            index += 3
        else:
            old = None
            new = fields[index + 1].decode("utf-8", "surrogateescape")
            index += 2
        files.append(_changed_file(new, letter, old, old_mode, new_mode))
    return files


def _changed_file(
    path: str, letter: str, previous: str | None, old_mode: str, new_mode: str
) -> ChangedFile:
    modes = (old_mode, new_mode)
    # A deleted symlink is still a symlink change, so look at the old mode then.
    current = old_mode if letter == "D" else new_mode
    return ChangedFile(
        path=path,
        status=_GIT_STATUS.get(letter, ChangeStatus.UNKNOWN),
        previous_path=previous,
        submodule=_SUBMODULE_MODE in modes,
        symlink=current == _SYMLINK_MODE,
    )


def git_changed_files(
    repo: Path, base: str, head: str, *, merge_base: bool = True
) -> ChangeSet:
    """List files changed from ``base`` to ``head`` with ``git diff``.

    With ``merge_base`` the comparison starts at the merge base of the two,
    as a pull request does, so commits added to the base branch later are not
    counted. Missing commits are fetched first. Raises GitError.
    """
    _run_git(
        repo,
        ["rev-parse", "--git-dir"],
        fix=f"run spectra-action inside a git checkout, not in {repo}",
    )
    for name, revision in (("base", base), ("head", head)):
        _check_revision(revision, name)
        if not ensure_commit(repo, revision):
            raise GitError(
                f"{name} commit {revision} is not in {repo} and could not be "
                f"fetched; {_FETCH_DEPTH_FIX}"
            )
    start = find_merge_base(repo, base, head) if merge_base else base
    args = [
        "diff",
        "--raw",
        "-z",
        "-M",
        "-C",
        "--no-relative",
        "--no-ext-diff",
        "--no-color",
        "--end-of-options",
        start,
        head,
        "--",
    ]
    result = _run_git(repo, args, fix=f"check that {repo} is a complete git checkout")
    files = _parse_raw(result.stdout)
    if result.stderr.strip():
        # For example, git skips rename detection past diff.renameLimit and
        # says so on stderr, and then lists those renames as add and delete.
        logger.warning(
            "git diff %s %s: %s", start, head, result.stderr.decode("utf-8", "replace")
        )
    logger.debug("git diff %s %s listed %s files.", start, head, len(files))
    return ChangeSet(files=files, source="git")


def api_changed_files(pr_files: Iterable[ApiFile]) -> ChangeSet:
    """Convert ``(filename, status, previous_filename)`` entries from the API.

    The list is marked incomplete when it reaches the API's 3000-file limit.
    """
    files = [
        ChangedFile(
            path=filename,
            status=_API_STATUS.get(status, ChangeStatus.UNKNOWN),
            previous_path=previous or None,
        )
        for filename, status, previous in pr_files
    ]
    if len(files) >= API_FILE_LIMIT:
        note = (
            f"GitHub lists at most {API_FILE_LIMIT} files of a pull request, so "
            "later files were not checked; use the git source for complete results"
        )
        return ChangeSet(files=files, source="api", complete=False, note=note)
    return ChangeSet(files=files, source="api")


def collect_changes(
    repo: Path,
    base: str,
    head: str,
    *,
    source: Literal["auto", "git", "api"] = "auto",
    api_files: Callable[[], Iterable[ApiFile]] | None = None,
    merge_base: bool = True,
) -> ChangeSet:
    """List the changed files from the chosen source.

    ``auto`` uses git and falls back to ``api_files`` when git fails, and
    raises the GitError when there is no ``api_files``.
    """
    if source == "api":
        if api_files is None:
            raise ConfigError(
                "change source 'api' needs the pull request's file list; "
                "use source 'git' outside a pull request"
            )
        return api_changed_files(api_files())
    try:
        return git_changed_files(repo, base, head, merge_base=merge_base)
    except GitError as error:
        if source == "git" or api_files is None:
            raise
        logger.warning("Listing changes with git failed, using the API: %s", error)
        return api_changed_files(api_files())
