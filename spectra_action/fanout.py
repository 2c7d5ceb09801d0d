"""Plan a run across several matrix jobs and collect their result files.

A fan-out run splits the selected tasks into groups that share no
dependency, packs the groups into at most ``max_jobs`` GitHub Actions matrix
entries, and lets every job write one JSON result file per task. A final job
reads the files back and keeps only those that belong to this run.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
import os
import stat
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spectra_action.errors import ConfigError, PlanError
from spectra_action.plan.models import Plan

logger = logging.getLogger("spectra_action.fanout")

RESULT_SCHEMA_VERSION = 1
# Maximum size in bytes of a result file. read_results rejects larger files,
# and write_result shortens the output tail to stay within it.
MAX_RESULT_BYTES = 1024 * 1024
# Upper bound on rebalancing steps after LPT, per packed group. Each step
# leaves the sorted loads lexicographically smaller, so the loop ends without
# the bound too; the bound caps its run time.
REBALANCE_STEPS_PER_GROUP = 4


class MatrixEntry(BaseModel):
    """One matrix job: its name, its tasks in run order and their expected time."""

    name: str
    tasks: list[str]
    expected_seconds: float


class ResultFile(BaseModel):
    """The outcome of one task, as a matrix job writes it for the final job."""

    model_config = ConfigDict(strict=True, extra="forbid")

    schema_version: int = RESULT_SCHEMA_VERSION
    task_id: str = Field(pattern=r"^[0-9]{1,12}$")
    head_sha: str
    plan_sha256: str
    outcome: str
    exit_code: int | None
    duration: float = Field(ge=0, allow_inf_nan=False)
    tail: str
    message: str
    blocked_by: list[str]
    attempt: int | None = None


class RejectedResult(BaseModel):
    """A file in the results directory that read_results did not use, and why."""

    path: str
    reason: str


def group_tasks(plan: Plan, task_ids: Sequence[str]) -> list[list[str]]:
    """Split the selected tasks into groups that can run in separate jobs.

    Two selected tasks share a group when one depends on the other directly
    or through other selected tasks. Dependencies through tasks outside
    ``task_ids`` are not followed. Each group is in topological order, with
    plan order among tasks that are ready at the same time, and groups are
    ordered by their first task in the plan.

    Raises PlanError for an id that the plan lacks or for a dependency cycle.
    """
    order = {task_id: index for index, task_id in enumerate(plan.task_ids)}
    selected = _unique_known(plan, task_ids, order)
    edges = _selected_edges(plan, selected)
    groups = _components(selected, edges, order)
    return [_topological_order(plan, group, edges, order) for group in groups]


def pack_groups(
    groups: Sequence[Sequence[str]],
    durations: Mapping[str, float],
    *,
    max_jobs: int = 16,
) -> list[MatrixEntry]:
    """Pack task groups into at most ``max_jobs`` matrix entries.

    Uses longest-processing-time-first (LPT): groups are taken longest first
    and each goes to the entry with the least expected time so far, ties to
    the lower entry. Then single moves and swaps of groups out of the longest
    entry run while they shorten it. A task without a usable duration
    (missing, negative, NaN or infinite) counts as the mean of the usable
    durations of the tasks being packed, or as 1 second when none is usable,
    which splits by task count. Within an entry, groups keep their order in
    ``groups``.
    """
    if max_jobs < 1:
        raise ConfigError(
            f"max_jobs is {max_jobs}, but a fan-out needs at least 1 matrix job;"
            " set it to a positive number"
        )
    non_empty = [list(group) for group in groups if group]
    weights = _task_weights(non_empty, durations)
    loads = [sum(weights[task] for task in group) for group in non_empty]
    bin_count = min(max_jobs, len(non_empty))
    bins = _assign_longest_first(loads, bin_count)
    _rebalance(loads, bins, bin_count)
    return _entries(non_empty, loads, bins)


def matrix_json(entries: Sequence[MatrixEntry]) -> str:
    """Render entries as the one-line JSON that ``strategy.matrix`` reads.

    Each ``include`` item has ``name``, ``tasks`` (ids joined by spaces) and
    ``expected-seconds`` rounded to 0.1 s.
    """
    include = [
        {
            "name": entry.name,
            "tasks": " ".join(entry.tasks),
            "expected-seconds": round(entry.expected_seconds, 1),
        }
        for entry in entries
    ]
    return json.dumps({"include": include}, separators=(",", ":"))


def write_result(results_dir: Path, result: ResultFile) -> Path:
    """Write ``result`` to ``results_dir/<task_id>.json`` and return the path.

    The file is written to a temporary name first and then renamed, so a
    reader never sees half a file. When the JSON would exceed
    MAX_RESULT_BYTES, the start of ``tail`` is dropped so that it fits.
    """
    results_dir.mkdir(parents=True, exist_ok=True)
    data = _fitting_json(result)
    path = results_dir / f"{result.task_id}.json"
    partial = results_dir / f".{result.task_id}.json.partial"
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def read_results(
    results_dir: Path,
    *,
    head_sha: str,
    plan_sha256: str,
    selection: Collection[str],
) -> tuple[dict[str, ResultFile], list[RejectedResult]]:
    """Read the result files of one run and reject every file that does not fit.

    Files are read in name order. A file is rejected when it is a symbolic
    link, not a regular file, larger than MAX_RESULT_BYTES or not named
    ``*.json``. It is also rejected when its content is not UTF-8 JSON, has
    another schema version or is invalid for ResultFile. Finally, a valid
    result is rejected when it comes from another head SHA or plan hash, is
    for a task outside ``selection``, or is for a task that an earlier file
    already covered. Never raises on a bad file or a missing directory.
    """
    results: dict[str, ResultFile] = {}
    sources: dict[str, Path] = {}
    rejected: list[RejectedResult] = []
    for path in _directory_entries(results_dir, rejected):
        outcome = _read_one(path, head_sha, plan_sha256, selection)
        if isinstance(outcome, str):
            rejected.append(RejectedResult(path=str(path), reason=outcome))
        elif outcome.task_id in results:
            earlier = sources[outcome.task_id].name
            reason = f"task {outcome.task_id} already has a result in {earlier}"
            rejected.append(RejectedResult(path=str(path), reason=reason))
        else:
            results[outcome.task_id] = outcome
            sources[outcome.task_id] = path
    for rejection in rejected:
        logger.warning("Rejected result file %s: %s", rejection.path, rejection.reason)
    return results, rejected


def _unique_known(
    plan: Plan, task_ids: Sequence[str], order: dict[str, int]
) -> list[str]:
    unknown = [task_id for task_id in task_ids if task_id not in order]
    if unknown:
        raise PlanError(
            f"tasks {', '.join(unknown)} are selected but the plan has no such"
            " task; select only ids of the plan's tasks",
            path=plan.path,
        )
    return sorted(set(task_ids), key=order.__getitem__)


def _selected_edges(plan: Plan, selected: list[str]) -> dict[str, list[str]]:
    """Map each selected task to the selected tasks it depends on."""
    chosen = set(selected)
    tasks = {task.id: task for task in plan.tasks if task.id in chosen}
    return {
        task_id: [dep for dep in tasks[task_id].dependencies if dep in chosen]
        for task_id in selected
    }


def _components(
    selected: list[str], edges: dict[str, list[str]], order: dict[str, int]
) -> list[list[str]]:
    """Find the connected components of the undirected dependency graph."""
    neighbours: dict[str, set[str]] = {task_id: set() for task_id in selected}
    for task_id, deps in edges.items():
        for dep in deps:
            neighbours[task_id].add(dep)
            neighbours[dep].add(task_id)
    seen: set[str] = set()
    components: list[list[str]] = []
    for start in selected:
        if start in seen:
            continue
        seen.add(start)
        stack = [start]
        component: list[str] = []
        while stack:
            current = stack.pop()
            component.append(current)
            for other in neighbours[current] - seen:
                seen.add(other)
                stack.append(other)
        components.append(sorted(component, key=order.__getitem__))
    return components


def _topological_order(
    plan: Plan, group: list[str], edges: dict[str, list[str]], order: dict[str, int]
) -> list[str]:
    """Order one group with Kahn's algorithm, taking ready tasks in plan order."""
    by_index = {order[task_id]: task_id for task_id in group}
    waiting = {task_id: len(set(edges[task_id])) for task_id in group}
    dependents: dict[str, list[str]] = {task_id: [] for task_id in group}
    for task_id in group:
        for dep in set(edges[task_id]):
            dependents[dep].append(task_id)
    ready = [order[task_id] for task_id, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    result: list[str] = []
    while ready:
        task_id = by_index[heapq.heappop(ready)]
        result.append(task_id)
        for dependent in dependents[task_id]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, order[dependent])
    if len(result) < len(group):
        cycle = [task_id for task_id in group if waiting[task_id] > 0]
        raise PlanError(
            f"tasks {', '.join(cycle)} depend on each other in a cycle;"
            " remove one of those dependencies",
            path=plan.path,
        )
    return result


def _task_weights(
    groups: list[list[str]], durations: Mapping[str, float]
) -> dict[str, float]:
    tasks = [task for group in groups for task in group]
    usable = {task: durations[task] for task in tasks if _usable(durations.get(task))}
    fallback = sum(usable.values()) / len(usable) if usable else 1.0
    return {task: usable.get(task, fallback) for task in tasks}


def _usable(duration: float | None) -> bool:
    return duration is not None and math.isfinite(duration) and duration >= 0


def _assign_longest_first(loads: list[float], bin_count: int) -> list[int]:
    """Return the bin of each load under longest-processing-time-first."""
    bins = [0] * len(loads)
    heap = [(0.0, index) for index in range(bin_count)]
    longest_first = sorted(range(len(loads)), key=lambda index: (-loads[index], index))
    for index in longest_first:
        total, chosen = heapq.heappop(heap)
        bins[index] = chosen
        heapq.heappush(heap, (total + loads[index], chosen))
    return bins


def _rebalance(loads: list[float], bins: list[int], bin_count: int) -> None:
    """Move or swap groups out of the longest entry while that shortens it.

    LPT alone can leave the longest entry well above the mean when entries
    get only two or three groups each. Each step lowers the longest entry's
    load and leaves both changed entries below its old load, so the loads
    only shrink, and the step count is bounded as well. Changes ``bins`` in
    place.
    """
    totals = [0.0] * bin_count
    for load, chosen in zip(loads, bins, strict=True):
        totals[chosen] += load
    members: list[list[int]] = [[] for _ in range(bin_count)]
    for index, chosen in enumerate(bins):
        members[chosen].append(index)
    # A step must gain more than float rounding, or two entries could trade
    # the same group back and forth.
    tolerance = 1e-9 * max(sum(totals), 1.0)
    for _ in range(REBALANCE_STEPS_PER_GROUP * len(loads)):
        longest = max(range(bin_count), key=lambda chosen: (totals[chosen], -chosen))
        step = _best_step(loads, members, totals, longest, tolerance)
        if step is None:
            return
        _apply_step(step, loads, bins, members, totals, longest)


def _best_step(
    loads: list[float],
    members: list[list[int]],
    totals: list[float],
    longest: int,
    tolerance: float,
) -> tuple[float, int, int, int | None] | None:
    """Find the move or swap out of ``longest`` that leaves the lowest peak.

    Returns (peak, group, target entry, group swapped back or None).
    """
    best: tuple[float, int, int, int | None] | None = None
    limit = totals[longest] - tolerance
    for target in range(len(totals)):
        if target == longest:
            continue
        gap = totals[longest] - totals[target]
        for group in members[longest]:
            swaps: list[int | None] = [None, *members[target]]
            for back in swaps:
                shift = loads[group] - (0.0 if back is None else loads[back])
                if shift <= 0 or shift >= gap:
                    continue
                peak = max(totals[longest] - shift, totals[target] + shift)
                candidate = (peak, group, target, back)
                if peak < limit and (best is None or candidate[0] < best[0]):
                    best = candidate
    return best


def _apply_step(
    step: tuple[float, int, int, int | None],
    loads: list[float],
    bins: list[int],
    members: list[list[int]],
    totals: list[float],
    longest: int,
) -> None:
    _, group, target, back = step
    moves = [(group, longest, target)]
    if back is not None:
        moves.append((back, target, longest))
    for index, source, destination in moves:
        members[source].remove(index)
        members[destination].append(index)
        bins[index] = destination
        totals[source] -= loads[index]
        totals[destination] += loads[index]


def _entries(
    groups: list[list[str]], loads: list[float], bins: list[int]
) -> list[MatrixEntry]:
    bin_count = max(bins, default=-1) + 1
    tasks: list[list[str]] = [[] for _ in range(bin_count)]
    totals = [0.0] * bin_count
    for group, load, chosen in zip(groups, loads, bins, strict=True):
        tasks[chosen].extend(group)
        totals[chosen] += load
    return [
        MatrixEntry(name=f"spectra-{number}", tasks=entry, expected_seconds=total)
        for number, (entry, total) in enumerate(zip(tasks, totals, strict=True), 1)
        if entry
    ]


def _fitting_json(result: ResultFile) -> bytes:
    data = result.model_dump_json(indent=2).encode()
    excess = len(data) - MAX_RESULT_BYTES
    if excess <= 0:
        return data
    # Every character of the tail takes at least one byte of JSON, so dropping
    # `excess` characters is enough unless the other fields alone are too big.
    shortened = result.model_copy(update={"tail": result.tail[excess:]})
    data = shortened.model_dump_json(indent=2).encode()
    if len(data) > MAX_RESULT_BYTES:
        logger.warning(
            "Result of task %s is %d bytes even without its output tail;"
            " read_results will reject it",
            result.task_id,
            len(data),
        )
    return data


def _directory_entries(results_dir: Path, rejected: list[RejectedResult]) -> list[Path]:
    try:
        names = sorted(os.listdir(results_dir))
    except FileNotFoundError:
        rejected.append(
            RejectedResult(path=str(results_dir), reason="directory not found")
        )
        return []
    except OSError as error:
        reason = f"cannot list the directory: {error.strerror or error}"
        rejected.append(RejectedResult(path=str(results_dir), reason=reason))
        return []
    return [results_dir / name for name in names]


def _read_one(
    path: Path, head_sha: str, plan_sha256: str, selection: Collection[str]
) -> ResultFile | str:
    """Return the result stored at ``path``, or the reason to reject it."""
    data = _read_regular_file(path)
    if isinstance(data, str):
        return data
    result = _parse_result(data)
    if isinstance(result, str):
        return result
    # One file per task, named after it: a file cannot claim another task's
    # result and crowd out the real one as a duplicate.
    if path.name != f"{result.task_id}.json":
        return f"the file is named {path.name}, not {result.task_id}.json"
    if result.head_sha != head_sha:
        return f"head SHA {result.head_sha!r} is not this run's head SHA {head_sha!r}"
    if result.plan_sha256 != plan_sha256:
        return (
            f"plan hash {result.plan_sha256!r} is not this run's plan hash"
            f" {plan_sha256!r}"
        )
    if result.task_id not in selection:
        return f"task {result.task_id} is not selected in this run"
    return result


def _read_regular_file(path: Path) -> bytes | str:
    """Return the bytes of a small regular file, or the reason to reject it."""
    try:
        info = path.lstat()
    except OSError as error:
        return f"cannot read the file: {error.strerror or error}"
    if stat.S_ISLNK(info.st_mode):
        return "the file is a symbolic link"
    if not stat.S_ISREG(info.st_mode):
        return "the file is not a regular file"
    if not path.name.endswith(".json"):
        return "the file name does not end in .json"
    if info.st_size > MAX_RESULT_BYTES:
        size = info.st_size
        return f"the file has {size} bytes, more than the {MAX_RESULT_BYTES} allowed"
    # O_NOFOLLOW and O_NONBLOCK keep a file swapped for a link or a FIFO after
    # the lstat from being followed or from blocking the read.
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        return f"cannot open the file: {error.strerror or error}"
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return "the file is not a regular file"
        data = handle.read(MAX_RESULT_BYTES + 1)
    if len(data) > MAX_RESULT_BYTES:
        return f"the file has more than the {MAX_RESULT_BYTES} bytes allowed"
    return data


def _parse_result(data: bytes) -> ResultFile | str:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "the file is not UTF-8 text"
    except (ValueError, RecursionError) as error:
        return f"the file is not valid JSON: {error}"
    if not isinstance(document, dict):
        return f"the JSON is a {type(document).__name__}, not an object"
    version = document.get("schema_version", RESULT_SCHEMA_VERSION)
    if version != RESULT_SCHEMA_VERSION or isinstance(version, bool):
        return (
            f"schema_version is {version!r}, but this version of spectra-action"
            f" reads only {RESULT_SCHEMA_VERSION}"
        )
    try:
        return ResultFile.model_validate(document)
    except ValidationError as error:
        return f"the result is invalid: {_first_errors(error)}"


def _first_errors(error: ValidationError, limit: int = 3) -> str:
    parts = []
    for detail in error.errors()[:limit]:
        field = ".".join(str(part) for part in detail["loc"]) or "(file)"
        parts.append(f"{field}: {detail['msg']}")
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
