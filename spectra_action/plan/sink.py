"""Collect findings while a plan is parsed or linted."""

from __future__ import annotations

from spectra_action.plan.models import Finding, Severity


class FindingSink:
    """Findings for one plan file, in the order they were added.

    Layout warnings that can repeat on every line (trailing spaces, CRLF,
    tabs) go through :meth:`style`. It keeps one finding per code, on the
    first line, with a count of the rest, so that a plan saved by an
    unusual editor does not bury the real problems.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._findings: list[Finding] = []
        self._style_lines: dict[str, list[int]] = {}
        self._style_messages: dict[str, str] = {}

    def error(
        self, code: str, line: int, message: str, task_id: str | None = None
    ) -> None:
        self._add(code, Severity.ERROR, line, message, task_id)

    def warning(
        self, code: str, line: int, message: str, task_id: str | None = None
    ) -> None:
        self._add(code, Severity.WARNING, line, message, task_id)

    def style(self, code: str, line: int, message: str) -> None:
        self._style_lines.setdefault(code, []).append(line)
        self._style_messages.setdefault(code, message)

    def findings(self) -> list[Finding]:
        """Return every finding, the style ones merged, sorted by line."""
        merged = list(self._findings)
        for code, lines in self._style_lines.items():
            message = self._style_messages[code]
            if len(lines) > 1:
                message = f"{message} (on {len(lines)} lines, first here)"
            merged.append(
                Finding(
                    code=code,
                    severity=Severity.WARNING,
                    path=self.path,
                    line=lines[0],
                    message=message,
                )
            )
        merged.sort(key=lambda finding: finding.line)
        return merged

    def _add(
        self,
        code: str,
        severity: Severity,
        line: int,
        message: str,
        task_id: str | None,
    ) -> None:
        self._findings.append(
            Finding(
                code=code,
                severity=severity,
                path=self.path,
                line=line,
                message=message,
                task_id=task_id,
            )
        )
