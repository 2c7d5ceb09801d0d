"""Tests for spectra_action.scoping: tasks a pull request declares."""

from __future__ import annotations

from collections.abc import Sequence

from spectra_action.config import ScopingConfig
from spectra_action.scoping import Declaration, declared_tasks, normalize_task_id

KNOWN = ["001", "002", "003", "010"]


def declare(
    *,
    branch: str | None = None,
    title: str | None = None,
    labels: Sequence[str] = (),
    body: str | None = None,
    config: ScopingConfig | None = None,
) -> Declaration:
    return declared_tasks(
        branch=branch,
        title=title,
        labels=labels,
        body=body,
        config=config or ScopingConfig(),
        known_ids=KNOWN,
    )


def test_branch_default_pattern():
    declaration = declare(branch="spectra/002-audit-events")
    assert declaration.tasks == {"002": ["branch spectra/002-audit-events"]}


def test_branch_bare_id():
    assert declare(branch="spectra/003").tasks == {"003": ["branch spectra/003"]}


def test_branch_full_ref():
    declaration = declare(branch="refs/heads/spectra/001-x")
    assert declaration.tasks == {"001": ["branch spectra/001-x"]}


def test_branch_other_name_ignored():
    assert declare(branch="feature/002-x").tasks == {}


def test_branch_short_id_not_default():
    # The default pattern requires three digits, so spectra/2fa names no task.
    assert declare(branch="spectra/2fa").tasks == {}


def test_branch_custom_pattern():
    config = ScopingConfig(branch_pattern=r"^agent/t(?P<ids>\d+)")
    declaration = declare(branch="agent/t2-fix", config=config)
    assert declaration.tasks == {"002": ["branch agent/t2-fix"]}


def test_branch_pattern_disabled():
    config = ScopingConfig(branch_pattern=None)
    assert declare(branch="spectra/002-x", config=config).tasks == {}


def test_branch_pattern_several_ids():
    config = ScopingConfig(branch_pattern=r"^multi/(?P<ids>[\d+]+)")
    declaration = declare(branch="multi/1+3", config=config)
    assert list(declaration.tasks) == ["001", "003"]


def test_title_brackets():
    declaration = declare(title="[002] Emit audit events")
    assert declaration.tasks == {"002": ["title [002]"]}


def test_title_brackets_several():
    declaration = declare(title="[1, 3] Two tasks")
    assert declaration.tasks == {"001": ["title [1, 3]"], "003": ["title [1, 3]"]}


def test_title_task_word():
    declaration = declare(title="Implement task 10 properly")
    assert declaration.tasks == {"010": ["title task 10"]}


def test_title_other_brackets_ignored():
    assert declare(title="[WIP] tidy up").tasks == {}


def test_title_disabled():
    config = ScopingConfig(title=False)
    assert declare(title="[002] x", config=config).tasks == {}


def test_label_form():
    declaration = declare(labels=["bug", "spectra:003", "Spectra: 1"])
    assert declaration.tasks == {
        "003": ["label spectra:003"],
        "001": ["label Spectra: 1"],
    }


def test_label_partial_ignored():
    assert declare(labels=["not-spectra:002x"]).tasks == {}


def test_labels_disabled():
    config = ScopingConfig(labels=False)
    assert declare(labels=["spectra:002"], config=config).tasks == {}


def test_body_line():
    body = "Adds the audit emitter.\n\nSpectra-Task: 002\n"
    assert declare(body=body).tasks == {"002": ["body Spectra-Task: 002"]}


def test_body_several_ids():
    body = "spectra-task: 001, Task 003,#10\r\nmore text"
    declaration = declare(body=body)
    assert list(declaration.tasks) == ["001", "003", "010"]
    assert declaration.tasks["010"] == ["body spectra-task: 001, Task 003,#10"]


def test_body_list_item_line():
    declaration = declare(body="- Spectra-Task: 002")
    assert declaration.tasks == {"002": ["body Spectra-Task: 002"]}


def test_body_mid_line_ignored():
    assert declare(body="see Spectra-Task: 002 in the other PR").tasks == {}


def test_body_value_on_next_line_ignored():
    assert declare(body="Spectra-Task:\n002\n").tasks == {}


def test_body_placeholder_ignored():
    assert declare(body="<!-- Spectra-Task: NNN -->").tasks == {}


def test_body_disabled():
    config = ScopingConfig(body=False)
    assert declare(body="Spectra-Task: 002", config=config).tasks == {}


def test_unknown_ids_separate():
    declaration = declare(title="[002] and Task 999")
    assert declaration.tasks == {"002": ["title [002]"]}
    assert declaration.unknown == {"999": ["title Task 999"]}


def test_sources_merged_per_id():
    declaration = declare(
        branch="spectra/002-x",
        title="[002] x",
        labels=["spectra:002"],
        body="Spectra-Task: 2",
    )
    assert declaration.tasks == {
        "002": [
            "branch spectra/002-x",
            "title [002]",
            "label spectra:002",
            "body Spectra-Task: 2",
        ]
    }


def test_same_source_listed_once():
    declaration = declare(title="[002] [002]")
    assert declaration.tasks == {"002": ["title [002]"]}


def test_nothing_declared_empty():
    declaration = declare()
    assert declaration.tasks == {}
    assert declaration.unknown == {}


def test_normalize_task_id_pads():
    assert normalize_task_id("2") == "002"
    assert normalize_task_id("0002") == "002"
    assert normalize_task_id("1234") == "1234"
