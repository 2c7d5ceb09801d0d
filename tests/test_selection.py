"""Task selection: affected tasks, dependents, blocked and stuck tasks."""

from __future__ import annotations

from spectra_action.changes import ChangeStatus
from spectra_action.ownership import FileVerdict, VerdictKind
from spectra_action.plan import CheckboxState, Plan, Task
from spectra_action.selection import affected_by_files, select_tasks


def _task(task_id: str, *deps: str, state: str = "pending", budget: int = 5) -> Task:
    return Task(
        id=task_id,
        title=f"Task {task_id}",
        line=int(task_id),
        state=CheckboxState(state),
        verify="true",
        max_iterations=budget,
        dependencies=list(deps),
    )


def _plan(*tasks: Task) -> Plan:
    return Plan(path=".spectra/plan.md", tasks=list(tasks))


def _owned(path: str, *tasks: str) -> FileVerdict:
    return FileVerdict(
        path=path,
        kind=VerdictKind.OWNED,
        tasks=list(tasks),
        status=ChangeStatus.MODIFIED,
    )


def _touched(path: str, *tasks: str) -> FileVerdict:
    return FileVerdict(
        path=path,
        kind=VerdictKind.TOUCHED,
        tasks=list(tasks),
        status=ChangeStatus.MODIFIED,
    )


CHAIN = _plan(_task("001"), _task("002", "001"), _task("003", "002"), _task("004"))


def test_affected_by_files_reasons() -> None:
    verdicts = [
        _owned("a.txt", "001"),
        _touched("shared.txt", "002", "004"),
        FileVerdict(
            path="x",
            kind=VerdictKind.UNPLANNED,
            tasks=[],
            status=ChangeStatus.ADDED,
        ),
    ]

    reasons = affected_by_files(verdicts)

    assert reasons == {
        "001": ["owns a.txt"],
        "002": ["touches shared.txt"],
        "004": ["touches shared.txt"],
    }


def test_dependents_are_selected_in_order() -> None:
    selection = select_tasks(CHAIN, [_owned("a.txt", "001")])

    assert selection.run == ["001", "002", "003"]
    assert selection.reasons["003"] == ["depends on 001"]
    assert selection.blocked == {}


def test_dependents_can_be_switched_off() -> None:
    selection = select_tasks(CHAIN, [_owned("a.txt", "001")], run_dependents=False)

    assert selection.run == ["001"]


def test_pending_dependency_blocks() -> None:
    selection = select_tasks(CHAIN, [_owned("b.txt", "002")])

    assert selection.run == []
    assert selection.blocked == {
        "002": "needs 001, which is pending in the plan",
        "003": "needs 002, which is blocked",
    }


def test_complete_dependency_does_not_block() -> None:
    plan = _plan(_task("001", state="complete"), _task("002", "001"))

    selection = select_tasks(plan, [_owned("b.txt", "002")])

    assert selection.run == ["002"]


def test_declared_and_ticked_tasks_are_selected() -> None:
    selection = select_tasks(
        CHAIN, [], declared={"004": ["branch spectra/004-x"]}, ticked=["001"]
    )

    assert selection.run == ["001", "002", "003", "004"]
    assert selection.reasons["004"] == ["declared by the branch spectra/004-x"]
    assert selection.reasons["001"] == ["checkbox ticked by this pull request"]


def test_forced_replaces_automatic() -> None:
    selection = select_tasks(
        CHAIN, [_owned("a.txt", "001")], forced=["004"], run_dependents=False
    )

    assert selection.run == ["004"]
    assert selection.reasons == {"004": ["requested"]}


def test_unknown_task_ids_are_dropped() -> None:
    selection = select_tasks(CHAIN, [_owned("a.txt", "999")])

    assert selection.selected == []


def test_stuck_in_plan_is_not_run() -> None:
    plan = _plan(_task("001", state="stuck"), _task("002", "001"))

    selection = select_tasks(plan, [_owned("a.txt", "001")])

    assert list(selection.stuck) == ["001"]
    assert selection.blocked == {"002": "needs 001, which is stuck"}
    assert selection.run == []


def test_forced_stuck_task_runs() -> None:
    plan = _plan(_task("001", state="stuck"))

    selection = select_tasks(plan, [], forced=["001"])

    assert selection.run == ["001"]


def test_budget_exhausted_is_stuck() -> None:
    plan = _plan(_task("001", budget=3))

    selection = select_tasks(
        plan,
        [_owned("a.txt", "001")],
        attempts={"001": 3},
        last_outcomes={"001": "failed"},
    )

    assert selection.run == []
    assert "used 3 of 3 attempts" in selection.stuck["001"]
    assert "/spectra reset 001" in selection.stuck["001"]


def test_budget_ignored_after_pass() -> None:
    plan = _plan(_task("001", budget=3))

    selection = select_tasks(
        plan,
        [_owned("a.txt", "001")],
        attempts={"001": 3},
        last_outcomes={"001": "passed"},
    )

    assert selection.run == ["001"]


def test_budget_left_runs() -> None:
    plan = _plan(_task("001", budget=3))

    selection = select_tasks(
        plan,
        [_owned("a.txt", "001")],
        attempts={"001": 2},
        last_outcomes={"001": "failed"},
    )

    assert selection.run == ["001"]


def test_long_chain_selects_all() -> None:
    tasks = [_task("001")]
    tasks += [_task(f"{n:03d}", f"{n - 1:03d}") for n in range(2, 1000)]
    plan = _plan(*tasks)

    selection = select_tasks(plan, [_owned("a.txt", "001")])

    assert len(selection.run) == 999
    assert selection.run[:3] == ["001", "002", "003"]
