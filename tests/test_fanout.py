from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from spectra_action.errors import ConfigError, PlanError
from spectra_action.fanout import (
    MAX_RESULT_BYTES,
    MatrixEntry,
    RejectedResult,
    ResultFile,
    group_tasks,
    matrix_json,
    pack_groups,
    read_results,
    write_result,
)
from spectra_action.plan.models import Plan, Task

HEAD = "a" * 40
PLAN_HASH = "b" * 64


def make_plan(dependencies: dict[str, list[str]]) -> Plan:
    tasks = [
        Task(id=task_id, title=f"Task {task_id}", line=index + 1, dependencies=deps)
        for index, (task_id, deps) in enumerate(dependencies.items())
    ]
    return Plan(path=".spectra/plan.md", tasks=tasks)


def make_result(task_id: str = "001", **changes: object) -> ResultFile:
    fields: dict[str, object] = {
        "task_id": task_id,
        "head_sha": HEAD,
        "plan_sha256": PLAN_HASH,
        "outcome": "passed",
        "exit_code": 0,
        "duration": 1.5,
        "tail": "ok\n",
        "message": "",
        "blocked_by": [],
    }
    fields.update(changes)
    return ResultFile.model_validate(fields)


def read(
    results_dir: Path, selection: tuple[str, ...] = ("001", "002", "003")
) -> tuple[dict[str, ResultFile], list[RejectedResult]]:
    return read_results(
        results_dir, head_sha=HEAD, plan_sha256=PLAN_HASH, selection=selection
    )


def only_rejection(results_dir: Path) -> RejectedResult:
    results, rejected = read(results_dir)
    assert results == {}
    assert len(rejected) == 1
    return rejected[0]


def test_group_independent_tasks_apart() -> None:
    plan = make_plan({"001": [], "002": [], "003": []})
    assert group_tasks(plan, ["001", "002", "003"]) == [["001"], ["002"], ["003"]]


def test_group_dependent_tasks_together() -> None:
    plan = make_plan({"001": [], "002": ["001"], "003": [], "004": ["003"]})
    groups = group_tasks(plan, ["001", "002", "003", "004"])
    assert groups == [["001", "002"], ["003", "004"]]


def test_group_joins_through_shared_dependent() -> None:
    plan = make_plan({"001": [], "002": [], "003": ["001", "002"], "004": []})
    groups = group_tasks(plan, ["001", "002", "003", "004"])
    assert groups == [["001", "002", "003"], ["004"]]


def test_group_topological_order() -> None:
    plan = make_plan({"001": ["003"], "002": [], "003": ["002"], "004": ["001"]})
    assert group_tasks(plan, ["004", "003", "002", "001"]) == [
        ["002", "003", "001", "004"]
    ]


def test_group_plan_order_among_ready() -> None:
    plan = make_plan({"001": [], "002": [], "003": ["002", "001"], "004": ["001"]})
    assert group_tasks(plan, ["004", "003", "002", "001"]) == [
        ["001", "002", "003", "004"]
    ]


def test_group_unselected_link_not_followed() -> None:
    plan = make_plan({"001": [], "002": ["001"], "003": ["002"]})
    assert group_tasks(plan, ["001", "003"]) == [["001"], ["003"]]


def test_group_ignores_unselected_dependency() -> None:
    plan = make_plan({"001": [], "002": ["001"]})
    assert group_tasks(plan, ["002"]) == [["002"]]


def test_group_duplicate_selection() -> None:
    plan = make_plan({"001": [], "002": ["001"]})
    assert group_tasks(plan, ["002", "001", "002"]) == [["001", "002"]]


def test_group_empty_selection() -> None:
    assert group_tasks(make_plan({"001": []}), []) == []


def test_group_unknown_id() -> None:
    with pytest.raises(PlanError, match="tasks 009 are selected"):
        group_tasks(make_plan({"001": []}), ["001", "009"])


def test_group_cycle() -> None:
    plan = make_plan({"001": [], "002": ["003"], "003": ["002"], "004": ["003"]})
    with pytest.raises(PlanError, match="tasks 002, 003, 004 depend on each other"):
        group_tasks(plan, ["001", "002", "003", "004"])


def test_group_long_chain() -> None:
    ids = [f"{number:03d}" for number in range(1, 501)]
    plan = make_plan({ids[0]: [], **{ids[i]: [ids[i - 1]] for i in range(1, 500)}})
    assert group_tasks(plan, list(reversed(ids))) == [ids]


def test_pack_bounds_entry_count() -> None:
    groups = [[f"{number:03d}"] for number in range(1, 41)]
    entries = pack_groups(groups, {}, max_jobs=16)
    assert len(entries) == 16


def test_pack_fewer_groups_than_jobs() -> None:
    entries = pack_groups([["001"], ["002"]], {}, max_jobs=16)
    assert [entry.name for entry in entries] == ["spectra-1", "spectra-2"]


def test_pack_keeps_every_task_once() -> None:
    groups = [["001", "002"], ["003"], ["004", "005", "006"], ["007"]]
    entries = pack_groups(groups, {"001": 3.0, "004": 10.0}, max_jobs=3)
    tasks = [task for entry in entries for task in entry.tasks]
    assert sorted(tasks) == [f"{number:03d}" for number in range(1, 8)]
    assert len(tasks) == 7


def test_pack_keeps_group_order() -> None:
    entries = pack_groups([["003", "001", "002"]], {}, max_jobs=4)
    assert entries[0].tasks == ["003", "001", "002"]


def test_pack_longest_first() -> None:
    durations = {"001": 2.0, "002": 7.0, "003": 3.0, "004": 6.0}
    groups = [[task] for task in durations]
    entries = pack_groups(groups, durations, max_jobs=2)
    assert [entry.tasks for entry in entries] == [["001", "002"], ["003", "004"]]
    assert [entry.expected_seconds for entry in entries] == [9.0, 9.0]


def test_pack_rebalances_after_lpt() -> None:
    # Plain LPT gives 5+3 and 4+3+3 here, a longest entry of 10 seconds.
    durations = {"001": 5.0, "002": 4.0, "003": 3.0, "004": 3.0, "005": 3.0}
    groups = [[task] for task in durations]
    entries = pack_groups(groups, durations, max_jobs=2)
    assert [entry.expected_seconds for entry in entries] == [9.0, 9.0]
    assert sorted(entries[0].tasks + entries[1].tasks) == list(durations)


def test_pack_even_split_without_durations() -> None:
    groups = [[f"{number:03d}"] for number in range(1, 13)]
    entries = pack_groups(groups, {}, max_jobs=4)
    assert [len(entry.tasks) for entry in entries] == [3, 3, 3, 3]
    assert [entry.expected_seconds for entry in entries] == [3.0, 3.0, 3.0, 3.0]


def test_pack_unknown_gets_mean() -> None:
    entries = pack_groups([["001", "002", "003"]], {"001": 2.0, "002": 4.0})
    assert entries[0].expected_seconds == 9.0


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf])
def test_pack_unusable_duration_gets_mean(bad: float) -> None:
    entries = pack_groups([["001", "002"]], {"001": bad, "002": 4.0})
    assert entries[0].expected_seconds == 8.0


def test_pack_mean_ignores_other_tasks() -> None:
    entries = pack_groups([["001"]], {"009": 100.0})
    assert entries[0].expected_seconds == 1.0


def test_pack_drops_empty_groups() -> None:
    entries = pack_groups([[], ["001"], []], {}, max_jobs=3)
    assert [entry.tasks for entry in entries] == [["001"]]
    assert entries[0].name == "spectra-1"


def test_pack_no_groups() -> None:
    assert pack_groups([], {"001": 1.0}) == []


def test_pack_one_job() -> None:
    entries = pack_groups([["001"], ["002"], ["003"]], {}, max_jobs=1)
    assert [entry.tasks for entry in entries] == [["001", "002", "003"]]


@pytest.mark.parametrize("max_jobs", [0, -3])
def test_pack_invalid_max_jobs(max_jobs: int) -> None:
    with pytest.raises(ConfigError, match=f"max_jobs is {max_jobs}"):
        pack_groups([["001"]], {}, max_jobs=max_jobs)


def test_pack_deterministic() -> None:
    groups = [[f"{number:03d}"] for number in range(1, 31)]
    durations = {f"{number:03d}": float(number % 7) for number in range(1, 31)}
    first = pack_groups(groups, durations, max_jobs=5)
    assert pack_groups(groups, durations, max_jobs=5) == first


def test_pack_within_lpt_bound() -> None:
    groups = [[f"{number:03d}"] for number in range(1, 60)]
    durations = {
        f"{number:03d}": float(number * 37 % 23 + 1) for number in range(1, 60)
    }
    entries = pack_groups(groups, durations, max_jobs=7)
    longest = max(entry.expected_seconds for entry in entries)
    ideal = max(sum(durations.values()) / 7, max(durations.values()))
    assert longest <= ideal * (4 / 3)


def test_matrix_json_shape() -> None:
    entries = [
        MatrixEntry(name="spectra-1", tasks=["001", "002"], expected_seconds=12.345),
        MatrixEntry(name="spectra-2", tasks=["003"], expected_seconds=1.0),
    ]
    document = json.loads(matrix_json(entries))
    assert document == {
        "include": [
            {"name": "spectra-1", "tasks": "001 002", "expected-seconds": 12.3},
            {"name": "spectra-2", "tasks": "003", "expected-seconds": 1.0},
        ]
    }


def test_matrix_json_one_line() -> None:
    entries = pack_groups([["001"], ["002"]], {})
    assert "\n" not in matrix_json(entries)


def test_matrix_json_empty() -> None:
    assert json.loads(matrix_json([])) == {"include": []}


def test_result_round_trip(tmp_path: Path) -> None:
    result = make_result("002", attempt=2, blocked_by=["001"], exit_code=None)
    path = write_result(tmp_path / "results", result)
    assert path == tmp_path / "results" / "002.json"
    results, rejected = read(tmp_path / "results")
    assert rejected == []
    assert results == {"002": result}


def test_result_round_trip_unicode(tmp_path: Path) -> None:
    result = make_result(tail="naïve ✓ \x00 <!-- -->\n")
    write_result(tmp_path, result)
    results, _ = read(tmp_path)
    assert results["001"].tail == result.tail


def test_write_result_no_partial_left(tmp_path: Path) -> None:
    write_result(tmp_path, make_result())
    assert sorted(os.listdir(tmp_path)) == ["001.json"]


def test_write_result_overwrites(tmp_path: Path) -> None:
    write_result(tmp_path, make_result(outcome="failed"))
    write_result(tmp_path, make_result(outcome="passed"))
    results, _ = read(tmp_path)
    assert results["001"].outcome == "passed"


def test_write_result_trims_huge_tail(tmp_path: Path) -> None:
    tail = "start\n" + "x" * (2 * MAX_RESULT_BYTES) + "\nend"
    path = write_result(tmp_path, make_result(tail=tail))
    assert path.stat().st_size <= MAX_RESULT_BYTES
    results, rejected = read(tmp_path)
    assert rejected == []
    assert results["001"].tail.endswith("x\nend")
    assert not results["001"].tail.startswith("start")


def test_write_result_trims_escaped_tail(tmp_path: Path) -> None:
    path = write_result(tmp_path, make_result(tail="\x01" * MAX_RESULT_BYTES))
    assert path.stat().st_size <= MAX_RESULT_BYTES


@pytest.mark.parametrize("task_id", ["../001", "001/x", "", "abc", "1" * 13])
def test_result_rejects_unsafe_task_id(task_id: str) -> None:
    with pytest.raises(ValueError, match="task_id"):
        make_result(task_id)


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def result_document(task_id: str = "001", **changes: object) -> dict[str, object]:
    document: dict[str, object] = json.loads(
        make_result(task_id, **changes).model_dump_json()
    )
    return document


def test_read_rejects_invalid_json(tmp_path: Path) -> None:
    (tmp_path / "001.json").write_text("{not json", encoding="utf-8")
    assert "is not valid JSON" in only_rejection(tmp_path).reason


def test_read_rejects_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "001.json").write_bytes(b'{"task_id": "\xff"}')
    assert only_rejection(tmp_path).reason == "the file is not UTF-8 text"


def test_read_rejects_non_object(tmp_path: Path) -> None:
    write_json(tmp_path / "001.json", [1, 2])
    assert only_rejection(tmp_path).reason == "the JSON is a list, not an object"


def test_read_rejects_deep_nesting(tmp_path: Path) -> None:
    (tmp_path / "001.json").write_text("[" * 200_000, encoding="utf-8")
    assert "is not valid JSON" in only_rejection(tmp_path).reason


def test_read_rejects_huge_integer(tmp_path: Path) -> None:
    (tmp_path / "001.json").write_text('{"exit_code": ' + "9" * 5000 + "}")
    assert "is not valid JSON" in only_rejection(tmp_path).reason


def test_read_rejects_schema_error(tmp_path: Path) -> None:
    document = result_document()
    del document["head_sha"]
    document["exit_code"] = "0"
    write_json(tmp_path / "001.json", document)
    reason = only_rejection(tmp_path).reason
    assert reason.startswith("the result is invalid:")
    assert "head_sha" in reason
    assert "exit_code" in reason


def test_read_rejects_unknown_field(tmp_path: Path) -> None:
    write_json(tmp_path / "001.json", {**result_document(), "extra": 1})
    assert "extra" in only_rejection(tmp_path).reason


def test_read_rejects_nan_duration(tmp_path: Path) -> None:
    text = json.dumps(result_document()).replace('"duration": 1.5', '"duration": NaN')
    (tmp_path / "001.json").write_text(text, encoding="utf-8")
    assert "duration" in only_rejection(tmp_path).reason


def test_read_rejects_negative_duration(tmp_path: Path) -> None:
    write_json(tmp_path / "001.json", {**result_document(), "duration": -1.0})
    assert "duration" in only_rejection(tmp_path).reason


@pytest.mark.parametrize("version", [2, 0, "1", True, None])
def test_read_rejects_schema_version(tmp_path: Path, version: object) -> None:
    write_json(tmp_path / "001.json", {**result_document(), "schema_version": version})
    assert "schema_version is" in only_rejection(tmp_path).reason


def test_read_accepts_missing_schema_version(tmp_path: Path) -> None:
    document = result_document()
    del document["schema_version"]
    write_json(tmp_path / "001.json", document)
    results, rejected = read(tmp_path)
    assert rejected == []
    assert list(results) == ["001"]


def test_read_rejects_other_head(tmp_path: Path) -> None:
    write_result(tmp_path, make_result(head_sha="c" * 40))
    assert "head SHA 'ccc" in only_rejection(tmp_path).reason


def test_read_rejects_other_plan(tmp_path: Path) -> None:
    write_result(tmp_path, make_result(plan_sha256="d" * 64))
    assert "plan hash 'ddd" in only_rejection(tmp_path).reason


def test_read_rejects_unselected_task(tmp_path: Path) -> None:
    write_result(tmp_path, make_result("004"))
    assert only_rejection(tmp_path).reason == "task 004 is not selected in this run"


def test_read_rejects_misnamed_file(tmp_path: Path) -> None:
    write_json(tmp_path / "001.json", result_document(outcome="passed"))
    write_json(tmp_path / "000.json", result_document(outcome="failed"))
    results, rejected = read(tmp_path)
    assert results["001"].outcome == "passed"
    assert len(rejected) == 1
    assert rejected[0].path == str(tmp_path / "000.json")
    assert rejected[0].reason == "the file is named 000.json, not 001.json"


def test_read_rejects_symlink(tmp_path: Path) -> None:
    target = write_result(tmp_path / "elsewhere", make_result())
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "001.json").symlink_to(target)
    rejection = only_rejection(tmp_path / "results")
    assert rejection.reason == "the file is a symbolic link"


def test_read_rejects_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "001.json").symlink_to(tmp_path / "missing.json")
    assert only_rejection(tmp_path).reason == "the file is a symbolic link"


def test_read_rejects_directory(tmp_path: Path) -> None:
    (tmp_path / "001.json").mkdir()
    assert only_rejection(tmp_path).reason == "the file is not a regular file"


def test_read_rejects_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "001.json")
    assert only_rejection(tmp_path).reason == "the file is not a regular file"


def test_read_rejects_huge_file(tmp_path: Path) -> None:
    document = result_document(tail="x" * MAX_RESULT_BYTES)
    write_json(tmp_path / "001.json", document)
    assert "more than the 1048576 allowed" in only_rejection(tmp_path).reason


def test_read_rejects_other_suffix(tmp_path: Path) -> None:
    write_json(tmp_path / "001.txt", result_document())
    reason = only_rejection(tmp_path).reason
    assert reason == "the file name does not end in .json"


def test_read_missing_directory(tmp_path: Path) -> None:
    results, rejected = read(tmp_path / "absent")
    assert results == {}
    assert [rejection.reason for rejection in rejected] == ["directory not found"]


def test_read_directory_is_file(tmp_path: Path) -> None:
    (tmp_path / "results").write_text("x", encoding="utf-8")
    results, rejected = read(tmp_path / "results")
    assert results == {}
    assert rejected[0].reason.startswith("cannot list the directory")


def test_read_keeps_good_beside_bad(tmp_path: Path) -> None:
    write_result(tmp_path, make_result("001"))
    write_result(tmp_path, make_result("002", head_sha="e" * 40))
    write_result(tmp_path, make_result("003"))
    (tmp_path / "notes.md").write_text("hi", encoding="utf-8")
    results, rejected = read(tmp_path)
    assert sorted(results) == ["001", "003"]
    assert [Path(rejection.path).name for rejection in rejected] == [
        "002.json",
        "notes.md",
    ]
