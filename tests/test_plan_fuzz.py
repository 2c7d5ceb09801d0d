"""Mutated plans always parse and lint to a Plan with findings."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spectra_action.plan import parse_plan_text
from spectra_action.plan.graph import DependencyGraph
from spectra_action.plan.models import Plan

PLANS = Path(__file__).parent / "plans"
SOURCES = [
    (PLANS / name).read_text(encoding="utf-8")
    for name in ("valid-level0.md", "valid-level2.md", "valid-level4.md")
]
ALPHABET = st.sampled_from(list("-*+[]x!X:`,> →#\t\r\n0123456789 aZ/\ufeff\x00é"))


@st.composite
def mutated_plans(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SOURCES)).split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not lines:
            lines = [""]
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        kind = draw(
            st.sampled_from(["delete", "repeat", "swap", "chars", "indent", "splice"])
        )
        if kind == "delete":
            del lines[index]
        elif kind == "repeat":
            lines.insert(index, lines[index])
        elif kind == "swap":
            other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif kind == "chars":
            line = lines[index]
            position = draw(st.integers(min_value=0, max_value=len(line)))
            cut = draw(st.integers(min_value=0, max_value=3))
            insert = draw(st.text(alphabet=ALPHABET, max_size=4))
            lines[index] = line[:position] + insert + line[position + cut :]
        elif kind == "indent":
            prefix = draw(st.sampled_from(["", " ", "  ", "    ", "\t", "\t  "]))
            lines[index] = prefix + lines[index].lstrip()
        else:
            lines.insert(index, draw(st.sampled_from(_SPLICES)))
    return "\n".join(lines)


_SPLICES = [
    "## Task 001: Again",
    "## Dependency Graph",
    "Task 002 depends on all",
    "001 -> 002 -> 001",
    "## Parallelism Assessment",
    "- Sequential dependencies: [002 → 001, 003 -> 9999]",
    "- Dependencies: Task 001, 003, nonsense",
    "  - owns: [src/, **/*.py, [broken",
    "  - touches: a.py, `b.py`",
    "```",
    "- [?] 001: Odd",
    "## Level: 9",
]


def check(plan: Plan) -> None:
    assert isinstance(plan, Plan)
    for finding in plan.findings:
        assert finding.code.isupper()
        assert finding.line >= 1
        assert finding.message
    graph = DependencyGraph(plan)
    graph.find_cycles()
    graph.topological_order(plan.task_ids)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=mutated_plans(), level=st.one_of(st.none(), st.integers(0, 4)))
def test_mutated_plan_never_raises(text: str, level: int | None) -> None:
    check(parse_plan_text(text, ".spectra/plan.md", level=level))


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=400))
def test_random_text_never_raises(text: str) -> None:
    check(parse_plan_text(text, "plan.md"))
