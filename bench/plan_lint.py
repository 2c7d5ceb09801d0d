"""Time parse + lint of a generated 999-task level-4 plan.

Run: .venv/bin/python bench/plan_lint.py [--tasks 999] [--runs 7]

The comparison figure for the bash validator is 8 s per 200-task plan
(40 ms per task), measured earlier on the same 2-core machines. The
target here is under 200 ms for 999 tasks.
"""

from __future__ import annotations

import argparse
import statistics
import time

from spectra_action.plan import parse_plan_text

BASH_MS_PER_TASK = 40.0
TARGET_MS = 200.0


def task_block(number: int) -> str:
    task_id = f"{number:03d}"
    group = number // 10
    shared = f"docs/area{group}.md"
    chained = number % 10 and number > 1
    needs = f"- Dependencies: Task {number - 1:03d}\n" if chained else ""
    return f"""## Task {task_id}: Build component {task_id}
- [ ] {task_id}: Build component {task_id}
- AC:
  - Component {task_id} handles its input.
  - Component {task_id} reports errors.
- Files: src/c{task_id}/main.py, tests/test_c{task_id}.py, {shared}
- Verify: `pytest tests/test_c{task_id}.py -q`
- Risk: medium
- Max-iterations: 5
- Scope: code
- File-ownership:
  - owns: [src/c{task_id}/main.py, tests/test_c{task_id}.py]
  - touches: [{shared}]
  - reads: [src/common/config.py]
- Wiring-proof:
  - CLI: python -m app c{task_id}
  - Integration: router -> component {task_id} -> store.
{needs}
"""


def generate(tasks: int) -> str:
    """Return a level-4 plan of ``tasks`` tasks in groups of ten.

    The tasks of a group share one doc file and form a chain through their
    Dependencies lines. The Parallelism Assessment repeats the first link
    of each group, and the last task depends on all others.
    """
    parts = [
        "# SPECTRA Execution Plan\n\n## Project: Bench\n## Level: 4\n"
        "## Generated: 2026-04-01\n## Source: .spectra/stories/\n\n---\n\n"
    ]
    parts += [task_block(number) for number in range(1, tasks + 1)]
    chains = ", ".join(
        f"{start:03d} -> {start + 1:03d}"
        for start in range(10, tasks, 10)
        if start + 1 <= tasks
    )
    parts.append(
        "## Parallelism Assessment\n"
        "- Independent tasks: [001]\n"
        f"- Sequential dependencies: [{chains}]\n"
        "- Recommendation: TEAM_ELIGIBLE\n\n"
        "## Dependency Graph\n"
        f"Task {tasks:03d} depends on all\n"
    )
    return "".join(parts)


def time_runs(text: str, runs: int) -> tuple[list[float], list[float]]:
    """Return wall-clock and CPU milliseconds of ``runs`` parse + lint runs."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        parse_plan_text(text, ".spectra/plan.md")
        cpu.append((time.process_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tasks",
        type=int,
        default=999,
        help="number of tasks in the generated plan (default: 999)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=7,
        help="number of timed runs; the median is reported (default: 7)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    text = generate(args.tasks)
    plan = parse_plan_text(text, ".spectra/plan.md")
    codes = sorted({finding.code for finding in plan.findings})
    wall, cpu = time_runs(text, args.runs)
    median = statistics.median(wall)
    per_task = median / args.tasks

    lines = len(text.splitlines())
    print(f"plan: {args.tasks} tasks, {lines} lines, {len(text)} chars")
    print(f"findings: {len(plan.findings)} {codes}")
    print(f"runs: {args.runs}, median {median:.1f} ms, min {min(wall):.1f} ms")
    # CPU time leaves out the time the process waited for a core, which
    # matters on a machine shared with other jobs.
    print(f"CPU time: median {statistics.median(cpu):.1f} ms")
    print(f"per task: {per_task:.3f} ms")

    ratio = BASH_MS_PER_TASK / per_task
    print(f"bash validator: {BASH_MS_PER_TASK:.0f} ms/task, ratio {ratio:.0f}x")
    verdict = "met" if median < TARGET_MS else "missed"
    print(f"target {TARGET_MS:.0f} ms for {args.tasks} tasks: {verdict}")


if __name__ == "__main__":
    main()
