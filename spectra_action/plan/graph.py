"""Queries on the dependency graph of a plan.

Edges point from a prerequisite to the task that needs it, the way plans
write chains: in ``001 -> 002``, task 002 depends on task 001. Every function
builds a :class:`DependencyGraph` from ``Task.dependencies`` in O(tasks +
dependencies), so callers that ask many questions should build one graph and
reuse it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from spectra_action.plan.models import Plan


class DependencyGraph:
    """Adjacency of a plan's merged dependencies, indexed by plan order.

    Tasks that share an id (a DUPLICATE_ID plan) are one node, so queries on
    such a plan still return, but the plan is not usable for a gate anyway.
    """

    def __init__(self, plan: Plan) -> None:
        self.order: list[str] = []
        self.index: dict[str, int] = {}
        for task in plan.tasks:
            if task.id not in self.index:
                self.index[task.id] = len(self.order)
                self.order.append(task.id)
        self.needs: list[list[int]] = [[] for _ in self.order]
        self.needed_by: list[list[int]] = [[] for _ in self.order]
        for task in plan.tasks:
            node = self.index[task.id]
            for prerequisite in task.dependencies:
                other = self.index.get(prerequisite)
                if other is not None and other not in self.needs[node]:
                    self.needs[node].append(other)
                    self.needed_by[other].append(node)
        self._ancestors: list[int] | None = None

    def dependents(self, task_id: str) -> set[str]:
        """Return every task that needs ``task_id``, directly or not."""
        start = self.index.get(task_id)
        if start is None:
            return set()
        found = self._reachable(start, self.needed_by)
        found.discard(start)
        return {self.order[node] for node in found}

    def reaches(self, source: str, target: str) -> bool:
        """Return True when ``target`` depends on ``source`` through a path.

        A task reaches itself only when it sits on a cycle.
        """
        start, goal = self.index.get(source), self.index.get(target)
        if start is None or goal is None:
            return False
        return goal in self._reachable(start, self.needed_by)

    def ordered(self, first: str, second: str) -> bool:
        """Return True when one of the two tasks depends on the other."""
        ancestors = self.ancestor_masks()
        first_node, second_node = self.index.get(first), self.index.get(second)
        if first_node is None or second_node is None:
            return False
        first_needs_second = (ancestors[first_node] >> second_node) & 1
        second_needs_first = (ancestors[second_node] >> first_node) & 1
        return bool(first_needs_second or second_needs_first)

    def ancestor_masks(self) -> list[int]:
        """Return, per node, a bit mask of every node it depends on.

        It is computed once per graph, in topological order. A node on a
        cycle, or behind one, gets its bits from a plain search instead, and
        a node on a cycle has its own bit set.
        """
        if self._ancestors is None:
            self._ancestors = self._compute_ancestors()
        return self._ancestors

    def _compute_ancestors(self) -> list[int]:
        masks = [0] * len(self.order)
        remaining = [len(needs) for needs in self.needs]
        ready = [node for node, count in enumerate(remaining) if count == 0]
        while ready:
            node = ready.pop()
            for prerequisite in self.needs[node]:
                masks[node] |= masks[prerequisite] | (1 << prerequisite)
            for dependent in self.needed_by[node]:
                remaining[dependent] -= 1
                if remaining[dependent] == 0:
                    ready.append(dependent)
        for node, count in enumerate(remaining):
            if count:
                for other in self._reachable(node, self.needs):
                    masks[node] |= 1 << other
        return masks

    def topological_order(self, ids: Iterable[str]) -> list[str]:
        """Order ``ids`` so that each comes after the ones it depends on.

        Dependencies through tasks outside ``ids`` count too: those tasks
        are passed through as soon as they are ready and are not returned.
        Among requested tasks that are ready together, plan order wins.
        Unknown ids are dropped. Requested tasks on or behind a cycle come
        last, in plan order.
        """
        requested = {self.index[i] for i in ids if i in self.index}
        remaining = [len(needs) for needs in self.needs]
        passing = [
            n for n, count in enumerate(remaining) if not count and n not in requested
        ]
        ready = [n for n, count in enumerate(remaining) if not count and n in requested]
        heapq.heapify(ready)
        result: list[int] = []
        while passing or ready:
            node = passing.pop() if passing else heapq.heappop(ready)
            if node in requested:
                result.append(node)
            for dependent in self.needed_by[node]:
                remaining[dependent] -= 1
                if remaining[dependent] == 0:
                    if dependent in requested:
                        heapq.heappush(ready, dependent)
                    else:
                        passing.append(dependent)
        placed = set(result)
        result += sorted(node for node in requested if node not in placed)
        return [self.order[node] for node in result]

    def find_cycles(self) -> list[list[str]]:
        """Return one closed cycle (``["001", "002", "001"]``) per strongly
        connected group of tasks, ordered by the plan position of its start."""
        cycles: list[list[str]] = []
        for component in self._components():
            start = min(component)
            if len(component) > 1 or start in self.needs[start]:
                cycles.append(self._cycle_in(set(component), start))
        cycles.sort(key=lambda cycle: self.index[cycle[0]])
        return cycles

    def _cycle_in(self, component: set[int], start: int) -> list[str]:
        # A breadth-first search from start back to itself, inside the
        # component, gives a shortest cycle through the earliest task.
        parent: dict[int, int] = {}
        queue = [start]
        for node in queue:
            for nxt in sorted(self.needed_by[node]):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    path.reverse()
                    return [self.order[n] for n in [*path, start]]
                if nxt in component and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        return [self.order[start], self.order[start]]

    def _reachable(self, start: int, edges: list[list[int]]) -> set[int]:
        """Return the nodes one or more edges away from ``start``."""
        seen: set[int] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges[node])
        return seen

    def _components(self) -> list[list[int]]:
        """Return strongly connected components (iterative Tarjan)."""
        index_of: dict[int, int] = {}
        low: dict[int, int] = {}
        on_stack: set[int] = set()
        stack: list[int] = []
        components: list[list[int]] = []
        counter = 0
        for root in range(len(self.order)):
            if root in index_of:
                continue
            work = [(root, 0)]
            while work:
                node, position = work.pop()
                if position == 0:
                    index_of[node] = low[node] = counter
                    counter += 1
                    stack.append(node)
                    on_stack.add(node)
                successors = self.needed_by[node]
                if position < len(successors):
                    work.append((node, position + 1))
                    nxt = successors[position]
                    if nxt not in index_of:
                        work.append((nxt, 0))
                    elif nxt in on_stack:
                        low[node] = min(low[node], index_of[nxt])
                    continue
                if low[node] == index_of[node]:
                    component: list[int] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
        return components


def dependents(plan: Plan, task_id: str) -> set[str]:
    """Return every task that needs ``task_id``, directly or transitively."""
    return DependencyGraph(plan).dependents(task_id)


def topological_order(plan: Plan, ids: Iterable[str]) -> list[str]:
    """Order ``ids`` by dependency, plan order first among ready tasks."""
    return DependencyGraph(plan).topological_order(ids)


def reaches(plan: Plan, source: str, target: str) -> bool:
    """Return True when ``target`` depends on ``source``, directly or not."""
    return DependencyGraph(plan).reaches(source, target)


def find_cycle(plan: Plan) -> list[str] | None:
    """Return one dependency cycle as closed ids, or None if there is none."""
    cycles = DependencyGraph(plan).find_cycles()
    return cycles[0] if cycles else None
