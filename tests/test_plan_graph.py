"""Dependency graph queries on parsed plans."""

from __future__ import annotations

from spectra_action.plan.graph import (
    DependencyGraph,
    dependents,
    find_cycle,
    reaches,
    topological_order,
)
from spectra_action.plan.models import Plan
from spectra_action.plan.parser import parse_plan


def plan_with(deps: dict[str, str]) -> Plan:
    """Build a plan whose task N has ``- Dependencies: deps[N]``."""
    blocks = ["# SPECTRA Execution Plan\n\n## Level: 0\n"]
    for task_id, needs in deps.items():
        blocks.append(
            f"\n## Task {task_id}: Task {task_id}\n- [ ] {task_id}: Task {task_id}\n"
        )
        if needs:
            blocks.append(f"- Dependencies: {needs}\n")
    return parse_plan("".join(blocks))


DIAMOND = {"001": "", "002": "001", "003": "001", "004": "002, 003", "005": ""}


def test_dependents_transitive() -> None:
    assert dependents(plan_with(DIAMOND), "001") == {"002", "003", "004"}


def test_dependents_of_leaf() -> None:
    assert dependents(plan_with(DIAMOND), "004") == set()


def test_dependents_unknown_id() -> None:
    assert dependents(plan_with(DIAMOND), "999") == set()


def test_reaches_follows_paths() -> None:
    plan = plan_with(DIAMOND)
    assert reaches(plan, "001", "004") is True
    assert reaches(plan, "004", "001") is False
    assert reaches(plan, "002", "003") is False
    assert reaches(plan, "001", "001") is False


def test_topological_order_stable() -> None:
    plan = plan_with(DIAMOND)
    ids = ["004", "003", "002", "001", "005"]
    assert topological_order(plan, ids) == ["001", "002", "003", "004", "005"]


def test_topological_order_plan_order_when_ready() -> None:
    plan = plan_with({"001": "003", "002": "", "003": ""})
    assert topological_order(plan, ["001", "002", "003"]) == ["002", "003", "001"]


def test_topological_order_through_unrequested() -> None:
    plan = plan_with({"001": "", "002": "001", "003": "002"})
    assert topological_order(plan, ["003", "001"]) == ["001", "003"]


def test_topological_order_unrequested_prerequisite() -> None:
    plan = plan_with({"001": "003", "002": "", "003": ""})
    assert topological_order(plan, ["001", "002"]) == ["001", "002"]


def test_topological_order_drops_unknown() -> None:
    plan = plan_with(DIAMOND)
    assert topological_order(plan, ["002", "777"]) == ["002"]


def test_topological_order_cycle_last() -> None:
    plan = plan_with({"001": "002", "002": "001", "003": ""})
    assert topological_order(plan, ["001", "002", "003"]) == ["003", "001", "002"]


def test_find_cycle_none() -> None:
    assert find_cycle(plan_with(DIAMOND)) is None


def test_find_cycle_closed_list() -> None:
    plan = plan_with({"001": "", "002": "004", "003": "002", "004": "003"})
    assert find_cycle(plan) == ["002", "003", "004", "002"]


def test_find_cycles_one_per_group() -> None:
    plan = plan_with({"001": "002", "002": "001", "003": "004", "004": "003"})
    cycles = DependencyGraph(plan).find_cycles()
    assert cycles == [["001", "002", "001"], ["003", "004", "003"]]


def test_ordered_either_direction() -> None:
    graph = DependencyGraph(plan_with(DIAMOND))
    assert graph.ordered("004", "001") is True
    assert graph.ordered("001", "004") is True
    assert graph.ordered("002", "003") is False


def test_long_chain_without_recursion() -> None:
    ids = [f"{n:03d}" for n in range(1, 1000)]
    deps = {ids[0]: ""} | {ids[n]: ids[n - 1] for n in range(1, len(ids))}
    plan = plan_with(deps)
    graph = DependencyGraph(plan)
    assert len(graph.dependents("001")) == 998
    assert graph.ordered("001", "999") is True
    assert topological_order(plan, list(reversed(ids))) == ids
    assert find_cycle(plan) is None


def test_long_cycle_found() -> None:
    ids = [f"{n:03d}" for n in range(1, 1000)]
    deps = {ids[n]: ids[n - 1] for n in range(len(ids))}
    cycle = find_cycle(plan_with(deps))
    assert cycle is not None
    assert len(cycle) == 1000
    assert cycle[0] == cycle[-1] == "001"
