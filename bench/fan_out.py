"""Measure how evenly fan-out packs a 500-task plan into 16 matrix entries.

Each run builds a seeded plan of 500 tasks split at random into 40
independent dependency groups, gives every task a known duration, and packs
the groups with group_tasks and pack_groups. The figure of merit is the
longest entry's expected time against the ideal: the total time divided by
the entry count, or the longest group when that is larger, since a group
cannot be split. The target is at most 10% above the ideal on every run.

Run: .venv/bin/python bench/fan_out.py [--runs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from spectra_action.fanout import _assign_longest_first, group_tasks, pack_groups
from spectra_action.plan.models import Plan, Task

TASKS = 500
GROUPS = 40
MAX_JOBS = 16
TARGET_RATIO = 1.10
# Task durations are drawn uniformly from this range, in seconds.
MIN_TASK_SECONDS = 5.0
MAX_TASK_SECONDS = 300.0


def build_plan(seed: int) -> tuple[Plan, dict[str, float]]:
    """Build a plan whose tasks form exactly GROUPS dependency components.

    Every task after the first of its group depends on a random earlier task
    of the same group, so each group is connected and groups never touch.
    """
    rng = random.Random(seed)
    group_of = [index % GROUPS for index in range(GROUPS)]
    group_of += [rng.randrange(GROUPS) for _ in range(TASKS - GROUPS)]
    rng.shuffle(group_of)
    members: list[list[str]] = [[] for _ in range(GROUPS)]
    tasks: list[Task] = []
    durations: dict[str, float] = {}
    for index, group in enumerate(group_of):
        task_id = f"{index + 1:03d}"
        earlier = members[group]
        dependencies = [rng.choice(earlier)] if earlier else []
        tasks.append(
            Task(id=task_id, title=task_id, line=index + 1, dependencies=dependencies)
        )
        earlier.append(task_id)
        durations[task_id] = rng.uniform(MIN_TASK_SECONDS, MAX_TASK_SECONDS)
    return Plan(path="bench-plan.md", tasks=tasks), durations


def measure(seed: int) -> tuple[float, float, float]:
    """Return the longest-to-ideal ratio, the same ratio for plain LPT without
    the rebalancing step, and the planning time in seconds."""
    plan, durations = build_plan(seed)
    started = time.perf_counter()
    groups = group_tasks(plan, plan.task_ids)
    entries = pack_groups(groups, durations, max_jobs=MAX_JOBS)
    elapsed = time.perf_counter() - started
    if len(groups) != GROUPS:
        raise RuntimeError(f"seed {seed}: expected {GROUPS} groups, got {len(groups)}")
    group_times = [sum(durations[task] for task in group) for group in groups]
    ideal = max(sum(group_times) / MAX_JOBS, max(group_times))
    longest = max(entry.expected_seconds for entry in entries)
    return longest / ideal, _plain_lpt_longest(group_times) / ideal, elapsed


def _plain_lpt_longest(group_times: list[float]) -> float:
    bins = _assign_longest_first(group_times, MAX_JOBS)
    totals = [0.0] * MAX_JOBS
    for group_time, chosen in zip(group_times, bins, strict=True):
        totals[chosen] += group_time
    return max(totals)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="seeded plans to pack")
    args = parser.parse_args()
    ratios: list[float] = []
    plain_ratios: list[float] = []
    times: list[float] = []
    for seed in range(args.runs):
        ratio, plain_ratio, elapsed = measure(seed)
        ratios.append(ratio)
        plain_ratios.append(plain_ratio)
        times.append(elapsed)
    print(f"plans: {args.runs} seeded, {TASKS} tasks, {GROUPS} groups each")
    print(f"entries: at most {MAX_JOBS}")
    print(f"longest / ideal: median {statistics.median(ratios):.3f}")
    print(f"longest / ideal: worst {max(ratios):.3f}")
    print(f"plain LPT / ideal: median {statistics.median(plain_ratios):.3f}")
    print(f"plain LPT / ideal: worst {max(plain_ratios):.3f}")
    print(f"group + pack time: median {statistics.median(times) * 1000:.1f} ms")
    print(f"group + pack time: worst {max(times) * 1000:.1f} ms")
    if max(ratios) > TARGET_RATIO:
        print(f"FAIL: a run is more than {TARGET_RATIO - 1:.0%} above the ideal")
        return 1
    print(f"OK: every run is within {TARGET_RATIO - 1:.0%} of the ideal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
