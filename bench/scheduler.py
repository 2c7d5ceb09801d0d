"""Measure the verify-command scheduler: wall time against the critical path,
and peak memory while one command prints 1 GiB.

Graph: 3 levels of 8 tasks, each ``sleep 0.4``. Every task of a level
depends on two tasks of the level before. With max_parallel 8 both the
critical path and the work per slot are 1.2 s, so any idle slot or late
start shows in the wall time. Target: wall time at most 10% + 0.3 s above
the critical path.

Output: a child Python process runs run_tasks on one task that prints
1 GiB (``yes | head -c``) and reports its own peak RSS (VmHWM in
/proc/self/status): without a log file, with one, and streaming to stdout
(sent to /dev/null) with github_actions=True as the action does. Target:
under 100 MB.

Run: .venv/bin/python bench/scheduler.py [--runs N] [--output-bytes N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spectra_action.plan.models import Plan, Task
from spectra_action.runner import Outcome, RunSettings, run_tasks

LEVELS = 3
WIDTH = 8
SLEEP = 0.4
MAX_PARALLEL = 8
CRITICAL_PATH = LEVELS * SLEEP
WALL_LIMIT = CRITICAL_PATH * 1.10 + 0.3
OUTPUT_BYTES = 1 << 30
RSS_LIMIT_MB = 100.0


def build_graph() -> Plan:
    tasks = []
    for level in range(LEVELS):
        for index in range(WIDTH):
            deps = []
            if level:
                deps = [
                    f"{level - 1}-{index}",
                    f"{level - 1}-{(index + 1) % WIDTH}",
                ]
            task_id = f"{level}-{index}"
            tasks.append(
                Task(
                    id=task_id,
                    title=task_id,
                    line=1,
                    verify=f"sleep {SLEEP}",
                    dependencies=deps,
                )
            )
    return Plan(path="bench-plan.md", tasks=tasks)


def measure_graph(plan: Plan, cwd: Path) -> float:
    settings = RunSettings(max_parallel=MAX_PARALLEL)
    started = time.perf_counter()
    results = run_tasks(plan, plan.task_ids, cwd=cwd, settings=settings)
    wall = time.perf_counter() - started
    failed = [r.task_id for r in results.values() if r.outcome is not Outcome.PASSED]
    if failed:
        raise SystemExit(f"bench tasks did not pass: {failed}")
    return wall


def child_output_run(size: int, mode: str, log_dir: str, report_path: str) -> None:
    """Run one task printing size bytes and write this process's peak RSS."""
    baseline = _vm_hwm_kib()
    plan = Plan(
        path="bench-plan.md",
        tasks=[
            Task(
                id="big",
                title="big",
                line=1,
                verify=f"yes 0123456789abcdef | head -c {size}",
            )
        ],
    )
    settings = RunSettings(
        results_dir=Path(log_dir) if mode == "log" else None,
        stream=mode == "stream",
        github_actions=mode == "stream",
    )
    started = time.perf_counter()
    result = run_tasks(plan, ["big"], cwd=Path.cwd(), settings=settings)["big"]
    seconds = time.perf_counter() - started
    report = {
        "outcome": str(result.outcome),
        "output_bytes": result.output_bytes,
        "tail_bytes": len(result.tail.encode()),
        "seconds": seconds,
        "baseline_kib": baseline,
        "peak_kib": _vm_hwm_kib(),
    }
    Path(report_path).write_text(json.dumps(report))


def _vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("VmHWM missing from /proc/self/status")


def measure_output(size: int, mode: str, scratch: str) -> dict[str, float]:
    report_path = Path(scratch, "report.json")
    command = [
        sys.executable,
        __file__,
        "--child-output",
        str(size),
        mode,
        scratch,
        str(report_path),
    ]
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    report: dict[str, float] = json.loads(report_path.read_text())
    if report["output_bytes"] != size:
        raise SystemExit(
            f"child counted {report['output_bytes']} bytes, expected {size}"
        )
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions per case")
    parser.add_argument(
        "--output-bytes",
        type=int,
        default=OUTPUT_BYTES,
        help="bytes the big task prints (default 1 GiB)",
    )
    parser.add_argument("--child-output", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_output:
        size, mode, log_dir, report_path = args.child_output
        child_output_run(int(size), mode, log_dir, report_path)
        return 0

    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        plan = build_graph()
        walls = [measure_graph(plan, Path(scratch)) for _ in range(args.runs)]
        wall = statistics.median(walls)
        ok &= wall <= WALL_LIMIT
        print(
            f"graph: {LEVELS * WIDTH} tasks, critical path {CRITICAL_PATH:.2f}s, "
            f"max_parallel {MAX_PARALLEL}: median wall {wall:.3f}s "
            f"(min {min(walls):.3f}, max {max(walls):.3f}), "
            f"ratio {wall / CRITICAL_PATH:.3f}, limit {WALL_LIMIT:.2f}s"
        )

        for mode in ("no log", "log", "stream"):
            reports = [
                measure_output(args.output_bytes, mode, scratch) for _ in range(3)
            ]
            peak = statistics.median(r["peak_kib"] for r in reports) / 1024
            base = statistics.median(r["baseline_kib"] for r in reports) / 1024
            seconds = statistics.median(r["seconds"] for r in reports)
            rate = args.output_bytes / seconds / 1e6
            ok &= peak < RSS_LIMIT_MB
            print(
                f"output {args.output_bytes} bytes, {mode}: median peak RSS "
                f"{peak:.1f} MB (after imports {base:.1f} MB), "
                f"{seconds:.2f}s, {rate:.0f} MB/s, limit {RSS_LIMIT_MB:.0f} MB"
            )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
