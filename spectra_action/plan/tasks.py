"""Read the list items of one ``## Task`` block into a Task."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field

from spectra_action.plan.lines import Bullet, Line, bullet, is_separator
from spectra_action.plan.models import CheckboxState, FileOwnership, Task
from spectra_action.plan.sink import FindingSink
from spectra_action.plan.values import (
    EMPTY_LIST_WORDS,
    Edge,
    ParsedList,
    canonical_id,
    parse_command,
    parse_id_reference,
    split_label,
    split_list,
)

# Normalized key (lower case, hyphens) -> (model field, spelling in the format).
FIELDS: dict[str, tuple[str, str]] = {
    "ac": ("ac", "AC"),
    "files": ("files", "Files"),
    "verify": ("verify", "Verify"),
    "risk": ("risk", "Risk"),
    "max-iterations": ("max_iterations", "Max-iterations"),
    "scope": ("scope", "Scope"),
    "file-ownership": ("ownership", "File-ownership"),
    "wiring-proof": ("wiring_proof", "Wiring-proof"),
    "dependencies": ("dependencies", "Dependencies"),
}
LEGACY_SPELLINGS = frozenset({"Max iterations", "Wiring proof", "File ownership"})
OWNERSHIP_LISTS = ("owns", "touches", "reads")

_CHECKBOX = re.compile(r"^\[(.?)\](?:\s+(.*))?$")
_CHECKBOX_ID = re.compile(r"^(\d+)\s*:\s*(.*)$")
_STATES = {
    " ": CheckboxState.PENDING,
    "x": CheckboxState.COMPLETE,
    "X": CheckboxState.COMPLETE,
    "!": CheckboxState.STUCK,
}
SUB_INDENT = 2


@functools.lru_cache(maxsize=256)
def normalize_key(label: str) -> str:
    return re.sub(r"[\s_-]+", "-", label.strip().lower())


@dataclass
class _Field:
    """One top-level ``- Name: value`` item and the sub-items under it."""

    name: str
    label: str
    line: int
    value: str
    items: list[tuple[int, str]] = field(default_factory=list)


class TaskBuilder:
    """Feed the lines after a task heading, then call :meth:`finish`."""

    def __init__(self, task: Task, sink: FindingSink) -> None:
        self.task = task
        self.sink = sink
        self.fields: dict[str, _Field] = {}
        self.current: _Field | None = None
        self.checkbox_seen = False
        self.blank_line: int | None = None

    def feed(self, line: Line) -> None:
        if not line.text:
            self.blank_line = self.blank_line or line.number
            return
        if is_separator(line.text):
            return
        if self.blank_line is not None:
            self._warn(
                "BLANK_LINE_IN_TASK",
                self.blank_line,
                "a blank line splits the task's list; remove it",
            )
            self.blank_line = None
        item = bullet(line.text)
        if item is None:
            self._continue(line)
        elif item.indent < SUB_INDENT:
            self._top_level(line, item)
        else:
            self._sub_item(line, item)

    def _warn(self, code: str, line: int, message: str) -> None:
        self.sink.warning(code, line, message, self.task.id)

    def _error(self, code: str, line: int, message: str) -> None:
        self.sink.error(code, line, message, self.task.id)

    def _marker(self, line: Line, item: Bullet) -> None:
        if item.marker != "-":
            self.sink.style(
                "BULLET_STYLE",
                line.number,
                f"the list item uses '{item.marker}' as its bullet; use '-'",
            )

    def _continue(self, line: Line) -> None:
        items = self.current.items if self.current else []
        indented = line.text[:1] in (" ", "\t")
        if indented and self.current and self.current.name == "ac" and items:
            number, text = items[-1]
            items[-1] = (number, f"{text} {line.text.strip()}")
            return
        self._warn(
            "UNEXPECTED_LINE",
            line.number,
            f"the line {line.text.strip()[:60]!r} is not a task field; write it "
            "as '- Name: value' or move it out of the task",
        )

    def _top_level(self, line: Line, item: Bullet) -> None:
        self._marker(line, item)
        if item.indent:
            self.sink.style(
                "NONSTANDARD_INDENT",
                line.number,
                "a task field is indented; start it at column 1",
            )
        checkbox = _CHECKBOX.match(item.text) if item.text[:1] == "[" else None
        if checkbox:
            self.current = None
            self._checkbox(line.number, checkbox.group(1), checkbox.group(2) or "")
            return
        labelled = split_label(item.text)
        if labelled is None:
            self.current = None
            self._warn(
                "UNEXPECTED_LINE",
                line.number,
                f"the item {item.text[:60]!r} is not a task field; write it as "
                "'- Name: value'",
            )
            return
        self.current = self._field(line.number, *labelled)

    def _checkbox(self, number: int, mark: str, rest: str) -> None:
        if self.checkbox_seen:
            self._error(
                "DUPLICATE_CHECKBOX",
                number,
                f"task {self.task.id} has a second checkbox line; keep only one",
            )
            return
        self.checkbox_seen = True
        self.task.field_lines["checkbox"] = number
        state = _STATES.get(mark)
        if state is None:
            self._error(
                "INVALID_CHECKBOX",
                number,
                f"the checkbox '[{mark}]' is not a known state; use '[ ]' "
                "(pending), '[x]' (complete) or '[!]' (stuck)",
            )
        else:
            self.task.state = state
        if mark == "X":
            self._warn(
                "CHECKBOX_CAPITAL_X",
                number,
                "the checkbox is written '[X]'; it is read as complete, write '[x]'",
            )
        match = _CHECKBOX_ID.match(rest.strip())
        if match:
            self.task.checkbox_id = canonical_id(match.group(1))
            self.task.checkbox_title = match.group(2).strip()
        else:
            self.task.checkbox_title = rest.strip()

    def _field(self, number: int, label: str, value: str) -> _Field | None:
        key = normalize_key(label)
        if key not in FIELDS:
            spellings = [spelling for _, spelling in FIELDS.values()]
            close = difflib.get_close_matches(label, spellings, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self._warn(
                "UNKNOWN_FIELD",
                number,
                f"'{label}' is not a task field; {hint}known fields are "
                + ", ".join(dict.fromkeys(spellings)),
            )
            return None
        name, spelling = FIELDS[key]
        if label in LEGACY_SPELLINGS:
            self._warn(
                "LEGACY_FIELD_NAME",
                number,
                f"'{label}' is a legacy spelling; write '{spelling}'",
            )
        elif label != spelling:
            self._warn(
                "FIELD_NAME_VARIANT",
                number,
                f"the field '{label}' is read as '{spelling}'; write '{spelling}'",
            )
        if name in self.fields:
            if name != "dependencies":
                self._error(
                    "DUPLICATE_FIELD",
                    number,
                    f"task {self.task.id} has a second '{spelling}' field; the "
                    f"first one, on line {self.fields[name].line}, is used; "
                    "remove one",
                )
                return None
            entry = self.fields[name]
            entry.items.append((number, value))
            return entry
        entry = _Field(name, label, number, value)
        self.fields[name] = entry
        self.task.field_lines[name] = number
        return entry

    def _sub_item(self, line: Line, item: Bullet) -> None:
        if self.current is None:
            self._warn(
                "UNEXPECTED_LINE",
                line.number,
                f"the indented item {item.text[:60]!r} belongs to no task field",
            )
            return
        self._marker(line, item)
        self._check_indent(line, item, first=not self.current.items)
        self.current.items.append((line.number, item.text))

    def _check_indent(self, line: Line, item: Bullet, *, first: bool) -> None:
        # Only a field's first sub-item sets the indentation, so deeper
        # nested items under it are not reported as nonstandard.
        if "\t" in item.indent_text:
            self.sink.style(
                "TAB_INDENT",
                line.number,
                "a sub-item is indented with a tab; indent it with two spaces",
            )
        elif first and item.indent != SUB_INDENT:
            self.sink.style(
                "NONSTANDARD_INDENT",
                line.number,
                f"a sub-item is indented by {item.indent} spaces; use two",
            )

    def finish(self, end_line: int) -> list[Edge]:
        """Fill the task's fields and return its ``Dependencies`` edges."""
        self.task.end_line = end_line
        for name, entry in self.fields.items():
            self.task.raw_fields[name] = entry.value
        self._ac()
        self._files()
        self._verify()
        self._choice("risk", ("low", "medium", "high"))
        self._choice("scope", ("code", "infra", "docs", "config", "multi-repo"))
        self._max_iterations()
        self._ownership()
        self._wiring_proof()
        return self._dependencies()

    def _no_items(self, entry: _Field) -> None:
        for number, text in entry.items:
            self._warn(
                "UNEXPECTED_LINE",
                number,
                f"'{entry.label}' takes one value on its own line; the sub-item "
                f"{text[:60]!r} is ignored",
            )

    def _ac(self) -> None:
        entry = self.fields.get("ac")
        if entry is None:
            return
        criteria = [entry.value] if entry.value else []
        criteria += [text for _, text in entry.items if text]
        self.task.ac = criteria

    def _files(self) -> None:
        entry = self.fields.get("files")
        if entry is None:
            return
        values = [(entry.line, entry.value)] if entry.value else []
        values += entry.items
        if entry.items:
            self._warn(
                "FILES_AS_SUB_ITEMS",
                entry.items[0][0],
                "Files lists paths as sub-items; they are read as paths, but "
                "write them on the Files line, separated by commas",
            )
        for number, value in values:
            parsed = split_list(value)
            self._note_inline_code(number, "Files", parsed)
            self.task.files += parsed.entries

    def _note_inline_code(self, number: int, label: str, parsed: ParsedList) -> None:
        if parsed.inline_code:
            self._warn(
                "INLINE_CODE_PATH",
                number,
                f"{label} wraps paths in backticks; they are read without them, "
                "write plain paths",
            )

    def _verify(self) -> None:
        entry = self.fields.get("verify")
        if entry is None:
            return
        self._no_items(entry)
        command, rest = parse_command(entry.value)
        if command is None:
            return
        self.task.verify = command
        self.task.verify_quoted = True
        if rest:
            self._warn(
                "VERIFY_TRAILING_TEXT",
                entry.line,
                f"the text {rest[:60]!r} after the Verify command is ignored; "
                "move it out of the Verify line",
            )

    def _choice(self, name: str, allowed: tuple[str, ...]) -> None:
        entry = self.fields.get(name)
        if entry is None:
            return
        self._no_items(entry)
        value = entry.value.strip().lower()
        if value in allowed:
            setattr(self.task, name, value)

    def _max_iterations(self) -> None:
        entry = self.fields.get("max_iterations")
        if entry is None:
            return
        self._no_items(entry)
        value = entry.value.strip()
        if value.isascii() and value.isdigit() and int(value) > 0:
            self.task.max_iterations = int(value)

    def _ownership(self) -> None:
        entry = self.fields.get("ownership")
        if entry is None:
            return
        ownership = FileOwnership(line=entry.line)
        seen: set[str] = set()
        if entry.value:
            self._warn(
                "UNEXPECTED_LINE",
                entry.line,
                "File-ownership takes its lists as sub-items (owns, touches, "
                "reads); the text after the colon is ignored",
            )
        for number, text in entry.items:
            self._ownership_item(ownership, seen, number, text)
        self.task.ownership = ownership

    def _ownership_item(
        self, ownership: FileOwnership, seen: set[str], number: int, text: str
    ) -> None:
        labelled = split_label(text)
        name = normalize_key(labelled[0]) if labelled else ""
        if labelled is None or name not in OWNERSHIP_LISTS:
            self._warn(
                "UNKNOWN_FIELD",
                number,
                f"the File-ownership item {text[:60]!r} is not owns, touches or reads",
            )
            return
        if name in seen:
            self._error(
                "DUPLICATE_FIELD",
                number,
                f"File-ownership lists '{name}' twice; merge the two lists",
            )
        seen.add(name)
        self.task.field_lines[f"ownership.{name}"] = number
        parsed = split_list(labelled[1])
        self._note_list_form(number, name, parsed)
        getattr(ownership, name).extend(parsed.entries)

    def _note_list_form(self, number: int, name: str, parsed: ParsedList) -> None:
        if parsed.blank:
            self._warn(
                "BARE_LIST",
                number,
                f"'{name}' has no value and is read as empty; write '[]'",
            )
        elif parsed.bare:
            self._warn(
                "BARE_LIST",
                number,
                f"'{name}' is a bare comma list; wrap it in brackets: "
                f"[{', '.join(parsed.entries)}]",
            )
        elif parsed.unclosed:
            self._error(
                "INVALID_FIELD",
                number,
                f"the '{name}' list opens with '[' but has no closing ']'; close it",
            )
        self._note_inline_code(number, name, parsed)

    def _wiring_proof(self) -> None:
        entry = self.fields.get("wiring_proof")
        if entry is None:
            return
        proof: dict[str, str] = {}
        if entry.value:
            proof["summary"] = entry.value
        for number, text in entry.items:
            labelled = split_label(text)
            if labelled is None:
                self._warn(
                    "UNEXPECTED_LINE",
                    number,
                    f"the Wiring-proof item {text[:60]!r} has no 'Name:' label; "
                    "start it with CLI: or Integration:",
                )
                continue
            proof[labelled[0]] = labelled[1]
        self.task.wiring_proof = proof

    def _dependencies(self) -> list[Edge]:
        entry = self.fields.get("dependencies")
        if entry is None:
            return []
        values = [(entry.line, entry.value), *entry.items]
        edges: list[Edge] = []
        for number, value in values:
            for reference in _dependency_tokens(value):
                task_id = parse_id_reference(reference)
                if task_id is None:
                    self._error(
                        "INVALID_FIELD",
                        number,
                        f"the dependency {reference!r} is not a task id; write "
                        "ids like 'Task 001' or '001'",
                    )
                    continue
                edges.append(Edge(self.task.id, task_id, number, "Dependencies"))
        return edges


def _dependency_tokens(value: str) -> list[str]:
    text = value.strip()
    if text.lower() in EMPTY_LIST_WORDS or not text:
        return []
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [token.strip() for token in text.split(",") if token.strip()]
