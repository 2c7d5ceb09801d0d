"""The checklist comment: rendering, Markdown safety, size limits, state."""

from __future__ import annotations

import re

from spectra_action import markdown
from spectra_action.plan import Plan, Task
from spectra_action.report import (
    COMMENT_LIMIT,
    MARKER,
    FileRow,
    ReportView,
    RowStatus,
    TaskRow,
    mermaid_graph,
    render_comment,
    render_summary,
    status_description,
)
from spectra_action.state import RunState, TaskState, decode_state, encode_state


def _row(task_id: str, status: RowStatus, **fields: object) -> TaskRow:
    checked = status in (RowStatus.PASSED, RowStatus.COMPLETE)
    selected = status not in (RowStatus.COMPLETE, RowStatus.NOT_AFFECTED)
    values: dict[str, object] = {
        "id": task_id,
        "title": f"Task {task_id}",
        "checked": checked,
        "status": status,
        "selected": selected,
    }
    values.update(fields)
    return TaskRow.model_validate(values)


def _view(rows: list[TaskRow], **fields: object) -> ReportView:
    values: dict[str, object] = {
        "result": "failed",
        "headline": "The gate failed.",
        "head_sha": "a" * 40,
        "tasks": rows,
        "state": encode_state(RunState(head_sha="a" * 40)),
    }
    values.update(fields)
    return ReportView.model_validate(values)


def test_checkboxes_mirror_results() -> None:
    rows = [
        _row("001", RowStatus.PASSED, duration=1.5, attempts=2, max_iterations=8),
        _row("002", RowStatus.FAILED, detail="exited with 2"),
        _row("003", RowStatus.COMPLETE),
        _row("004", RowStatus.NOT_AFFECTED),
        _row("005", RowStatus.BLOCKED, detail="needs 002, which failed"),
    ]

    text = render_comment(_view(rows))

    assert text.startswith(MARKER + "\n")
    assert "- [x] 001: Task 001 — ✅ passed · 1.5s · attempt 2 of 8" in text
    assert "- [ ] 002: Task 002 — ❌ failed (exited with 2)" in text
    assert "- [x] 003: Task 003 — ☑️ complete" in text
    assert "- [ ] 004: Task 004 — ➖ not affected" in text
    assert "- [ ] 005: Task 005 — ⛔ blocked (needs 002, which failed)" in text
    assert text.rstrip().endswith("-->")


def test_titles_cannot_mention_or_inject() -> None:
    title = "Ping @octocat about #12 <img src=x> </details> [link](http://x)"
    text = render_comment(_view([_row("001", RowStatus.FAILED, title=title)]))

    assert "@octocat" not in text
    assert "#12" not in text
    assert "<img" not in text
    assert "</details> [" not in text
    assert "[link](http://x)" not in text


def test_output_fence_outlasts_backticks() -> None:
    tail = "before\n````\n</details>\n@octocat\nafter"
    text = render_comment(_view([_row("001", RowStatus.FAILED, tail=tail)]))

    assert "`````text\nbefore\n````\n</details>\n@octocat\nafter\n`````" in text


def test_fenced_block_longest_run() -> None:
    assert markdown.fenced_block("a ``` b") == "````text\na ``` b\n````"
    assert markdown.fenced_block("plain") == "```text\nplain\n```"


def test_code_span_escapes_backticks() -> None:
    assert markdown.code_span("a`b") == "``a`b``"
    assert markdown.code_span("`x`") == "`` `x` ``"


def test_inline_breaks_mentions_once() -> None:
    assert markdown.inline("@team and #12") == "@\u200bteam and #\u200b12"


def test_inline_breaks_lines_and_markup() -> None:
    assert markdown.inline("a\nb") == "a b"
    assert markdown.inline("*bold* _it_") == "\\*bold\\* \\_it\\_"
    assert markdown.inline("x|y") == "x\\|y"


def test_file_rows_are_listed() -> None:
    files = [
        FileRow(path="scripts/run me.sh", verdict="unplanned", severity="error"),
        FileRow(
            path="docs/b.md",
            previous_path="docs/a.md",
            verdict="read-only",
            severity="warning",
            tasks=["003"],
        ),
    ]
    text = render_comment(_view([_row("001", RowStatus.PASSED)], files=files))

    assert "| `scripts/run me.sh` | ❌ unplanned | — |" in text
    assert "| `docs/b.md` (from `docs/a.md`) | ⚠️ read-only | 003 |" in text


def test_huge_plan_fits_one_comment() -> None:
    long_tail = "\n".join(f"line {n} " + "x" * 150 for n in range(200))
    rows = []
    for number in range(1, 1000):
        status = RowStatus.FAILED if number % 3 == 0 else RowStatus.NOT_AFFECTED
        rows.append(_row(f"{number:03d}", status, title="T" * 80, tail=long_tail))
    files = [
        FileRow(path=f"unplanned/file-{n}.txt", verdict="unplanned", severity="error")
        for n in range(3000)
    ]

    text = render_comment(_view(rows, files=files))

    assert len(text) <= COMMENT_LIMIT
    assert text.startswith(MARKER)
    assert decode_state(text) == RunState(head_sha="a" * 40)


def test_small_comment_keeps_full_tails() -> None:
    tail = "\n".join(f"line {n}" for n in range(100))
    text = render_comment(_view([_row("001", RowStatus.FAILED, tail=tail)]))

    assert "line 0\n" in text
    assert "line 99\n" in text
    assert "shortened" not in text


def test_degrading_shortens_tails_first() -> None:
    tail = "\n".join(f"line {n} " + "y" * 300 for n in range(200))
    rows = [_row(f"{n:03d}", RowStatus.FAILED, tail=tail) for n in range(1, 4)]

    text = render_comment(_view(rows))

    assert len(text) <= COMMENT_LIMIT
    assert "line 199 " in text
    assert "line 0 " not in text
    assert "- [ ] 001" in text
    assert "- [ ] 003" in text


def test_summary_has_every_task() -> None:
    rows = [_row(f"{n:03d}", RowStatus.NOT_AFFECTED) for n in range(1, 51)]

    summary = render_summary(_view(rows))

    assert len(re.findall(r"^\| \d{3} \|", summary, re.MULTILINE)) == 50


def test_status_description_limit() -> None:
    row = _row("001", RowStatus.FAILED, detail="x" * 400, duration=3.0)

    description = status_description(row)

    assert len(description) == 140
    assert description.startswith("failed: xxx")


def test_mermaid_selected_and_direct_dependencies() -> None:
    plan = Plan(
        path="p",
        tasks=[
            Task(id="001", title="Root", line=1),
            Task(id="002", title="Middle", line=2, dependencies=["001"]),
            Task(id="003", title="Leaf", line=3, dependencies=["002"]),
            Task(id="004", title="Alone", line=4),
        ],
    )
    rows = [
        _row("001", RowStatus.COMPLETE),
        _row("002", RowStatus.NOT_AFFECTED),
        _row("003", RowStatus.FAILED),
        _row("004", RowStatus.NOT_AFFECTED),
    ]

    graph = mermaid_graph(plan, rows)

    assert 'T003["003: Task 003"]:::failed' in graph
    assert 'T002["002: Task 002"]:::not_affected' in graph
    assert "T001" not in graph
    assert "T004" not in graph
    assert "T002 --> T003" in graph
    assert "classDef failed" in graph
    assert "classDef passed" not in graph


def test_mermaid_label_escapes_quotes() -> None:
    assert markdown.mermaid_label('say "hi" <b>') == "say #34;hi#34; #60;b#62;"


def test_state_round_trip() -> None:
    state = RunState(
        head_sha="b" * 40,
        plan_sha256="c" * 64,
        tasks={"001": TaskState(attempts=3, outcome="failed", exit_code=2)},
    )

    assert decode_state("text\n" + encode_state(state) + "\n") == state


def test_state_tampering_is_ignored() -> None:
    assert decode_state("<!-- spectra-state:!!notbase64 -->") is None
    assert decode_state("<!-- spectra-state:e30= -->") == RunState()
    assert decode_state("<!-- spectra-state:WzFd -->") is None
    assert decode_state("no state here") is None
