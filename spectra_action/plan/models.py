"""Pydantic models of a parsed SPECTRA plan and of its lint findings."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class CheckboxState(StrEnum):
    PENDING = "pending"
    COMPLETE = "complete"
    STUCK = "stuck"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    """One lint result: a stable code, where it is, and what to do."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    path: str
    line: int
    message: str
    task_id: str | None = None


class FileOwnership(BaseModel):
    """The ``File-ownership`` lists of one task, as written in the plan."""

    owns: list[str] = Field(default_factory=list)
    touches: list[str] = Field(default_factory=list)
    reads: list[str] = Field(default_factory=list)
    line: int = 0


class Task(BaseModel):
    """One ``## Task NNN: Title`` block.

    ``line`` is the heading's 1-based line. ``field_lines`` maps each field
    name (``checkbox``, ``ac``, ``files``, ``verify``, ``risk``,
    ``max_iterations``, ``scope``, ``ownership``, ``wiring_proof``,
    ``dependencies``) to the line it was read from. The ownership lists are
    there too, as ``ownership.owns``, ``ownership.touches`` and
    ``ownership.reads``.

    ``end_line`` is the block's last line and ``source_lines`` its text, from
    the heading on, without line endings. ``checkbox_id`` and
    ``checkbox_title`` are what the checkbox line wrote, for the comparison
    with the heading. ``raw_fields`` keeps each single-line field value as
    written, so the linter can name an invalid one. ``dependency_lines`` maps
    each merged dependency to the first line that declared it.
    """

    id: str
    title: str
    line: int
    state: CheckboxState = CheckboxState.PENDING
    ac: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    verify: str | None = None
    risk: str | None = None
    max_iterations: int | None = None
    scope: str | None = None
    ownership: FileOwnership | None = None
    wiring_proof: dict[str, str] | None = None
    dependencies: list[str] = Field(default_factory=list)
    field_lines: dict[str, int] = Field(default_factory=dict)
    end_line: int = 0
    source_lines: list[str] = Field(default_factory=list)
    checkbox_id: str | None = None
    checkbox_title: str | None = None
    raw_fields: dict[str, str] = Field(default_factory=dict)
    verify_quoted: bool = False
    dependency_lines: dict[str, int] = Field(default_factory=dict)


class Plan(BaseModel):
    """A parsed plan with every finding the parser and the linter produced.

    ``tasks`` keeps plan order. ``dependencies`` of each task are merged from
    every place the format allows and hold only ids, sorted.

    ``title`` is the first level-1 heading (``SPECTRA Execution Plan``).
    ``header_level`` is the ``## Level:`` value, if the plan has a valid one.
    ``parallelism_line`` is the line of the ``## Parallelism Assessment``
    heading, or None when the section is missing.
    """

    path: str
    title: str | None = None
    project: str | None = None
    level: int = 1
    level_source: str = "default"
    tasks: list[Task] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    sha256: str = ""
    header_level: int | None = None
    parallelism_line: int | None = None
    recommendation: str | None = None
    independent_tasks: list[str] = Field(default_factory=list)

    def task(self, task_id: str) -> Task | None:
        for task in self.tasks:
            if task.id == task_id:
                return task
        return None

    @property
    def task_ids(self) -> list[str]:
        return [task.id for task in self.tasks]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]
