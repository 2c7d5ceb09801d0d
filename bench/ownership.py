"""Measure ownership verdicts on a 999-task plan against 100,000 changed paths.

The seeded plan declares 30,000 exact paths, 5,000 directory entries and
5,000 globs across its owns, touches and reads lists. judge_changes with a
fresh OwnershipIndex is timed on all 100,000 paths. The baseline builds one
pathspec.GitIgnoreSpec per task and list and tests every path against every
one of them. It is too slow to run on every path, so it runs on a seeded
sample and its time per path is scaled up to the full count. Both must give
identical verdicts on the sample.

Targets: the index judges all paths in under 1 second and at least 20 times
faster than the baseline. Both are checked on CPU time (time.process_time),
because wall-clock time on a shared machine also counts the time other
processes hold the CPU. Wall-clock figures and the load average are printed
next to them.

Run: .venv/bin/python bench/ownership.py [--runs N] [--sample N]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence

import pathspec

from spectra_action.changes import ChangedFile, ChangeStatus
from spectra_action.ownership import (
    FileVerdict,
    OwnershipIndex,
    VerdictKind,
    judge_changes,
)
from spectra_action.plan.models import FileOwnership, Plan, Task

TASKS = 999
# Each task declares 30 exact paths, 5 directories and 5 globs, which is
# 29,970, 4,995 and 4,995 in all, and the first tasks a few more.
EXACT = 30_000
DIRECTORIES = 5_000
GLOBS = 5_000
EXTRA_EXACT = EXACT - 30 * TASKS
EXTRA_OTHER = DIRECTORIES - 5 * TASKS
CHANGED_PATHS = 100_000
TARGET_SECONDS = 1.0
TARGET_SPEEDUP = 20.0
SEED = 20261204


def task_entries(task: int, rng: random.Random) -> FileOwnership:
    """Declare one task's lists: a module of its own plus shared areas."""
    module = f"src/mod{task:03d}"
    other = f"src/mod{rng.randrange(1, TASKS + 1):03d}"
    owns = [f"{module}/file{n}.py" for n in range(20)]
    touches = [f"shared/common{rng.randrange(400)}.py" for _ in range(5)]
    reads = [f"{other}/file{rng.randrange(20)}.py" for _ in range(5)]
    owns += [f"{module}/sub{n}/" for n in range(3)]
    touches.append(f"shared/area{rng.randrange(300)}/")
    reads.append(f"docs/area{rng.randrange(300)}/")
    owns += [f"{module}/gen/*.py", f"tests/mod{task:03d}/**/test_*.py"]
    owns.append(f"{module}/**/*.json")
    touches.append(f"config/mod{task:03d}-*.yml")
    # Every 50th task declares a glob without a slash, which matches at any
    # depth, so some globs apply to every path.
    last = f"*.mod{task:03d}" if task % 50 == 0 else f"assets/mod{task:03d}/*.png"
    reads.append(last)
    if task <= EXTRA_EXACT:
        owns.append(f"{module}/extra.py")
    if task <= EXTRA_OTHER:
        owns += [f"{module}/extra/", f"{module}/extra/*.txt"]
    return FileOwnership(owns=owns, touches=touches, reads=reads)


def build_plan(rng: random.Random) -> Plan:
    tasks = [
        Task(id=f"{n:03d}", title=f"Task {n}", line=n, ownership=task_entries(n, rng))
        for n in range(1, TASKS + 1)
    ]
    return Plan(path=".spectra/plan.md", tasks=tasks)


def count_entries(plan: Plan) -> tuple[int, int, int]:
    """Return the number of exact, directory and glob entries in the plan."""
    exact = directories = globs = 0
    for task in plan.tasks:
        assert task.ownership is not None
        ownership = task.ownership
        for entry in ownership.owns + ownership.touches + ownership.reads:
            if any(char in entry for char in "*?["):
                globs += 1
            elif entry.endswith("/"):
                directories += 1
            else:
                exact += 1
    return exact, directories, globs


def changed_paths(rng: random.Random) -> list[str]:
    """Draw distinct paths: planned files, files under entries, and others."""
    makers: list[Callable[[int], str]] = [
        lambda t: f"src/mod{t:03d}/file{rng.randrange(30)}.py",
        lambda t: f"src/mod{t:03d}/sub{rng.randrange(4)}/x{rng.randrange(99)}.py",
        lambda t: f"src/mod{t:03d}/gen/g{rng.randrange(99)}.py",
        lambda t: f"tests/mod{t:03d}/unit/test_{rng.randrange(99)}.py",
        lambda t: f"src/mod{t:03d}/data/d{rng.randrange(99)}.json",
        lambda t: f"config/mod{t:03d}-{rng.randrange(99)}.yml",
        lambda t: f"shared/common{rng.randrange(500)}.py",
        lambda t: f"shared/area{rng.randrange(400)}/f{rng.randrange(50)}.c",
        lambda t: f"docs/area{rng.randrange(400)}/page{rng.randrange(50)}.md",
        lambda t: f"assets/mod{t:03d}/i{rng.randrange(99)}.png",
        lambda t: f"vendor/lib{t}/deep/er/path{rng.randrange(99)}.h",
        lambda t: f"notes/n{rng.randrange(9999)}.mod{t:03d}",
    ]
    paths: set[str] = set()
    while len(paths) < CHANGED_PATHS:
        maker = rng.choice(makers)
        paths.add(maker(rng.randrange(1, TASKS + 2)))
    ordered = sorted(paths)
    rng.shuffle(ordered)
    return ordered


class Baseline:
    """One GitIgnoreSpec per task and list, each tested against every path."""

    def __init__(self, plan: Plan) -> None:
        self.specs: list[tuple[str, list[pathspec.GitIgnoreSpec]]] = []
        for task in plan.tasks:
            assert task.ownership is not None
            lists = (task.ownership.owns, task.ownership.touches, task.ownership.reads)
            specs = [pathspec.GitIgnoreSpec.from_lines(entries) for entries in lists]
            self.specs.append((task.id, specs))

    def judge(self, changes: Sequence[ChangedFile]) -> list[FileVerdict]:
        verdicts = []
        for change in changes:
            roles: tuple[list[str], list[str], list[str]] = ([], [], [])
            for task_id, specs in self.specs:
                for ids, spec in zip(roles, specs, strict=True):
                    if spec.match_file(change.path):
                        ids.append(task_id)
            kind, tasks = classify(*roles)
            verdicts.append(
                FileVerdict(
                    path=change.path, kind=kind, tasks=tasks, status=change.status
                )
            )
        return verdicts


def classify(
    owners: list[str], touchers: list[str], readers: list[str]
) -> tuple[VerdictKind, list[str]]:
    if owners:
        return VerdictKind.OWNED, owners
    if touchers:
        return VerdictKind.TOUCHED, touchers
    if readers:
        return VerdictKind.READ_ONLY, readers
    return VerdictKind.UNPLANNED, []


class Timer:
    """Wall-clock and CPU seconds of one block."""

    def __enter__(self) -> Timer:
        self.wall = -time.perf_counter()
        self.cpu = -time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter()
        self.cpu += time.process_time()


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def run_index(
    plan: Plan, changes: list[ChangedFile], runs: int
) -> tuple[list[FileVerdict], dict[str, float]]:
    """Time a fresh index ``runs`` times and return its verdicts and medians."""
    builds: list[Timer] = []
    judges: list[Timer] = []
    verdicts: list[FileVerdict] = []
    for _ in range(runs):
        # Drop the previous run's verdicts and index first, so that every run
        # starts with the same objects alive for the garbage collector.
        verdicts = []
        index = None
        gc.collect()
        with Timer() as build:
            index = OwnershipIndex(plan)
        with Timer() as judge:
            verdicts = judge_changes(plan, changes, index=index)
        builds.append(build)
        judges.append(judge)
    figures = {
        "build_wall": median([t.wall for t in builds]),
        "judge_wall": median([t.wall for t in judges]),
        "judge_cpu": median([t.cpu for t in judges]),
        "judge_cpu_no_gc": median([time_without_gc(plan, changes) for _ in judges]),
    }
    return verdicts, figures


def time_without_gc(plan: Plan, changes: list[ChangedFile]) -> float:
    """Return the CPU seconds of one judge run with the cyclic collector off.

    This figure is for diagnosis only. It shows how much of the judge time
    goes to garbage collection passes over the objects the run keeps alive.
    """
    gc.collect()
    index = OwnershipIndex(plan)
    gc.disable()
    try:
        with Timer() as judge:
            judge_changes(plan, changes, index=index)
    finally:
        gc.enable()
    return judge.cpu


def run_baseline(
    plan: Plan, sample: list[ChangedFile]
) -> tuple[list[FileVerdict], Timer, Timer]:
    with Timer() as build:
        baseline = Baseline(plan)
    with Timer() as judge:
        verdicts = baseline.judge(sample)
    return verdicts, build, judge


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="number of timed index runs"
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=1000,
        help="number of paths the baseline is timed on",
    )
    args = parser.parse_args(argv)

    rng = random.Random(SEED)
    plan = build_plan(rng)
    counts = count_entries(plan)
    assert counts == (EXACT, DIRECTORIES, GLOBS), counts
    paths = changed_paths(rng)
    changes = [ChangedFile(path=path, status=ChangeStatus.MODIFIED) for path in paths]
    print(
        f"plan: {TASKS} tasks, {EXACT} exact, {DIRECTORIES} directories, {GLOBS} globs"
    )
    print(f"changed paths: {len(changes)}, load average {os.getloadavg()[0]:.2f}")

    verdicts, index = run_index(plan, changes, args.runs)
    kinds = Counter(verdict.kind.value for verdict in verdicts)
    print("verdicts:", ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())))
    print(
        f"index, median of {args.runs}: build {index['build_wall']:.3f} s, "
        f"judge {index['judge_wall']:.3f} s wall, {index['judge_cpu']:.3f} s CPU, "
        f"{index['judge_cpu_no_gc']:.3f} s CPU with gc disabled"
    )

    positions = sorted(random.Random(SEED + 1).sample(range(len(changes)), args.sample))
    expected, build, judge = run_baseline(plan, [changes[n] for n in positions])
    scale = len(changes) / len(positions)
    print(
        f"baseline: build {build.wall:.3f} s, judge {judge.wall:.3f} s wall and "
        f"{judge.cpu:.3f} s CPU on {len(positions)} paths, "
        f"{judge.wall * scale:.1f} s wall scaled to {len(changes)}"
    )
    speedup = judge.wall * scale / index["judge_wall"]
    cpu_speedup = judge.cpu * scale / index["judge_cpu"]
    print(
        f"speedup, scaled baseline over index: {speedup:.0f}x wall, "
        f"{cpu_speedup:.0f}x CPU"
    )

    mismatches = [
        (want, verdicts[n])
        for want, n in zip(expected, positions, strict=True)
        if want != verdicts[n]
    ]
    print(f"verdict mismatches on the sample: {len(mismatches)}")
    for want, got in mismatches[:5]:
        print(f"  expected {want}\n  got      {got}")
    return report_targets(index["judge_cpu"], cpu_speedup, bool(mismatches))


def report_targets(judge_seconds: float, speedup: float, mismatched: bool) -> int:
    failed = mismatched
    if judge_seconds >= TARGET_SECONDS:
        print(
            f"FAIL: judging took {judge_seconds:.3f} s CPU, "
            f"target under {TARGET_SECONDS} s"
        )
        failed = True
    if speedup < TARGET_SPEEDUP:
        print(f"FAIL: CPU speedup {speedup:.0f}x is below {TARGET_SPEEDUP:.0f}x")
        failed = True
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
