"""The JSON document of one gate run, for scripts and other tools.

The shape is versioned by ``schema_version``; fields are only ever added
within one version. docs/json-output.md describes every field.
"""

from __future__ import annotations

from typing import Any

from spectra_action.pipeline import GateResult

SCHEMA_VERSION = 1


def gate_document(gate: GateResult) -> dict[str, Any]:
    """Return the run as plain JSON data: changed files, selection, results."""
    rows = {row.id: row for row in gate.view.tasks}
    return {
        "schema_version": SCHEMA_VERSION,
        "result": gate.result,
        "reasons": gate.reasons,
        "head_sha": gate.view.head_sha,
        "plan": {
            "path": gate.plan.path,
            "sha256": gate.plan.sha256,
            "level": gate.plan.level,
            "tasks": len(gate.plan.tasks),
        },
        "changes": {
            "source": gate.changes.source,
            "complete": gate.changes.complete,
            "note": gate.changes.note,
        },
        "files": [
            {
                "path": verdict.path,
                "previous_path": verdict.previous_path,
                "status": verdict.status.value,
                "verdict": verdict.kind.value,
                "tasks": list(verdict.tasks),
            }
            for verdict in gate.verdicts
        ],
        "selection": {
            "selected": gate.selection.selected,
            "run": gate.selection.run,
            "reasons": gate.selection.reasons,
            "blocked": gate.selection.blocked,
            "stuck": gate.selection.stuck,
        },
        "tasks": [
            {
                "id": row.id,
                "title": row.title,
                "status": row.status.value,
                "checked": row.checked,
                "detail": row.detail,
                "duration": row.duration,
                "exit_code": (
                    gate.results[row.id].exit_code if row.id in gate.results else None
                ),
                "attempts": row.attempts,
                "max_iterations": row.max_iterations,
                "log_path": (
                    gate.results[row.id].log_path if row.id in gate.results else None
                ),
            }
            for row in rows.values()
        ],
        "plan_findings": [
            finding.model_dump(mode="json") for finding in gate.plan_findings
        ],
    }
