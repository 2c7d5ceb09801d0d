"""Parser tests: fields, tolerated variations and dependency merging."""

from __future__ import annotations

import hashlib

import pytest

from spectra_action.plan.models import (
    CheckboxState,
    FileOwnership,
    Plan,
    Severity,
    Task,
)
from spectra_action.plan.parser import parse_plan
from spectra_action.plan.values import parse_command

HEADER = """# SPECTRA Execution Plan

## Project: Parser Tests
## Level: 3
## Generated: 2026-04-01
## Source: .spectra/stories/

---
"""

TASK_ONE = """
## Task 001: Parse the config
- [ ] 001: Parse the config
- AC:
  - A valid file loads.
  - An invalid file is rejected.
- Files: app/config.py, tests/test_config.py
- Verify: `pytest tests/test_config.py -q`
- Risk: medium
- Max-iterations: 5
- Scope: code
- File-ownership:
  - owns: [app/config.py, tests/test_config.py]
  - touches: [app/__init__.py]
  - reads: [docs/config.md]
- Wiring-proof:
  - CLI: python -m app check-config
  - Integration: loader -> validator.
"""

TASK_TWO = """
## Task 002: Reload on change
- [ ] 002: Reload on change
- AC:
  - Editing the file reloads it.
- Files: app/reload.py
- Verify: `pytest tests/test_reload.py -q`
- Risk: low
- Max-iterations: 3
- Scope: code
- File-ownership:
  - owns: [app/reload.py]
  - touches: []
  - reads: [app/config.py]
- Wiring-proof:
  - CLI: python -m app watch
  - Integration: watcher -> loader.
- Dependencies: Task 001
"""

PARALLELISM = """
## Parallelism Assessment
- Independent tasks: [001]
- Sequential dependencies: [001 -> 002]
- Recommendation: TEAM_ELIGIBLE
"""

PLAN = HEADER + TASK_ONE + TASK_TWO + PARALLELISM


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """Return the 1-based line of the n-th line that contains ``needle``."""
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


def found(plan: Plan, code: str) -> list[tuple[int, Severity]]:
    return [(f.line, f.severity) for f in plan.findings if f.code == code]


def task_of(plan: Plan, task_id: str) -> Task:
    task = plan.task(task_id)
    assert task is not None
    return task


def task_one(plan: Plan) -> Task:
    return task_of(plan, "001")


def owned(plan: Plan) -> FileOwnership:
    ownership = task_one(plan).ownership
    assert ownership is not None
    return ownership


def test_parse_clean_plan_has_no_findings() -> None:
    plan = parse_plan(PLAN)
    assert plan.findings == []


def test_parse_header_fields() -> None:
    plan = parse_plan(PLAN)
    assert plan.project == "Parser Tests"
    assert plan.title == "SPECTRA Execution Plan"
    assert plan.level == 3
    assert plan.level_source == "plan"
    assert plan.header_level == 3


def test_parse_task_fields() -> None:
    task = task_one(parse_plan(PLAN))
    assert task.title == "Parse the config"
    assert task.state is CheckboxState.PENDING
    assert task.ac == ["A valid file loads.", "An invalid file is rejected."]
    assert task.files == ["app/config.py", "tests/test_config.py"]
    assert task.verify == "pytest tests/test_config.py -q"
    assert task.risk == "medium"
    assert task.max_iterations == 5
    assert task.scope == "code"
    assert task.wiring_proof == {
        "CLI": "python -m app check-config",
        "Integration": "loader -> validator.",
    }


def test_parse_ownership_lists() -> None:
    task = task_one(parse_plan(PLAN))
    assert task.ownership is not None
    assert task.ownership.owns == ["app/config.py", "tests/test_config.py"]
    assert task.ownership.touches == ["app/__init__.py"]
    assert task.ownership.reads == ["docs/config.md"]
    assert task.ownership.line == line_of(PLAN, "- File-ownership:")


def test_parse_field_lines() -> None:
    task = task_one(parse_plan(PLAN))
    assert task.line == line_of(PLAN, "## Task 001")
    assert task.field_lines["checkbox"] == line_of(PLAN, "- [ ] 001")
    assert task.field_lines["verify"] == line_of(PLAN, "- Verify:")
    assert task.field_lines["ownership.reads"] == line_of(PLAN, "reads: [docs")


def test_parse_keeps_source_lines() -> None:
    plan = parse_plan(PLAN)
    task = task_one(plan)
    lines = PLAN.split("\n")
    assert task.source_lines == lines[task.line - 1 : task.end_line]
    assert task.source_lines[0] == "## Task 001: Parse the config"
    assert task.end_line == line_of(PLAN, "## Task 002") - 1


def test_parse_sha256_of_text() -> None:
    plan = parse_plan(PLAN)
    assert plan.sha256 == hashlib.sha256(PLAN.encode()).hexdigest()


def test_level_defaults_to_one() -> None:
    plan = parse_plan(PLAN.replace("## Level: 3\n", ""))
    assert plan.level == 1
    assert plan.level_source == "default"


def test_level_argument_wins_and_warns() -> None:
    plan = parse_plan(PLAN, level=2, level_source=".spectra/project.yaml")
    assert plan.level == 2
    assert plan.level_source == ".spectra/project.yaml"
    assert found(plan, "LEVEL_MISMATCH") == [(4, Severity.WARNING)]


def test_level_invalid_header() -> None:
    plan = parse_plan(PLAN.replace("## Level: 3", "## Level: high"))
    assert plan.level == 1
    assert found(plan, "INVALID_FIELD") == [(4, Severity.ERROR)]


@pytest.mark.parametrize(
    ("mark", "state"),
    [
        (" ", CheckboxState.PENDING),
        ("x", CheckboxState.COMPLETE),
        ("X", CheckboxState.COMPLETE),
        ("!", CheckboxState.STUCK),
    ],
)
def test_checkbox_states(mark: str, state: CheckboxState) -> None:
    plan = parse_plan(PLAN.replace("- [ ] 001", f"- [{mark}] 001"))
    assert task_one(plan).state is state


def test_checkbox_capital_x_warns() -> None:
    plan = parse_plan(PLAN.replace("- [ ] 001", "- [X] 001"))
    assert found(plan, "CHECKBOX_CAPITAL_X") == [(11, Severity.WARNING)]


def test_checkbox_unknown_mark() -> None:
    plan = parse_plan(PLAN.replace("- [ ] 001", "- [?] 001"))
    assert found(plan, "INVALID_CHECKBOX") == [(11, Severity.ERROR)]
    assert task_one(plan).state is CheckboxState.PENDING


def test_checkbox_duplicate() -> None:
    text = PLAN.replace(
        "- [ ] 001: Parse the config\n",
        "- [ ] 001: Parse the config\n- [x] 001: Parse the config\n",
    )
    plan = parse_plan(text)
    assert found(plan, "DUPLICATE_CHECKBOX") == [(12, Severity.ERROR)]
    assert task_one(plan).state is CheckboxState.PENDING


def test_crlf_parses_same_and_warns_once() -> None:
    plan = parse_plan(PLAN.replace("\n", "\r\n"))
    clean = parse_plan(PLAN)
    assert found(plan, "CRLF_LINE_ENDINGS") == [(1, Severity.WARNING)]
    assert plan.tasks[0].ac == clean.tasks[0].ac
    assert plan.tasks[0].verify == clean.tasks[0].verify
    assert plan.tasks[1].dependencies == ["001"]


def test_crlf_keeps_sha_of_original() -> None:
    text = PLAN.replace("\n", "\r\n")
    plan = parse_plan(text)
    assert plan.sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_bom_is_dropped_with_warning() -> None:
    plan = parse_plan("\ufeff" + PLAN)
    assert found(plan, "UTF8_BOM") == [(1, Severity.WARNING)]
    assert plan.title == "SPECTRA Execution Plan"
    assert len(plan.tasks) == 2


def test_tab_indent_warns() -> None:
    text = PLAN.replace("  - owns: [app/config.py", "\t- owns: [app/config.py")
    plan = parse_plan(text)
    assert found(plan, "TAB_INDENT") == [(21, Severity.WARNING)]
    assert owned(plan).owns == ["app/config.py", "tests/test_config.py"]


def test_four_space_indent_warns() -> None:
    text = PLAN.replace("  - A valid file loads.", "    - A valid file loads.")
    text = text.replace("  - An invalid", "    - An invalid")
    plan = parse_plan(text)
    assert found(plan, "NONSTANDARD_INDENT") == [(13, Severity.WARNING)]
    assert task_one(plan).ac == ["A valid file loads.", "An invalid file is rejected."]


def test_trailing_spaces_warn_once_with_count() -> None:
    text = PLAN.replace("- Risk: medium", "- Risk: medium  ")
    text = text.replace(
        "- Scope: code\n- File-ownership:\n  - owns: [app/c",
        "- Scope: code \n- File-ownership:\n  - owns: [app/c",
    )
    plan = parse_plan(text)
    assert found(plan, "TRAILING_WHITESPACE") == [(17, Severity.WARNING)]
    assert "on 2 lines" in plan.findings[0].message
    assert task_one(plan).risk == "medium"
    assert task_one(plan).scope == "code"


@pytest.mark.parametrize("marker", ["*", "+"])
def test_other_bullets_warn(marker: str) -> None:
    text = PLAN.replace("- Risk: medium", f"{marker} Risk: medium")
    plan = parse_plan(text)
    assert found(plan, "BULLET_STYLE") == [(17, Severity.WARNING)]
    assert task_one(plan).risk == "medium"


def test_blank_line_inside_task_warns() -> None:
    text = PLAN.replace("- Risk: medium\n", "\n- Risk: medium\n")
    plan = parse_plan(text)
    assert found(plan, "BLANK_LINE_IN_TASK") == [(17, Severity.WARNING)]
    assert task_one(plan).risk == "medium"


def test_blank_lines_between_tasks_are_fine() -> None:
    text = PLAN.replace("\n## Task 002", "\n\n\n## Task 002")
    plan = parse_plan(text)
    assert plan.findings == []


def test_inline_code_paths_are_stripped() -> None:
    text = PLAN.replace(
        "- Files: app/config.py, tests/test_config.py",
        "- Files: `app/config.py`, `tests/test_config.py`",
    ).replace("owns: [app/config.py, tests", "owns: [`app/config.py`, tests")
    plan = parse_plan(text)
    assert found(plan, "INLINE_CODE_PATH") == [
        (15, Severity.WARNING),
        (21, Severity.WARNING),
    ]
    assert task_one(plan).files == ["app/config.py", "tests/test_config.py"]
    assert owned(plan).owns[0] == "app/config.py"


@pytest.mark.parametrize(
    ("legacy", "canonical", "field"),
    [
        ("Max iterations", "Max-iterations", "max_iterations"),
        ("Wiring proof", "Wiring-proof", "wiring_proof"),
        ("File ownership", "File-ownership", "ownership"),
    ],
)
def test_legacy_field_names(legacy: str, canonical: str, field: str) -> None:
    text = PLAN.replace(f"- {canonical}:", f"- {legacy}:", 1)
    plan = parse_plan(text)
    line = line_of(text, f"- {legacy}:")
    assert found(plan, "LEGACY_FIELD_NAME") == [(line, Severity.WARNING)]
    assert field in task_one(plan).field_lines


def test_field_name_case_variant() -> None:
    plan = parse_plan(PLAN.replace("- Risk: medium", "- risk: medium"))
    assert found(plan, "FIELD_NAME_VARIANT") == [(17, Severity.WARNING)]
    assert task_one(plan).risk == "medium"


def test_bare_list_warns() -> None:
    text = PLAN.replace(
        "owns: [app/config.py, tests/test_config.py]",
        "owns: app/config.py, tests/test_config.py",
    )
    plan = parse_plan(text)
    assert found(plan, "BARE_LIST") == [(21, Severity.WARNING)]
    assert owned(plan).owns == ["app/config.py", "tests/test_config.py"]


@pytest.mark.parametrize("empty", ["[]", "(none)", "[none]"])
def test_empty_list_forms(empty: str) -> None:
    text = PLAN.replace("touches: [app/__init__.py]", f"touches: {empty}")
    plan = parse_plan(text)
    assert owned(plan).touches == []
    assert found(plan, "BARE_LIST") == []


def test_blank_list_value_warns() -> None:
    plan = parse_plan(PLAN.replace("touches: [app/__init__.py]", "touches:"))
    assert found(plan, "BARE_LIST") == [(22, Severity.WARNING)]
    assert owned(plan).touches == []


def test_unclosed_list_is_an_error() -> None:
    plan = parse_plan(PLAN.replace("reads: [docs/config.md]", "reads: [docs/config.md"))
    assert found(plan, "INVALID_FIELD") == [(23, Severity.ERROR)]
    assert owned(plan).reads == ["docs/config.md"]


def test_long_id_accepted_with_warning() -> None:
    text = PLAN.replace("Task 002: Reload", "Task 1000: Reload").replace(
        "- [ ] 002: Reload", "- [ ] 1000: Reload"
    )
    plan = parse_plan(text)
    assert plan.task_ids == ["001", "1000"]
    assert found(plan, "ID_NOT_THREE_DIGITS") == [(28, Severity.WARNING)]


def test_short_id_is_padded_with_warning() -> None:
    text = PLAN.replace("Task 001: Parse", "Task 1: Parse")
    plan = parse_plan(text)
    assert plan.task_ids == ["001", "002"]
    assert found(plan, "ID_NOT_THREE_DIGITS") == [(10, Severity.WARNING)]


def test_level_three_task_heading_warns() -> None:
    plan = parse_plan(PLAN.replace("## Task 002:", "### Task 002:"))
    assert plan.task_ids == ["001", "002"]
    assert found(plan, "TASK_HEADING_FORMAT") == [(28, Severity.WARNING)]


def test_heading_without_colon_warns() -> None:
    plan = parse_plan(PLAN.replace("## Task 002: Reload", "## Task 002 - Reload"))
    assert task_of(plan, "002").title == "Reload on change"
    assert found(plan, "TASK_HEADING_FORMAT") == [(28, Severity.WARNING)]


def test_verify_double_backticks() -> None:
    text = PLAN.replace(
        "- Verify: `pytest tests/test_config.py -q`",
        "- Verify: ``grep -q '`x`' app/config.py``",
    )
    plan = parse_plan(text)
    assert task_one(plan).verify == "grep -q '`x`' app/config.py"
    assert task_one(plan).verify_quoted is True


def test_verify_unquoted_is_kept_raw() -> None:
    plan = parse_plan(PLAN.replace("`pytest tests/test_config.py -q`", "pytest -q"))
    assert task_one(plan).verify is None
    assert task_one(plan).verify_quoted is False
    assert task_one(plan).raw_fields["verify"] == "pytest -q"


def test_verify_trailing_text_warns() -> None:
    text = PLAN.replace("-q`\n- Risk: medium", "-q` (slow)\n- Risk: medium")
    plan = parse_plan(text)
    assert found(plan, "VERIFY_TRAILING_TEXT") == [(16, Severity.WARNING)]
    assert task_one(plan).verify == "pytest tests/test_config.py -q"


def test_unknown_field_warns() -> None:
    plan = parse_plan(PLAN.replace("- Risk: medium", "- Risk: medium\n- Owner: alice"))
    assert found(plan, "UNKNOWN_FIELD") == [(18, Severity.WARNING)]


def test_prose_inside_task_warns() -> None:
    plan = parse_plan(
        PLAN.replace("- Risk: medium", "Some notes here.\n- Risk: medium")
    )
    assert found(plan, "UNEXPECTED_LINE") == [(17, Severity.WARNING)]
    assert task_one(plan).risk == "medium"


def test_duplicate_field_keeps_first() -> None:
    plan = parse_plan(PLAN.replace("- Risk: medium", "- Risk: medium\n- Risk: high"))
    assert found(plan, "DUPLICATE_FIELD") == [(18, Severity.ERROR)]
    assert task_one(plan).risk == "medium"


def test_ac_inline_value() -> None:
    text = PLAN.replace(
        "- AC:\n  - A valid file loads.\n  - An invalid file is rejected.\n",
        "- AC: A valid file loads.\n",
    )
    assert task_one(parse_plan(text)).ac == ["A valid file loads."]


def test_ac_continuation_line_joins() -> None:
    text = PLAN.replace("  - A valid file loads.", "  - A valid file\n    loads.")
    plan = parse_plan(text)
    assert task_one(plan).ac[0] == "A valid file loads."
    assert found(plan, "UNEXPECTED_LINE") == []


def test_task_ends_at_next_section() -> None:
    text = PLAN.replace(
        PARALLELISM, "\n## Notes\n- Files: not/a/task/field.py\n" + PARALLELISM
    )
    plan = parse_plan(text)
    assert task_of(plan, "002").files == ["app/reload.py"]
    assert task_of(plan, "002").end_line == line_of(text, "## Notes") - 1


def test_task_heading_inside_fence_ignored() -> None:
    text = PLAN + "\n## Notes\n```\n## Task 009: Example only\n```\n"
    plan = parse_plan(text)
    assert plan.task_ids == ["001", "002"]


def test_dependencies_line_forms() -> None:
    text = PLAN.replace("- Dependencies: Task 001", "- Dependencies: 001")
    assert task_of(parse_plan(text), "002").dependencies == ["001"]


@pytest.mark.parametrize("empty", ["[none]", "[]", "none"])
def test_parallelism_empty_chains(empty: str) -> None:
    text = PLAN.replace("[001 -> 002]", empty).replace("- Dependencies: Task 001\n", "")
    plan = parse_plan(text)
    assert task_of(plan, "002").dependencies == []


def test_parallelism_unicode_arrow() -> None:
    text = PLAN.replace("[001 -> 002]", "[001 → 002]").replace(
        "- Dependencies: Task 001\n", ""
    )
    plan = parse_plan(text)
    assert task_of(plan, "002").dependencies == ["001"]
    assert task_of(plan, "002").dependency_lines == {"001": line_of(text, "Sequential")}


def test_parallelism_fields() -> None:
    plan = parse_plan(PLAN)
    assert plan.parallelism_line == line_of(PLAN, "## Parallelism")
    assert plan.recommendation == "TEAM_ELIGIBLE"
    assert plan.independent_tasks == ["001"]


THREE = """
## Task 003: Report reload errors
- [ ] 003: Report reload errors
- AC:
  - A broken file logs one error.
- Files: app/errors.py
- Verify: `pytest tests/test_errors.py -q`
"""


def test_graph_section_chain_with_prefix() -> None:
    text = (
        HEADER
        + TASK_ONE
        + TASK_TWO
        + THREE
        + "\n## Dependency Graph\nTrack A: 002 -> 003\n"
    )
    plan = parse_plan(text)
    assert task_of(plan, "003").dependencies == ["002"]


def test_graph_section_depends_on_list() -> None:
    text = (
        HEADER
        + TASK_ONE
        + TASK_TWO
        + THREE
        + "\n## Dependency Graph\n- Task 003 depends on 001, 002\n"
    )
    plan = parse_plan(text)
    assert task_of(plan, "003").dependencies == ["001", "002"]


def test_graph_section_depends_on_all() -> None:
    text = (
        HEADER
        + TASK_ONE
        + TASK_TWO
        + THREE
        + "\n## Dependency Graph\nTask 003 depends on all\n"
    )
    plan = parse_plan(text)
    assert task_of(plan, "003").dependencies == ["001", "002"]
    assert task_of(plan, "001").dependencies == []


def test_graph_section_in_fence() -> None:
    text = (
        HEADER
        + TASK_ONE
        + TASK_TWO
        + THREE
        + "\n## Dependency Graph\n```\n001 → 003\n```\n"
    )
    assert task_of(parse_plan(text), "003").dependencies == ["001"]


def test_graph_section_unparsed_arrow_warns() -> None:
    text = (
        HEADER + TASK_ONE + TASK_TWO + THREE + "\n## Dependency Graph\n001 -> deploy\n"
    )
    plan = parse_plan(text)
    assert found(plan, "UNPARSED_DEPENDENCY_LINE") == [
        (line_of(text, "deploy"), Severity.WARNING)
    ]


def test_dependencies_merged_from_all_places() -> None:
    text = (
        HEADER
        + TASK_ONE
        + TASK_TWO
        + THREE.replace("app/errors.py\n", "app/errors.py\n- Dependencies: 001\n")
        + PARALLELISM.replace("[001 -> 002]", "[001 -> 002, 002 -> 003]")
        + "\n## Dependency Graph\nTask 003 depends on 001\n"
    )
    plan = parse_plan(text)
    assert task_of(plan, "003").dependencies == ["001", "002"]
    assert task_of(plan, "003").dependency_lines["001"] == line_of(
        text, "- Dependencies: 001"
    )


def test_unknown_dependency_dropped() -> None:
    text = PLAN.replace(
        "- Dependencies: Task 001", "- Dependencies: Task 001, Task 009"
    )
    plan = parse_plan(text)
    assert task_of(plan, "002").dependencies == ["001"]
    assert found(plan, "UNKNOWN_DEPENDENCY") == [(44, Severity.ERROR)]


def test_unknown_dependency_in_chain() -> None:
    plan = parse_plan(PLAN.replace("[001 -> 002]", "[001 -> 002 -> 007]"))
    assert found(plan, "UNKNOWN_DEPENDENCY") == [
        (line_of(PLAN, "Sequential"), Severity.ERROR)
    ]


def test_self_dependency_dropped() -> None:
    plan = parse_plan(
        PLAN.replace("- Dependencies: Task 001", "- Dependencies: 001, 002")
    )
    assert task_of(plan, "002").dependencies == ["001"]
    assert found(plan, "SELF_DEPENDENCY") == [(44, Severity.ERROR)]


def test_invalid_dependency_token() -> None:
    plan = parse_plan(
        PLAN.replace("- Dependencies: Task 001", "- Dependencies: the config task")
    )
    assert found(plan, "INVALID_FIELD") == [(44, Severity.ERROR)]
    assert task_of(plan, "002").dependencies == ["001"]


def test_dependencies_sorted_numerically() -> None:
    text = PLAN.replace("Task 001: Parse", "Task 999: Parse").replace(
        "- [ ] 001: Parse", "- [ ] 999: Parse"
    )
    text = text.replace("Task 002: Reload", "Task 1000: Reload").replace(
        "- [ ] 002: Reload", "- [ ] 1000: Reload"
    )
    text = text.replace("- Dependencies: Task 001", "- Dependencies: 999")
    text = text.replace("[001 -> 002]", "[]").replace("[001]", "[999]")
    text += "\n## Task 1001: Third\n- [ ] 1001: Third\n- Dependencies: 1000, 999\n"
    plan = parse_plan(text)
    assert task_of(plan, "1001").dependencies == ["999", "1000"]


def test_empty_text_gives_plan() -> None:
    plan = parse_plan("")
    assert plan.tasks == []
    assert plan.findings == []


def test_heading_title_keeps_hash() -> None:
    text = PLAN.replace("Parse the config", "Support C#")
    plan = parse_plan(text)
    assert task_one(plan).title == "Support C#"
    assert plan.findings == []


def test_files_as_sub_items_warns() -> None:
    text = PLAN.replace(
        "- Files: app/config.py, tests/test_config.py",
        "- Files:\n  - app/config.py\n  - tests/test_config.py",
    )
    plan = parse_plan(text)
    assert found(plan, "FILES_AS_SUB_ITEMS") == [(16, Severity.WARNING)]
    assert task_one(plan).files == ["app/config.py", "tests/test_config.py"]


@pytest.mark.parametrize(
    ("value", "command", "rest"),
    [
        ("`make test`", "make test", ""),
        ("``echo `date` ``", "echo `date`", ""),
        ("`a` then more", "a", "then more"),
        ("`a``", None, ""),
        ("```", None, ""),
        ("plain", None, ""),
    ],
)
def test_parse_command_spans(value: str, command: str | None, rest: str) -> None:
    assert parse_command(value) == (command, rest)


def test_long_lines_parse() -> None:
    # Each line once sent a backtracking regex into quadratic or worse time.
    lines = [
        "- Verify: " + "`" * 20000,
        "- a" + " " * 20000 + "b",
        "## Task" + " " * 20000 + "x",
        "- [ ] 1" + " " * 20000 + "x",
    ]
    plan = parse_plan("## Task 001: Long\n" + "\n".join(lines) + "\n")
    assert plan.task_ids == ["001"]
    assert task_one(plan).verify is None


def test_tab_indent_counts_every_line() -> None:
    text = PLAN.replace("  - touches:", "\t- touches:").replace(
        "  - reads:", "\t- reads:"
    )
    plan = parse_plan(text)
    assert found(plan, "TAB_INDENT") == [(22, Severity.WARNING)]
    # Both tasks have a touches and a reads line.
    assert "on 4 lines" in plan.findings[0].message
