"""Read the plan sections that hold dependencies between tasks."""

from __future__ import annotations

import re
from itertools import pairwise

from spectra_action.plan.lines import Line, bullet
from spectra_action.plan.sink import FindingSink
from spectra_action.plan.values import (
    Edge,
    parse_id_reference,
    split_chains,
    split_label,
    split_list,
)

KNOWN_RECOMMENDATIONS = frozenset({"TEAM_ELIGIBLE", "SEQUENTIAL_ONLY"})
PARALLELISM = "Parallelism Assessment"
GRAPH = "Dependency Graph"

_ID = r"(?:task\s*)?\d+"
_CHAIN = re.compile(rf"{_ID}(?:\s*(?:->|→)\s*{_ID})+", re.IGNORECASE)
_ARROW = re.compile(r"->|→")
_DEPENDS_ON = re.compile(rf"({_ID})\s+depends\s+on\s+(.+)$", re.IGNORECASE)


class ParallelismSection:
    """The ``## Parallelism Assessment`` lists, read from its lines."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.independent: list[str] = []
        self.recommendation: str | None = None
        self.edges: list[Edge] = []

    def read(self, lines: list[Line], sink: FindingSink) -> None:
        for line in lines:
            item = bullet(line.text)
            labelled = split_label(item.text) if item else None
            if labelled is None:
                continue
            label, value = labelled
            key = re.sub(r"[\s_-]+", " ", label.lower()).strip()
            if key == "independent tasks":
                self.independent = _ids(value, line.number, key, sink)
            elif key == "sequential dependencies":
                self.edges += _sequential(value, line.number, sink)
            elif key == "recommendation":
                self._recommendation(value, line.number, sink)
            else:
                sink.warning(
                    "UNKNOWN_FIELD",
                    line.number,
                    f"'{label}' is not a Parallelism Assessment entry; "
                    "known entries are Independent tasks, Sequential "
                    "dependencies and Recommendation",
                )

    def _recommendation(self, value: str, number: int, sink: FindingSink) -> None:
        self.recommendation = value
        if value not in KNOWN_RECOMMENDATIONS:
            sink.warning(
                "UNKNOWN_RECOMMENDATION",
                number,
                f"the recommendation {value!r} is not known; use TEAM_ELIGIBLE "
                "or SEQUENTIAL_ONLY",
            )


def _list_form(value: str, number: int, key: str, sink: FindingSink) -> list[str]:
    parsed = split_list(value)
    if parsed.bare or parsed.blank:
        sink.warning(
            "BARE_LIST",
            number,
            f"'{key}' is not a bracketed list; write it as [a, b] or []",
        )
    if parsed.unclosed:
        sink.error(
            "INVALID_FIELD",
            number,
            f"the '{key}' list opens with '[' but has no closing ']'; close it",
        )
    return parsed.entries


def _invalid_reference(token: str, number: int, sink: FindingSink) -> None:
    sink.error(
        "INVALID_FIELD",
        number,
        f"{token!r} is not a task id; write ids like '001' or 'Task 001'",
    )


def _ids(value: str, number: int, key: str, sink: FindingSink) -> list[str]:
    ids: list[str] = []
    for token in _list_form(value, number, key, sink):
        task_id = parse_id_reference(token)
        if task_id is None:
            _invalid_reference(token, number, sink)
        else:
            ids.append(task_id)
    return ids


def _sequential(value: str, number: int, sink: FindingSink) -> list[Edge]:
    entries = _list_form(value, number, "sequential dependencies", sink)
    edges: list[Edge] = []
    for chain in split_chains(", ".join(entries)):
        ids: list[str] = []
        for token in chain:
            task_id = parse_id_reference(token)
            if task_id is None:
                _invalid_reference(token, number, sink)
            else:
                ids.append(task_id)
        if len(ids) != len(chain):
            continue
        edges += _chain_edges(ids, number, PARALLELISM)
    return edges


def _chain_edges(ids: list[str], number: int, origin: str) -> list[Edge]:
    return [
        Edge(dependent, prerequisite, number, origin)
        for prerequisite, dependent in pairwise(ids)
    ]


def read_dependency_graph(
    lines: list[Line], sink: FindingSink
) -> tuple[list[Edge], list[tuple[str, int]]]:
    """Return the graph section's edges and its ``depends on all`` tasks."""
    edges: list[Edge] = []
    capstones: list[tuple[str, int]] = []
    for line in lines:
        depends = _DEPENDS_ON.search(line.text)
        if depends:
            _depends_on(depends, line.number, edges, capstones, sink)
            continue
        chains = _CHAIN.findall(line.text)
        for chain in chains:
            ids = [parse_id_reference(token) for token in split_chains(chain)[0]]
            edges += _chain_edges([i for i in ids if i], line.number, GRAPH)
        arrows = len(_ARROW.findall(line.text))
        if arrows != sum(len(_ARROW.findall(chain)) for chain in chains):
            sink.warning(
                "UNPARSED_DEPENDENCY_LINE",
                line.number,
                "an arrow on this Dependency Graph line does not join two task "
                "ids, so that part is ignored; write chains like 001 -> 002",
            )
    return edges, capstones


def _depends_on(
    match: re.Match[str],
    number: int,
    edges: list[Edge],
    capstones: list[tuple[str, int]],
    sink: FindingSink,
) -> None:
    dependent = parse_id_reference(match.group(1))
    if dependent is None:
        return
    rest = match.group(2).strip().rstrip(".")
    if rest.lower() == "all" or rest.lower().startswith("all "):
        capstones.append((dependent, number))
        return
    for token in re.split(r",|\band\b", rest):
        if not token.strip():
            continue
        prerequisite = parse_id_reference(token)
        if prerequisite is None:
            _invalid_reference(token.strip(), number, sink)
        else:
            edges.append(Edge(dependent, prerequisite, number, GRAPH))
