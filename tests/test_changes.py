"""Tests for spectra_action.changes against real git repositories."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

import pytest

from spectra_action.changes import (
    API_FILE_LIMIT,
    ChangedFile,
    ChangeStatus,
    api_changed_files,
    collect_changes,
    default_base,
    ensure_commit,
    git_changed_files,
)
from spectra_action.errors import ConfigError, GitError

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

# Long enough for git's similarity score to call a changed copy a copy.
TEXT = "".join(f"line {n} of a file that stays mostly the same\n" for n in range(40))


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch):
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def write(repo: Path, name: str, text: str = TEXT) -> None:
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def by_path(files: list[ChangedFile]) -> dict[str, ChangedFile]:
    return {changed.path: changed for changed in files}


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo")
    write(repo, "keep.txt")
    write(repo, "edit.txt")
    write(repo, "gone.txt")
    write(repo, "old/name.py")
    write(repo, "source.txt")
    write(repo, "target")
    write(repo, "turns-link.txt")
    commit(repo, "base")
    return repo


def test_git_lists_add_modify_delete(repo):
    base = git(repo, "rev-parse", "HEAD")
    write(repo, "new.txt", "fresh\n")
    write(repo, "edit.txt", TEXT + "more\n")
    (repo / "gone.txt").unlink()
    head = commit(repo)
    files = by_path(git_changed_files(repo, base, head).files)
    assert files["new.txt"].status is ChangeStatus.ADDED
    assert files["edit.txt"].status is ChangeStatus.MODIFIED
    assert files["gone.txt"].status is ChangeStatus.DELETED
    assert set(files) == {"new.txt", "edit.txt", "gone.txt"}


def test_git_rename_keeps_previous_path(repo):
    base = git(repo, "rev-parse", "HEAD")
    (repo / "new").mkdir()
    git(repo, "mv", "old/name.py", "new/name.py")
    head = commit(repo)
    (changed,) = git_changed_files(repo, base, head).files
    assert changed.status is ChangeStatus.RENAMED
    assert changed.path == "new/name.py"
    assert changed.previous_path == "old/name.py"


def test_git_copy_detected(repo):
    base = git(repo, "rev-parse", "HEAD")
    write(repo, "copy.txt", TEXT)
    write(repo, "source.txt", TEXT + "the source changed too\n")
    head = commit(repo)
    files = by_path(git_changed_files(repo, base, head).files)
    assert files["copy.txt"].status is ChangeStatus.COPIED
    assert files["copy.txt"].previous_path == "source.txt"
    assert files["source.txt"].status is ChangeStatus.MODIFIED


def test_git_type_change_to_symlink(repo):
    base = git(repo, "rev-parse", "HEAD")
    (repo / "turns-link.txt").unlink()
    (repo / "turns-link.txt").symlink_to("target")
    head = commit(repo)
    (changed,) = git_changed_files(repo, base, head).files
    assert changed.status is ChangeStatus.TYPE_CHANGED
    assert changed.symlink is True


def test_git_new_symlink_flagged(repo):
    base = git(repo, "rev-parse", "HEAD")
    (repo / "link").symlink_to("target")
    head = commit(repo)
    (changed,) = git_changed_files(repo, base, head).files
    assert changed.status is ChangeStatus.ADDED
    assert changed.symlink is True
    assert changed.submodule is False


def test_git_deleted_symlink_flagged(repo):
    (repo / "link").symlink_to("target")
    base = commit(repo)
    (repo / "link").unlink()
    head = commit(repo)
    (changed,) = git_changed_files(repo, base, head).files
    assert changed.status is ChangeStatus.DELETED
    assert changed.symlink is True


def test_git_submodule_pointer_change(repo):
    first = git(repo, "rev-parse", "HEAD")
    # A gitlink entry is what `git submodule add` records in the index.
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{first},vendor/lib")
    git(repo, "commit", "-q", "-m", "add submodule")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "commit", "-q", "--allow-empty", "-m", "a commit to point at")
    second = git(repo, "rev-parse", "HEAD")
    git(repo, "update-index", "--cacheinfo", f"160000,{second},vendor/lib")
    git(repo, "commit", "-q", "-m", "move submodule")
    head = git(repo, "rev-parse", "HEAD")
    (changed,) = git_changed_files(repo, base, head).files
    assert changed.path == "vendor/lib"
    assert changed.status is ChangeStatus.MODIFIED
    assert changed.submodule is True


@pytest.mark.parametrize(
    "name",
    [
        "with space.txt",
        "quote\"and'apostrophe.txt",
        "new\nline.txt",
        "naïve-ünïcode-文件.txt",
        "-leading-dash.txt",
        "--output=evil",
        "tab\there.txt",
        "back\\slash.txt",
    ],
)
def test_git_unusual_path_verbatim(repo, name):
    base = git(repo, "rev-parse", "HEAD")
    write(repo, f"dir/{name}", "x\n")
    head = commit(repo)
    (changed,) = git_changed_files(repo, base, head).files
    assert changed.path == f"dir/{name}"
    assert changed.status is ChangeStatus.ADDED


def test_git_unusual_path_renamed(repo):
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "--", "keep.txt", '-keep "moved"\n.txt')
    head = commit(repo)
    (changed,) = git_changed_files(repo, base, head).files
    assert changed.path == '-keep "moved"\n.txt'
    assert changed.previous_path == "keep.txt"


def test_git_merge_base_ignores_moved_base(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "feature.txt", "feature\n")
    head = commit(repo, "feature work")
    git(repo, "checkout", "-q", "main")
    write(repo, "main-only.txt", "main moved on\n")
    base = commit(repo, "main work")
    files = git_changed_files(repo, base, head).files
    assert [changed.path for changed in files] == ["feature.txt"]


def test_git_without_merge_base_compares_tips(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "feature.txt", "feature\n")
    head = commit(repo, "feature work")
    git(repo, "checkout", "-q", "main")
    write(repo, "main-only.txt", "main moved on\n")
    base = commit(repo, "main work")
    files = by_path(git_changed_files(repo, base, head, merge_base=False).files)
    assert files["main-only.txt"].status is ChangeStatus.DELETED
    assert files["feature.txt"].status is ChangeStatus.ADDED


def test_git_accepts_ref_names(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "feature.txt", "feature\n")
    commit(repo, "feature work")
    files = git_changed_files(repo, "main", "feature").files
    assert [changed.path for changed in files] == ["feature.txt"]


def test_git_source_is_git(repo):
    base = git(repo, "rev-parse", "HEAD")
    change = git_changed_files(repo, base, base)
    assert change.source == "git"
    assert change.complete is True
    assert change.files == []


def shallow_pair(tmp_path: Path) -> tuple[Path, str, str]:
    """Make an origin whose main moved on and a depth-1 clone of its feature."""
    origin = make_repo(tmp_path / "origin")
    write(origin, "base.txt")
    commit(origin, "root")
    for n in range(3):
        write(origin, f"history{n}.txt", f"{n}\n")
        commit(origin, f"history {n}")

    git(origin, "checkout", "-q", "-b", "feature")
    write(origin, "feature.txt", "feature\n")
    commit(origin, "feature 1")
    write(origin, "feature2.txt", "feature\n")
    head = commit(origin, "feature 2")

    git(origin, "checkout", "-q", "main")
    write(origin, "main-only.txt", "main\n")
    base = commit(origin, "main moved on")

    clone = tmp_path / "clone"
    url = f"file://{origin}"
    clone_args = ["clone", "-q", "--depth", "1", "--branch", "feature", url]
    git(tmp_path, *clone_args, str(clone))
    return clone, base, head


def test_shallow_clone_fetches_base(tmp_path, caplog):
    clone, base, head = shallow_pair(tmp_path)
    caplog.set_level(logging.INFO, logger="spectra_action")
    files = git_changed_files(clone, base, head).files
    assert sorted(changed.path for changed in files) == ["feature.txt", "feature2.txt"]
    messages = [record.getMessage() for record in caplog.records]
    assert any(base in message and "fetching" in message for message in messages)
    assert any("deepening" in message for message in messages)


def test_ensure_commit_fetches_missing(tmp_path):
    clone, base, _head = shallow_pair(tmp_path)
    assert ensure_commit(clone, base) is True
    assert git(clone, "cat-file", "-t", base) == "commit"


def test_ensure_commit_present_is_true(repo):
    assert ensure_commit(repo, git(repo, "rev-parse", "HEAD")) is True


def test_ensure_commit_without_remote_false(repo):
    assert ensure_commit(repo, "0" * 40) is False


def test_git_missing_commit_error_names_fix(repo):
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(GitError) as caught:
        git_changed_files(repo, "1" * 40, head)
    assert "fetch-depth: 0" in str(caught.value)
    assert "1" * 40 in str(caught.value)


def test_git_dash_revision_rejected(repo):
    with pytest.raises(GitError, match="invalid base revision"):
        git_changed_files(repo, "--output=/tmp/x", "HEAD")


def test_git_unrelated_histories_error(repo, tmp_path):
    other = make_repo(tmp_path / "other")
    write(other, "other.txt")
    commit(other)
    git(repo, "fetch", "-q", str(other), "main:unrelated")
    with pytest.raises(GitError, match="no merge base"):
        git_changed_files(repo, "unrelated", "main")


def test_git_outside_checkout_names_fix(tmp_path):
    not_a_repo = tmp_path / "plain"
    not_a_repo.mkdir()
    with pytest.raises(GitError) as caught:
        git_changed_files(not_a_repo, "a", "b")
    assert "`git rev-parse --git-dir` failed" in str(caught.value)
    assert "not a git repository" in str(caught.value)
    assert "run spectra-action inside a git checkout" in str(caught.value)


def test_default_base_outside_checkout(tmp_path):
    not_a_repo = tmp_path / "plain"
    not_a_repo.mkdir()
    with pytest.raises(GitError) as caught:
        default_base(not_a_repo)
    assert "no default branch" in str(caught.value)


def test_default_base_prefers_origin_head(tmp_path):
    origin = make_repo(tmp_path / "origin")
    write(origin, "a.txt")
    first = commit(origin, "first")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-q", "-b", "work")
    write(clone, "b.txt")
    commit(clone, "work")
    assert default_base(clone) == first


def test_default_base_local_main(repo):
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "work")
    write(repo, "b.txt")
    commit(repo)
    assert default_base(repo) == first


def test_default_base_origin_master(tmp_path):
    origin = make_repo(tmp_path / "origin")
    git(origin, "checkout", "-q", "-b", "master")
    write(origin, "a.txt")
    first = commit(origin, "first")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--branch", "master", str(origin), str(clone))
    git(clone, "remote", "set-head", "origin", "--delete")
    git(clone, "checkout", "-q", "-b", "work")
    write(clone, "b.txt")
    commit(clone)
    assert default_base(clone) == first


def test_api_status_mapping():
    change = api_changed_files(
        [
            ("a", "added", None),
            ("b", "modified", None),
            ("c", "removed", None),
            ("d", "renamed", "old-d"),
            ("e", "copied", "src-e"),
            ("f", "changed", None),
            ("g", "unchanged", None),
        ]
    )
    files = by_path(change.files)
    assert files["a"].status is ChangeStatus.ADDED
    assert files["b"].status is ChangeStatus.MODIFIED
    assert files["c"].status is ChangeStatus.DELETED
    assert files["d"].status is ChangeStatus.RENAMED
    assert files["d"].previous_path == "old-d"
    assert files["e"].status is ChangeStatus.COPIED
    assert files["f"].status is ChangeStatus.TYPE_CHANGED
    assert files["g"].status is ChangeStatus.UNKNOWN
    assert change.source == "api"


def test_api_below_cap_complete():
    change = api_changed_files([(f"f{n}", "added", None) for n in range(2999)])
    assert change.complete is True
    assert change.note is None


def test_api_at_cap_incomplete():
    entries = [(f"f{n}", "added", None) for n in range(API_FILE_LIMIT)]
    change = api_changed_files(entries)
    assert change.complete is False
    assert change.note is not None
    assert "3000" in change.note


def test_api_empty_previous_is_none():
    (changed,) = api_changed_files([("a", "modified", "")]).files
    assert changed.previous_path is None


def test_collect_auto_uses_git(repo):
    base = git(repo, "rev-parse", "HEAD")
    write(repo, "new.txt", "x\n")
    head = commit(repo)
    calls: list[str] = []

    def api_files() -> list[tuple[str, str, str | None]]:
        calls.append("api")
        return []

    change = collect_changes(repo, base, head, source="auto", api_files=api_files)
    assert change.source == "git"
    assert calls == []


def test_collect_auto_falls_back_to_api(repo, caplog):
    head = git(repo, "rev-parse", "HEAD")
    change = collect_changes(
        repo,
        "2" * 40,
        head,
        source="auto",
        api_files=lambda: [("from-api.txt", "added", None)],
    )
    assert change.source == "api"
    assert [changed.path for changed in change.files] == ["from-api.txt"]
    assert any("using the API" in r.getMessage() for r in caplog.records)


def test_collect_auto_without_api_raises(repo):
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(GitError):
        collect_changes(repo, "2" * 40, head, source="auto", api_files=None)


def test_collect_git_never_falls_back(repo):
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(GitError):
        collect_changes(
            repo,
            "2" * 40,
            head,
            source="git",
            api_files=lambda: [("from-api.txt", "added", None)],
        )


def test_collect_api_source(repo):
    change = collect_changes(
        repo, "x", "y", source="api", api_files=lambda: [("a.txt", "removed", None)]
    )
    assert change.files[0].status is ChangeStatus.DELETED


def test_collect_api_without_callable_raises(repo):
    with pytest.raises(ConfigError, match="source 'git'"):
        collect_changes(repo, "x", "y", source="api", api_files=None)


def test_git_rename_limit_warning_logged(repo, caplog):
    for n in range(3):
        write(repo, f"many/file{n}.txt", TEXT + f"file {n}\n")
    base = commit(repo)
    git(repo, "config", "diff.renameLimit", "1")
    for n in range(3):
        (repo / f"many/file{n}.txt").unlink()
        write(repo, f"moved/file{n}.txt", TEXT + f"file {n} changed\n")
    head = commit(repo)
    files = by_path(git_changed_files(repo, base, head).files)
    assert files["moved/file0.txt"].status is ChangeStatus.ADDED
    assert files["many/file0.txt"].status is ChangeStatus.DELETED
    assert any("renameLimit" in r.getMessage() for r in caplog.records)
