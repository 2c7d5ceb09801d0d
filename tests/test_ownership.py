"""Tests for spectra_action.ownership: the index and the verdicts."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Collection
from pathlib import Path

import pytest

from spectra_action.changes import ChangedFile, ChangeStatus, git_changed_files
from spectra_action.errors import ConfigError
from spectra_action.ownership import (
    FileVerdict,
    OwnershipIndex,
    VerdictKind,
    judge_changes,
    normalize_path,
    parse_entry,
)
from spectra_action.plan.models import FileOwnership, Plan, Task


def make_task(
    task_id: str,
    owns: list[str] | None = None,
    touches: list[str] | None = None,
    reads: list[str] | None = None,
) -> Task:
    ownership = FileOwnership(owns=owns or [], touches=touches or [], reads=reads or [])
    return Task(id=task_id, title=f"Task {task_id}", line=1, ownership=ownership)


def make_plan(*tasks: Task) -> Plan:
    return Plan(path=".spectra/plan.md", tasks=list(tasks))


def change(
    path: str,
    status: ChangeStatus = ChangeStatus.MODIFIED,
    previous: str | None = None,
) -> ChangedFile:
    return ChangedFile(path=path, status=status, previous_path=previous)


def verdict_of(
    plan: Plan,
    path: str,
    *,
    ignore: list[str] | None = None,
    scope: Collection[str] | None = None,
) -> FileVerdict:
    (verdict,) = judge_changes(plan, [change(path)], ignore=ignore or (), scope=scope)
    return verdict


PLAN = make_plan(
    make_task("001", owns=["src/core/"], touches=["src/shared.py"], reads=["docs/"]),
    make_task(
        "002", owns=["src/api/*.py", "tests/test_api.py"], touches=["src/shared.py"]
    ),
    make_task("003", owns=["Makefile", ".github/"], reads=["src/core/types.py"]),
)


def test_index_exact_owner():
    assert OwnershipIndex(PLAN).owners("tests/test_api.py") == ["002"]


def test_index_directory_covers_subtree():
    assert OwnershipIndex(PLAN).owners("src/core/deep/module.py") == ["001"]


def test_index_directory_entry_not_file():
    assert OwnershipIndex(PLAN).owners("src/core") == []


def test_index_glob_one_level():
    index = OwnershipIndex(PLAN)
    assert index.owners("src/api/routes.py") == ["002"]
    assert index.owners("src/api/v2/routes.py") == []


def test_index_bare_name_any_depth():
    index = OwnershipIndex(PLAN)
    assert index.owners("Makefile") == ["003"]
    assert index.owners("tools/build/Makefile") == ["003"]


def test_index_dotfile_directory():
    assert OwnershipIndex(PLAN).owners(".github/workflows/ci.yml") == ["003"]


def test_index_touchers_plan_order():
    plan = make_plan(
        make_task("001", touches=["shared.py"]),
        make_task("010", touches=["shared.py"]),
        make_task("002", touches=["/shared.py"]),
    )
    assert OwnershipIndex(plan).touchers("shared.py") == ["001", "010", "002"]


def test_index_readers():
    assert OwnershipIndex(PLAN).readers("docs/guide.md") == ["001"]


def test_index_case_sensitive():
    assert OwnershipIndex(PLAN).owners("makefile") == []


def test_index_normalises_entries_and_paths():
    plan = make_plan(make_task("001", owns=["./src//lib/", ".//tools///run.sh"]))
    index = OwnershipIndex(plan)
    assert index.owners("src/lib/a.py") == ["001"]
    assert index.owners("./src//lib/a.py") == ["001"]
    assert index.owners("tools/run.sh") == ["001"]


def test_index_leading_slash_anchors():
    plan = make_plan(make_task("001", owns=["/setup.cfg"]))
    index = OwnershipIndex(plan)
    assert index.owners("setup.cfg") == ["001"]
    assert index.owners("pkg/setup.cfg") == []


def test_index_exact_path_covers_directory():
    # As in .gitignore, an entry that names a directory covers its contents.
    plan = make_plan(make_task("001", owns=["vendor/lib"]))
    assert OwnershipIndex(plan).owners("vendor/lib/file.c") == ["001"]


def test_index_double_star_across_levels():
    plan = make_plan(make_task("001", owns=["services/**/handler.ts"]))
    index = OwnershipIndex(plan)
    assert index.owners("services/handler.ts") == ["001"]
    assert index.owners("services/a/b/handler.ts") == ["001"]
    assert index.owners("other/services/handler.ts") == []


def test_index_many_globs_one_prefix():
    # More globs than fit in one combined regex still match individually.
    owns = [f"pkg/mod{n}_*.py" for n in range(100)]
    plan = make_plan(make_task("001", owns=owns), make_task("002", owns=["pkg/*.md"]))
    index = OwnershipIndex(plan)
    assert index.owners("pkg/mod77_x.py") == ["001"]
    assert index.owners("pkg/mod100_x.py") == []
    assert index.owners("pkg/readme.md") == ["002"]


def test_index_task_without_ownership():
    plan = make_plan(Task(id="001", title="t", line=1))
    assert OwnershipIndex(plan).owners("anything") == []


def test_index_negated_entry_skipped(caplog):
    caplog.set_level(logging.WARNING, logger="spectra_action")
    plan = make_plan(make_task("001", owns=["src/", "!src/generated/"]))
    index = OwnershipIndex(plan)
    assert index.owners("src/generated/x.py") == ["001"]
    assert any("!src/generated/" in r.getMessage() for r in caplog.records)


def test_index_invalid_glob_skipped(caplog):
    caplog.set_level(logging.WARNING, logger="spectra_action")
    plan = make_plan(make_task("001", owns=["x/[z-a]/y", "\\", "ok.py"]))
    index = OwnershipIndex(plan)
    assert index.owners("ok.py") == ["001"]
    assert index.owners("x/z/y") == []
    assert any("x/[z-a]/y" in r.getMessage() for r in caplog.records)


def test_judge_invalid_ignore_raises():
    with pytest.raises(ConfigError, match="invalid ignore pattern"):
        judge_changes(PLAN, [change("a.py")], ignore=["x/[z-a]/"])


def test_index_same_task_twice_once():
    plan = make_plan(make_task("001", owns=["a.py", "/a.py", "*.py"]))
    assert OwnershipIndex(plan).owners("a.py") == ["001"]


def test_index_overlap_lists_both():
    plan = make_plan(make_task("001", owns=["x.py"]), make_task("002", owns=["*.py"]))
    assert OwnershipIndex(plan).owners("x.py") == ["001", "002"]


def test_parse_entry_empty_forms():
    assert parse_entry("") is None
    assert parse_entry("(none)") is None
    assert parse_entry("./") is None


def test_parse_entry_classifies():
    entry = parse_entry("/docs/")
    assert entry is not None
    assert entry.anchored is True
    assert entry.directory_only is True
    assert entry.glob is False
    assert entry.key == "docs"


def test_normalize_path_forms():
    assert normalize_path("./a//b/c") == "a/b/c"
    assert normalize_path("/a/b") == "a/b"


def test_verdict_owned():
    verdict = verdict_of(PLAN, "src/core/engine.py")
    assert verdict.kind is VerdictKind.OWNED
    assert verdict.tasks == ["001"]


def test_verdict_touched():
    verdict = verdict_of(PLAN, "src/shared.py")
    assert verdict.kind is VerdictKind.TOUCHED
    assert verdict.tasks == ["001", "002"]


def test_verdict_read_only():
    verdict = verdict_of(PLAN, "docs/intro.md")
    assert verdict.kind is VerdictKind.READ_ONLY
    assert verdict.tasks == ["001"]


def test_verdict_unplanned():
    verdict = verdict_of(PLAN, "scripts/deploy.sh")
    assert verdict.kind is VerdictKind.UNPLANNED
    assert verdict.tasks == []


def test_verdict_owned_beats_read():
    # 003 reads src/core/types.py, but 001 owns the directory it is in.
    verdict = verdict_of(PLAN, "src/core/types.py")
    assert verdict.kind is VerdictKind.OWNED
    assert verdict.tasks == ["001"]


def test_verdict_touched_beats_read():
    plan = make_plan(
        make_task("001", touches=["a.py"]), make_task("002", reads=["a.py"])
    )
    assert verdict_of(plan, "a.py").kind is VerdictKind.TOUCHED


def test_verdict_ignored_beats_owned():
    verdict = verdict_of(PLAN, "src/core/engine.py", ignore=["src/core/*.py"])
    assert verdict.kind is VerdictKind.IGNORED
    assert verdict.tasks == []


def test_verdict_ignore_negation():
    ignore = ["docs/", "!docs/keep.md"]
    assert verdict_of(PLAN, "docs/drop.md", ignore=ignore).kind is VerdictKind.IGNORED
    assert verdict_of(PLAN, "docs/keep.md", ignore=ignore).kind is VerdictKind.READ_ONLY


def test_verdict_ignore_anchored():
    ignore = ["/plan.md"]
    assert verdict_of(PLAN, "plan.md", ignore=ignore).kind is VerdictKind.IGNORED
    assert verdict_of(PLAN, "x/plan.md", ignore=ignore).kind is VerdictKind.UNPLANNED


def test_verdict_foreign_outside_scope():
    verdict = verdict_of(PLAN, "src/core/engine.py", scope={"002"})
    assert verdict.kind is VerdictKind.FOREIGN
    assert verdict.tasks == ["001"]


def test_verdict_owned_inside_scope():
    verdict = verdict_of(PLAN, "src/core/engine.py", scope={"001", "002"})
    assert verdict.kind is VerdictKind.OWNED


def test_verdict_empty_scope_foreign():
    assert verdict_of(PLAN, "Makefile", scope=()).kind is VerdictKind.FOREIGN


def test_verdict_touched_ignores_scope():
    assert verdict_of(PLAN, "src/shared.py", scope={"003"}).kind is VerdictKind.TOUCHED


def test_verdict_keeps_status_and_path():
    (verdict,) = judge_changes(PLAN, [change("./Makefile", ChangeStatus.DELETED)])
    assert verdict.path == "./Makefile"
    assert verdict.status is ChangeStatus.DELETED
    assert verdict.kind is VerdictKind.OWNED


def test_rename_judged_on_both_sides():
    moved = change("src/core/new.py", ChangeStatus.RENAMED, "src/api/old.py")
    new, old = judge_changes(PLAN, [moved])
    assert (new.path, new.kind, new.tasks) == (
        "src/core/new.py",
        VerdictKind.OWNED,
        ["001"],
    )
    assert new.previous_path == "src/api/old.py"
    assert (old.path, old.kind, old.tasks) == (
        "src/api/old.py",
        VerdictKind.OWNED,
        ["002"],
    )
    assert old.previous_path is None
    assert old.status is ChangeStatus.RENAMED


def test_rename_old_side_foreign_in_scope():
    moved = change("src/core/new.py", ChangeStatus.RENAMED, "src/api/old.py")
    new, old = judge_changes(PLAN, [moved], scope={"001"})
    assert new.kind is VerdictKind.OWNED
    assert old.kind is VerdictKind.FOREIGN


def test_copy_source_with_own_record_once():
    copied = change("src/core/copy.py", ChangeStatus.COPIED, "src/api/a.py")
    verdicts = judge_changes(PLAN, [copied, change("src/api/a.py")])
    assert [v.path for v in verdicts] == ["src/core/copy.py", "src/api/a.py"]
    assert verdicts[1].status is ChangeStatus.MODIFIED


def test_copy_without_source_record_two():
    copied = change("src/core/copy.py", ChangeStatus.COPIED, "src/api/a.py")
    verdicts = judge_changes(PLAN, [copied])
    assert [v.path for v in verdicts] == ["src/core/copy.py", "src/api/a.py"]


def test_duplicate_paths_one_verdict():
    verdicts = judge_changes(PLAN, [change("Makefile"), change("./Makefile")])
    assert len(verdicts) == 1


def test_modified_previous_path_not_judged():
    # Only renames and copies have an old side worth judging.
    odd = change("Makefile", ChangeStatus.MODIFIED, "docs/x.md")
    assert [v.path for v in judge_changes(PLAN, [odd])] == ["Makefile"]


def test_judge_reuses_given_index():
    index = OwnershipIndex(PLAN)
    other = make_plan()
    (verdict,) = judge_changes(other, [change("Makefile")], index=index)
    assert verdict.kind is VerdictKind.OWNED


def test_judge_no_changes_empty():
    assert judge_changes(PLAN, []) == []


@pytest.fixture
def isolated_git(monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.invalid")


def run_git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_git_rename_across_tasks(tmp_path, isolated_git):
    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    (repo / "src/api").mkdir(parents=True)
    (repo / "src/core").mkdir(parents=True)
    body = "".join(f"value_{n} = {n}\n" for n in range(30))
    (repo / "src/api/helpers.py").write_text(body, encoding="utf-8")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "base")
    base = run_git(repo, "rev-parse", "HEAD")
    run_git(repo, "mv", "src/api/helpers.py", "src/core/helpers.py")
    run_git(repo, "commit", "-q", "-m", "move helpers to core")
    changes = git_changed_files(repo, base, "HEAD").files
    verdicts = judge_changes(PLAN, changes, scope={"001"})
    summary = [(v.path, v.kind, v.tasks, v.status) for v in verdicts]
    assert summary == [
        ("src/core/helpers.py", VerdictKind.OWNED, ["001"], ChangeStatus.RENAMED),
        ("src/api/helpers.py", VerdictKind.FOREIGN, ["002"], ChangeStatus.RENAMED),
    ]
