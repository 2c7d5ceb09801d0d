"""Lint rule tests, fixture verdicts, and load_plan on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from spectra_action.errors import PlanError
from spectra_action.plan import Plan, Severity, load_plan, parse_plan_text
from spectra_action.plan.lint import UNUSABLE_CODES, lint_plan
from spectra_action.plan.parser import parse_plan

PLANS = Path(__file__).parent / "plans"

HEADER = """# SPECTRA Execution Plan

## Project: Lint Tests
## Level: {level}

"""


def task(
    task_id: str,
    *,
    owns: str = "",
    touches: str = "[]",
    files: str = "",
    extra: str = "",
    state: str = " ",
) -> str:
    """Return a complete level-4 task block; ``owns`` defaults to Files."""
    files = files or f"src/t{task_id}.py"
    owns = owns or f"[{files}]"
    return f"""## Task {task_id}: Task number {task_id}
- [{state}] {task_id}: Task number {task_id}
- AC:
  - It works.
- Files: {files}
- Verify: `true`
- Risk: low
- Max-iterations: 3
- Scope: code
- File-ownership:
  - owns: {owns}
  - touches: {touches}
  - reads: []
- Wiring-proof:
  - CLI: true
  - Integration: a -> b.
{extra}
"""


PARALLEL = """## Parallelism Assessment
- Independent tasks: []
- Sequential dependencies: {chains}
- Recommendation: TEAM_ELIGIBLE
"""


def build(*tasks: str, level: int = 4, chains: str = "[]") -> str:
    return HEADER.format(level=level) + "".join(tasks) + PARALLEL.format(chains=chains)


def lint(text: str, level: int | None = None) -> Plan:
    return parse_plan_text(text, ".spectra/plan.md", level=level)


def found(plan: Plan, code: str) -> list[tuple[int, Severity]]:
    return [(f.line, f.severity) for f in plan.findings if f.code == code]


def messages(plan: Plan, code: str) -> list[str]:
    return [f.message for f in plan.findings if f.code == code]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


@pytest.mark.parametrize(
    ("name", "errors"),
    [
        ("valid-level0.md", []),
        ("valid-level2.md", []),
        ("valid-level4.md", []),
        ("invalid-ownership-overlap.md", ["OWNERSHIP_OVERLAP"]),
        ("invalid-missing-wiring-level2.md", ["MISSING_REQUIRED_FIELD"]),
        ("invalid-missing-ac-level1.md", ["MISSING_REQUIRED_FIELD"]),
    ],
)
def test_fixture_verdicts(name: str, errors: list[str]) -> None:
    plan = lint((PLANS / name).read_text(encoding="utf-8"))
    assert [finding.code for finding in plan.errors] == errors


def test_fixture_valid_plans_have_no_warnings() -> None:
    for name in ("valid-level0.md", "valid-level2.md", "valid-level4.md"):
        plan = lint((PLANS / name).read_text(encoding="utf-8"))
        assert plan.warnings == [], name


def test_clean_built_plan_passes() -> None:
    plan = lint(build(task("001"), task("002")))
    assert plan.findings == []


def test_lint_plan_returns_only_lint_findings() -> None:
    text = build(task("001")).replace("- Risk: low", "* Risk: low")
    plan = parse_plan(text)
    assert [f.code for f in lint_plan(plan)] == []
    assert [f.code for f in plan.findings] == ["BULLET_STYLE"]


def test_no_tasks() -> None:
    plan = lint(HEADER.format(level=1) + "Nothing yet.\n")
    assert found(plan, "NO_TASKS") == [(1, Severity.ERROR)]


def test_not_a_plan() -> None:
    plan = lint("# Shopping list\n\n- eggs\n")
    assert found(plan, "NOT_A_PLAN") == [(1, Severity.ERROR)]


def test_duplicate_id() -> None:
    text = build(task("001"), task("001", files="src/other.py"))
    plan = lint(text)
    assert found(plan, "DUPLICATE_ID") == [
        (line_of(text, "## Task 001", 2), Severity.ERROR)
    ]


def test_id_not_increasing() -> None:
    text = build(task("002"), task("001"))
    plan = lint(text)
    assert found(plan, "ID_NOT_INCREASING") == [
        (line_of(text, "## Task 001"), Severity.ERROR)
    ]


def test_id_gap_is_fine() -> None:
    plan = lint(build(task("001"), task("005")))
    assert plan.errors == []


def test_missing_checkbox() -> None:
    text = build(task("001")).replace("- [ ] 001: Task number 001\n", "")
    plan = lint(text)
    assert found(plan, "MISSING_CHECKBOX") == [
        (line_of(text, "## Task 001"), Severity.ERROR)
    ]


def test_checkbox_id_mismatch() -> None:
    text = build(task("001")).replace("- [ ] 001:", "- [ ] 002:")
    plan = lint(text)
    assert found(plan, "CHECKBOX_MISMATCH") == [
        (line_of(text, "- [ ] 002"), Severity.ERROR)
    ]


def test_checkbox_title_mismatch() -> None:
    text = build(task("001")).replace("- [ ] 001: Task number 001", "- [ ] 001: Other")
    plan = lint(text)
    assert found(plan, "CHECKBOX_MISMATCH") == [
        (line_of(text, "- [ ] 001"), Severity.ERROR)
    ]


def test_checkbox_without_id() -> None:
    text = build(task("001")).replace(
        "- [ ] 001: Task number 001", "- [ ] Task number 001"
    )
    plan = lint(text)
    assert found(plan, "CHECKBOX_MISMATCH") == [
        (line_of(text, "- [ ] Task"), Severity.ERROR)
    ]


REMOVALS = {
    "AC": "- AC:\n  - It works.\n",
    "Files": "- Files: src/t001.py\n",
    "Risk": "- Risk: low\n",
    "Max-iterations": "- Max-iterations: 3\n",
    "Scope": "- Scope: code\n",
    "Wiring-proof": "- Wiring-proof:\n  - CLI: true\n  - Integration: a -> b.\n",
    "File-ownership": (
        "- File-ownership:\n  - owns: [src/t001.py]\n  - touches: []\n  - reads: []\n"
    ),
}
FIRST_LEVEL = {
    "AC": 0,
    "Files": 0,
    "Risk": 1,
    "Max-iterations": 1,
    "Scope": 2,
    "Wiring-proof": 2,
    "File-ownership": 3,
}


@pytest.mark.parametrize("field", list(REMOVALS))
@pytest.mark.parametrize("level", [0, 1, 2, 3, 4])
def test_required_field_by_level(field: str, level: int) -> None:
    text = build(task("001"), level=level).replace(REMOVALS[field], "")
    plan = lint(text)
    expected = [(line_of(text, "## Task 001"), Severity.ERROR)]
    if level < FIRST_LEVEL[field]:
        expected = []
    assert found(plan, "MISSING_REQUIRED_FIELD") == expected


def test_missing_owns_at_level_three() -> None:
    text = build(task("001"), level=3).replace("  - owns: [src/t001.py]\n", "")
    plan = lint(text)
    assert found(plan, "MISSING_REQUIRED_FIELD") == [
        (line_of(text, "- File-ownership:"), Severity.ERROR)
    ]


def test_missing_parallelism_section_at_level_three() -> None:
    text = HEADER.format(level=3) + task("001")
    plan = lint(text)
    assert found(plan, "MISSING_REQUIRED_FIELD") == [
        (plan.tasks[0].end_line, Severity.ERROR)
    ]


def test_missing_parallelism_section_at_level_two() -> None:
    plan = lint(HEADER.format(level=2) + task("001"))
    assert found(plan, "MISSING_REQUIRED_FIELD") == []


def test_wiring_proof_without_cli() -> None:
    text = build(task("001")).replace("  - CLI: true\n", "")
    plan = lint(text)
    assert found(plan, "MISSING_REQUIRED_FIELD") == [
        (line_of(text, "- Wiring-proof:"), Severity.ERROR)
    ]
    assert "'CLI:'" in messages(plan, "MISSING_REQUIRED_FIELD")[0]


def test_missing_verify() -> None:
    text = build(task("001")).replace("- Verify: `true`\n", "")
    plan = lint(text)
    assert found(plan, "MISSING_VERIFY") == [
        (line_of(text, "## Task 001"), Severity.ERROR)
    ]


def test_empty_verify_command() -> None:
    text = build(task("001")).replace("`true`", "`  `")
    plan = lint(text)
    assert found(plan, "MISSING_VERIFY") == [
        (line_of(text, "- Verify:"), Severity.ERROR)
    ]


def test_verify_not_quoted() -> None:
    text = build(task("001")).replace("`true`", "make test")
    plan = lint(text)
    assert found(plan, "VERIFY_NOT_QUOTED") == [
        (line_of(text, "- Verify:"), Severity.ERROR)
    ]
    assert "'make test'" in messages(plan, "VERIFY_NOT_QUOTED")[0]


def test_empty_ac() -> None:
    text = build(task("001")).replace("- AC:\n  - It works.\n", "- AC:\n")
    plan = lint(text)
    assert found(plan, "EMPTY_FIELD") == [(line_of(text, "- AC:"), Severity.ERROR)]


def test_empty_files() -> None:
    text = build(task("001")).replace("- Files: src/t001.py", "- Files:")
    plan = lint(text)
    assert found(plan, "EMPTY_FIELD") == [(line_of(text, "- Files:"), Severity.ERROR)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("- Risk: low", "- Risk: extreme"),
        ("- Scope: code", "- Scope: everything"),
        ("- Max-iterations: 3", "- Max-iterations: three"),
        ("- Max-iterations: 3", "- Max-iterations: 0"),
        ("- Max-iterations: 3", "- Max-iterations: -2"),
    ],
)
def test_invalid_field_value(old: str, new: str) -> None:
    text = build(task("001")).replace(old, new)
    plan = lint(text)
    assert found(plan, "INVALID_FIELD") == [(line_of(text, new), Severity.ERROR)]


def test_invalid_field_below_level_warns() -> None:
    text = build(task("001"), level=0).replace("- Risk: low", "- Risk: extreme")
    plan = lint(text)
    assert found(plan, "INVALID_FIELD") == [
        (line_of(text, "- Risk:"), Severity.WARNING)
    ]


def test_field_values_ignore_case() -> None:
    text = build(task("001")).replace("- Risk: low", "- Risk: HIGH")
    text = text.replace("- Scope: code", "- Scope: Multi-Repo")
    plan = lint(text)
    assert plan.errors == []
    assert plan.tasks[0].risk == "high"
    assert plan.tasks[0].scope == "multi-repo"


def test_ownership_overlap_same_file() -> None:
    text = build(task("001", files="a.py"), task("002", files="a.py"))
    plan = lint(text)
    assert found(plan, "OWNERSHIP_OVERLAP") == [
        (line_of(text, "owns: [a.py]", 2), Severity.ERROR)
    ]


def test_ownership_overlap_directory() -> None:
    text = build(
        task("001", owns="[src/config/]", files="src/config/a.py"),
        task("002", files="src/config/b.py"),
    )
    plan = lint(text)
    assert found(plan, "OWNERSHIP_OVERLAP") == [
        (line_of(text, "owns: [src/config/b.py]"), Severity.ERROR)
    ]


def test_ownership_overlap_glob() -> None:
    text = build(
        task("001", files="services/pay/a.ts"),
        task("002", owns="[services/pay/**]", files="services/pay/b.ts"),
    )
    plan = lint(text)
    assert found(plan, "OWNERSHIP_OVERLAP") == [
        (line_of(text, "owns: [services/pay/**]"), Severity.ERROR)
    ]


def test_ownership_overlap_nested_directories() -> None:
    text = build(
        task("001", owns="[src/]", files="src/a.py"),
        task("002", owns="[src/config/]", files="src/config/b.py"),
    )
    plan = lint(text)
    assert len(found(plan, "OWNERSHIP_OVERLAP")) == 1


def test_ownership_same_name_other_directory() -> None:
    text = build(task("001", files="README.md"), task("002", files="docs/README.md"))
    plan = lint(text)
    assert found(plan, "OWNERSHIP_OVERLAP") == []


def test_ownership_disjoint_globs() -> None:
    text = build(
        task("001", owns="[web/**]", files="web/a.ts"),
        task("002", owns="[api/**]", files="api/b.ts"),
    )
    plan = lint(text)
    assert found(plan, "OWNERSHIP_OVERLAP") == []


def test_touch_unordered_warns() -> None:
    text = build(
        task("001", touches="[docs/x.md]"),
        task("002", touches="[docs/x.md]"),
    )
    plan = lint(text)
    assert found(plan, "TOUCH_UNORDERED") == [
        (line_of(text, "touches: [docs/x.md]", 2), Severity.WARNING)
    ]


def test_touch_ordered_through_chain() -> None:
    text = build(
        task("001", touches="[docs/x.md]"),
        task("002"),
        task("003", touches="[docs/x.md]"),
        chains="[001 -> 002 -> 003]",
    )
    plan = lint(text)
    assert found(plan, "TOUCH_UNORDERED") == []


def test_touch_ordered_through_dependencies_line() -> None:
    text = build(
        task("001", touches="[docs/x.md]"),
        task("002", extra="- Dependencies: 001"),
        task("003", touches="[docs/x.md]", extra="- Dependencies: Task 002"),
    )
    plan = lint(text)
    assert found(plan, "TOUCH_UNORDERED") == []


def test_touch_ordered_through_graph_section() -> None:
    text = (
        build(
            task("001", touches="[docs/x.md]"),
            task("002", touches="[docs/x.md]"),
        )
        + "\n## Dependency Graph\nTask 002 depends on all\n"
    )
    plan = lint(text)
    assert found(plan, "TOUCH_UNORDERED") == []


def test_touch_of_owned_file_unordered() -> None:
    text = build(task("001", files="a.py"), task("002", touches="[a.py]"))
    plan = lint(text)
    assert found(plan, "TOUCH_UNORDERED") == [
        (line_of(text, "touches: [a.py]"), Severity.WARNING)
    ]


def test_unknown_dependency_is_unusable() -> None:
    text = build(task("001", extra="- Dependencies: 004"))
    plan = lint(text)
    assert found(plan, "UNKNOWN_DEPENDENCY") == [
        (line_of(text, "- Dependencies: 004"), Severity.ERROR)
    ]
    assert "UNKNOWN_DEPENDENCY" in UNUSABLE_CODES


def test_dependency_cycle_named() -> None:
    text = build(
        task("001", extra="- Dependencies: 002"),
        task("002", extra="- Dependencies: 001"),
    )
    plan = lint(text)
    assert found(plan, "DEPENDENCY_CYCLE") == [
        (line_of(text, "- Dependencies: 002"), Severity.ERROR)
    ]
    assert "001 -> 002 -> 001" in messages(plan, "DEPENDENCY_CYCLE")[0]


def test_dependency_cycle_of_three_through_sections() -> None:
    text = (
        build(
            task("001"),
            task("002"),
            task("003", extra="- Dependencies: 002"),
            chains="[001 -> 002]",
        )
        + "\n## Dependency Graph\nTask 001 depends on 003\n"
    )
    plan = lint(text)
    assert messages(plan, "DEPENDENCY_CYCLE") == [
        "the dependencies form a cycle: 001 -> 002 -> 003 -> 001; remove one "
        "of these dependencies"
    ]


def test_two_capstones_form_a_cycle() -> None:
    text = build(task("001"), task("002"), task("003")) + (
        "\n## Dependency Graph\nTask 002 depends on all\nTask 003 depends on all\n"
    )
    plan = lint(text)
    assert len(found(plan, "DEPENDENCY_CYCLE")) == 1


def test_files_not_owned() -> None:
    text = build(task("001", files="a.py, b.py", owns="[a.py]"))
    plan = lint(text)
    assert found(plan, "FILES_NOT_OWNED") == [
        (line_of(text, "- Files:"), Severity.WARNING)
    ]
    assert "b.py" in messages(plan, "FILES_NOT_OWNED")[0]


def test_owned_not_in_files() -> None:
    text = build(task("001", files="a.py", owns="[a.py, c.py]"))
    plan = lint(text)
    assert found(plan, "OWNED_NOT_IN_FILES") == [
        (line_of(text, "owns:"), Severity.WARNING)
    ]


def test_owned_directory_covers_files() -> None:
    text = build(task("001", files="lib/a.py, lib/b.py", owns="[lib/]"))
    plan = lint(text)
    assert found(plan, "FILES_NOT_OWNED") == []
    assert found(plan, "OWNED_NOT_IN_FILES") == []


def test_files_drift_skipped_without_ownership() -> None:
    text = build(task("001"), level=2).replace(REMOVALS["File-ownership"], "")
    plan = lint(text)
    assert found(plan, "FILES_NOT_OWNED") == []


def test_complete_depends_on_incomplete() -> None:
    text = build(task("001"), task("002", state="x", extra="- Dependencies: 001"))
    plan = lint(text)
    assert found(plan, "COMPLETE_DEPENDS_ON_INCOMPLETE") == [
        (line_of(text, "- [x] 002"), Severity.WARNING)
    ]


def test_complete_depends_on_complete() -> None:
    text = build(
        task("001", state="x"), task("002", state="x", extra="- Dependencies: 001")
    )
    plan = lint(text)
    assert found(plan, "COMPLETE_DEPENDS_ON_INCOMPLETE") == []


def test_missing_reads_and_touches() -> None:
    text = (
        build(task("001"))
        .replace("  - reads: []\n", "")
        .replace("  - touches: []\n", "")
    )
    plan = lint(text)
    line = line_of(text, "- File-ownership:")
    assert found(plan, "MISSING_READS") == [(line, Severity.WARNING)]
    assert found(plan, "MISSING_TOUCHES") == [(line, Severity.WARNING)]


def test_unknown_recommendation() -> None:
    text = build(task("001")).replace("TEAM_ELIGIBLE", "MAYBE")
    plan = lint(text)
    assert found(plan, "UNKNOWN_RECOMMENDATION") == [
        (line_of(text, "Recommendation"), Severity.WARNING)
    ]


def test_missing_recommendation() -> None:
    text = build(task("001")).replace("- Recommendation: TEAM_ELIGIBLE\n", "")
    plan = lint(text)
    assert found(plan, "MISSING_RECOMMENDATION") == [
        (line_of(text, "## Parallelism"), Severity.WARNING)
    ]


def test_independent_task_with_dependency() -> None:
    text = build(task("001"), task("002", extra="- Dependencies: 001"))
    text = text.replace("Independent tasks: []", "Independent tasks: [001, 002]")
    plan = lint(text)
    assert found(plan, "INDEPENDENT_HAS_DEPENDENCIES") == [
        (line_of(text, "## Parallelism"), Severity.WARNING)
    ]


def test_independent_unknown_task() -> None:
    text = build(task("001")).replace(
        "Independent tasks: []", "Independent tasks: [008]"
    )
    plan = lint(text)
    assert found(plan, "UNKNOWN_TASK_REFERENCE") == [
        (line_of(text, "## Parallelism"), Severity.WARNING)
    ]


def test_unusable_codes() -> None:
    assert {
        "NO_TASKS",
        "NOT_A_PLAN",
        "MISSING_VERIFY",
        "VERIFY_NOT_QUOTED",
        "DUPLICATE_ID",
        "UNKNOWN_DEPENDENCY",
        "SELF_DEPENDENCY",
        "DEPENDENCY_CYCLE",
    } == UNUSABLE_CODES


def test_findings_name_path_and_task() -> None:
    text = build(task("001")).replace("- Risk: low", "- Risk: extreme")
    finding = lint(text).errors[0]
    assert finding.path == ".spectra/plan.md"
    assert finding.task_id == "001"
    assert "'extreme'" in finding.message


# load_plan reads real files in a temporary checkout.


def write(root: Path, relative: str, data: str | bytes) -> Path:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        target.write_bytes(data)
    else:
        target.write_text(data, encoding="utf-8")
    return target


def test_load_plan_reads_and_lints(tmp_path: Path) -> None:
    raw = (PLANS / "invalid-ownership-overlap.md").read_bytes()
    write(tmp_path, ".spectra/plan.md", raw)
    plan = load_plan(tmp_path, ".spectra/plan.md")
    assert [f.code for f in plan.errors] == ["OWNERSHIP_OVERLAP"]
    assert plan.path == ".spectra/plan.md"


def test_load_plan_sha_of_bytes(tmp_path: Path) -> None:
    import hashlib

    raw = "\ufeff".encode() + (PLANS / "valid-level0.md").read_bytes().replace(
        b"\n", b"\r\n"
    )
    write(tmp_path, ".spectra/plan.md", raw)
    plan = load_plan(tmp_path, ".spectra/plan.md")
    assert plan.sha256 == hashlib.sha256(raw).hexdigest()


def test_load_plan_level_from_project_yaml(tmp_path: Path) -> None:
    write(tmp_path, ".spectra/plan.md", (PLANS / "valid-level0.md").read_text())
    write(tmp_path, ".spectra/project.yaml", "name: demo\nlevel: 1\n")
    plan = load_plan(tmp_path, ".spectra/plan.md")
    assert plan.level == 1
    assert plan.level_source == ".spectra/project.yaml"
    assert "LEVEL_MISMATCH" in [f.code for f in plan.warnings]
    assert [f.code for f in plan.errors] == ["MISSING_REQUIRED_FIELD"] * 2


def test_load_plan_yaml_without_level(tmp_path: Path) -> None:
    write(tmp_path, ".spectra/plan.md", (PLANS / "valid-level0.md").read_text())
    write(tmp_path, ".spectra/project.yaml", "name: demo\n")
    plan = load_plan(tmp_path, ".spectra/plan.md")
    assert plan.level == 0
    assert plan.level_source == "plan"


def test_load_plan_broken_yaml(tmp_path: Path) -> None:
    write(tmp_path, ".spectra/plan.md", (PLANS / "valid-level0.md").read_text())
    write(tmp_path, ".spectra/project.yaml", "name: demo\nlevel: [1\n")
    plan = load_plan(tmp_path, ".spectra/plan.md")
    errors = [f for f in plan.errors if f.code == "INVALID_PROJECT_FILE"]
    assert len(errors) == 1
    assert errors[0].path == ".spectra/project.yaml"
    assert errors[0].line == 3
    assert "column" in errors[0].message
    assert plan.level == 0


@pytest.mark.parametrize("value", ["9", "high", "true", "-1"])
def test_load_plan_invalid_yaml_level(tmp_path: Path, value: str) -> None:
    write(tmp_path, ".spectra/plan.md", (PLANS / "valid-level0.md").read_text())
    write(tmp_path, ".spectra/project.yaml", f"name: demo\nlevel: {value}\n")
    plan = load_plan(tmp_path, ".spectra/plan.md")
    errors = [(f.code, f.line) for f in plan.errors]
    assert errors == [("INVALID_PROJECT_FILE", 2)]


def test_load_plan_yaml_not_mapping(tmp_path: Path) -> None:
    write(tmp_path, ".spectra/plan.md", (PLANS / "valid-level0.md").read_text())
    write(tmp_path, ".spectra/project.yaml", "- 1\n- 2\n")
    plan = load_plan(tmp_path, ".spectra/plan.md")
    assert [f.code for f in plan.errors] == ["INVALID_PROJECT_FILE"]


def test_load_plan_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="not found"):
        load_plan(tmp_path, ".spectra/plan.md")


def test_load_plan_directory(tmp_path: Path) -> None:
    (tmp_path / ".spectra" / "plan.md").mkdir(parents=True)
    with pytest.raises(PlanError, match="is a directory"):
        load_plan(tmp_path, ".spectra/plan.md")


def test_load_plan_not_utf8(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".spectra/plan.md",
        b"# SPECTRA Execution Plan\n\n## Task 001: Caf\xe9\n",
    )
    with pytest.raises(PlanError, match="not valid UTF-8") as caught:
        load_plan(tmp_path, ".spectra/plan.md")
    assert caught.value.line == 3


def test_load_plan_too_big(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".spectra/plan.md",
        b"# SPECTRA Execution Plan\n" + b"x" * (6 * 1024 * 1024),
    )
    with pytest.raises(PlanError, match="larger than 5 MB"):
        load_plan(tmp_path, ".spectra/plan.md")


def test_load_plan_not_a_plan(tmp_path: Path) -> None:
    write(tmp_path, ".spectra/plan.md", "# Notes\n\nJust notes.\n")
    with pytest.raises(PlanError, match="not a SPECTRA plan"):
        load_plan(tmp_path, ".spectra/plan.md")


def test_load_plan_symlink_outside(tmp_path: Path) -> None:
    outside = write(
        tmp_path, "outside/secret.md", (PLANS / "valid-level0.md").read_text()
    )
    repo = tmp_path / "repo"
    (repo / ".spectra").mkdir(parents=True)
    (repo / ".spectra" / "plan.md").symlink_to(outside)
    with pytest.raises(PlanError, match="outside the checkout"):
        load_plan(repo, ".spectra/plan.md")


def test_load_plan_parent_path(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    write(tmp_path, "plan.md", (PLANS / "valid-level0.md").read_text())
    with pytest.raises(PlanError, match="outside the checkout"):
        load_plan(tmp_path / "repo", "../plan.md")


def test_parse_plan_text_merges_findings() -> None:
    text = build(task("001")).replace("- Risk: low", "* Risk: extreme")
    plan = lint(text)
    assert [f.code for f in plan.findings] == ["BULLET_STYLE", "INVALID_FIELD"]
