"""Read and validate the project configuration file, ``.github/spectra.yml``.

The file is parsed with ruamel.yaml's round-trip loader, which records the
line of every key, so each error can name the file, line and key. A missing
file means the defaults.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from spectra_action.errors import ConfigError

logger = logging.getLogger("spectra_action.config")

DEFAULT_CONFIG_PATH = ".github/spectra.yml"
DEFAULT_BRANCH_PATTERN = r"^spectra/(?P<ids>\d{3,})(?:-|$)"
PLAN_DIRECTORY_GLOB = ".spectra/**"

_DURATION = re.compile(
    r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?"
)
_SECONDS_PER_UNIT = (3600.0, 60.0, 1.0)

Location = tuple[str, ...]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    OFF = "off"


def parse_duration(value: str | int | float, *, name: str) -> float:
    """Convert ``300``, ``"90s"``, ``"20m"``, ``"1h"`` or ``"1h30m"`` to seconds.

    Raises ConfigError naming ``name`` and the value when it is not a
    positive duration.
    """
    seconds = _duration_seconds(value)
    problem = _duration_problem(seconds)
    if seconds is None or problem is not None:
        raise ConfigError(f"invalid {name} {value!r}: {problem}")
    return seconds


def _duration_problem(seconds: float | None) -> str | None:
    if seconds is None:
        return "use a number of seconds or a duration such as 90s, 20m, 1h or 1h30m"
    if seconds <= 0:
        return "a duration must be greater than zero"
    return None


def _duration_seconds(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        # float() also reads "nan" and "inf", which are no durations.
        return number if math.isfinite(number) else None
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        return None
    return sum(
        float(number) * unit
        for number, unit in zip(match.groups(), _SECONDS_PER_UNIT, strict=True)
        if number is not None
    )


class _Section(BaseModel):
    # Python code may use field names. The file must use the hyphenated keys,
    # and _check_keys enforces that before pydantic validates the data.
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )


def _severity(value: object) -> object:
    # YAML 1.1 readers turn a bare `off` into false, so accept that spelling.
    if value is False:
        return Severity.OFF
    if isinstance(value, str):
        text = value.strip().lower()
        return Severity.WARNING if text == "warn" else text
    return value


class Policy(_Section):
    """Severity of each verdict kind: fail the gate, warn, or stay silent."""

    unplanned: Severity = Severity.ERROR
    read_only: Severity = Field(default=Severity.ERROR, alias="read-only")
    foreign: Severity = Severity.ERROR
    touched: Severity = Severity.OFF
    owned: Severity = Severity.OFF
    ignored: Severity = Severity.OFF

    @field_validator("*", mode="before")
    @classmethod
    def _normalize(cls, value: object) -> object:
        return _severity(value)


class TaskSettings(_Section):
    """Per-task overrides. ``timeout`` is in seconds."""

    timeout: float | None = None

    @field_validator("timeout", mode="before")
    @classmethod
    def _parse_timeout(cls, value: object) -> float | None:
        if value is None:
            return None
        seconds = _duration_seconds(value)
        problem = _duration_problem(seconds)
        if seconds is None or problem is not None:
            raise ValueError(problem)
        return seconds


class ScopingConfig(_Section):
    """Sources a pull request may declare its tasks in.

    ``branch_pattern`` is a regex with a named group ``ids``. None or an
    empty string turns branch names off as a source.
    """

    branch_pattern: str | None = Field(
        default=DEFAULT_BRANCH_PATTERN, alias="branch-pattern"
    )
    title: bool = True
    labels: bool = True
    body: bool = True

    @field_validator("branch_pattern")
    @classmethod
    def _check_pattern(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            compiled = re.compile(value)
        except re.error as error:
            raise ValueError(f"invalid regular expression: {error}") from None
        if "ids" not in compiled.groupindex:
            raise ValueError("the pattern needs a named group (?P<ids>...)")
        return value


def _check_glob(pattern: str) -> str:
    try:
        GitIgnoreSpecPattern(pattern.strip())
    except (ValueError, re.error) as error:
        raise ValueError(f"invalid glob {pattern!r}: {error}") from None
    return pattern


IgnorePattern = Annotated[str, AfterValidator(_check_glob)]


class SpectraConfig(_Section):
    """The whole configuration file."""

    ignore: list[IgnorePattern] = Field(default_factory=list)
    policy: Policy = Field(default_factory=Policy)
    scoping: ScopingConfig = Field(default_factory=ScopingConfig)
    tasks: dict[str, TaskSettings] = Field(default_factory=dict)

    def effective_ignore(self, plan_path: str) -> list[str]:
        """Return the ignore globs plus the plan file and ``.spectra/**``."""
        plan = "/" + plan_path.strip().removeprefix("./").lstrip("/")
        patterns = [*self.ignore, plan, PLAN_DIRECTORY_GLOB]
        return list(dict.fromkeys(patterns))


_SECTIONS: dict[Location, type[BaseModel]] = {
    (): SpectraConfig,
    ("policy",): Policy,
    ("scoping",): ScopingConfig,
}


def _section_model(location: Location) -> type[BaseModel] | None:
    if len(location) == 2 and location[0] == "tasks":
        return TaskSettings
    return _SECTIONS.get(location)


def _keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _task_key(key: object) -> str:
    """Return a task id in the plan's form: ``2`` and ``"2"`` become ``"002"``."""
    text = str(key).strip()
    return f"{int(text):03d}" if text.isdigit() else text


class _Reader:
    """Converter from ruamel nodes to plain data that collects located errors."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: dict[Location, int] = {}
        self.errors: list[tuple[int, str]] = []

    def error(self, location: Location, message: str) -> None:
        key = ".".join(location) or "(top level)"
        line = self.line(location)
        self.errors.append((line, f"{self.path}:{line}: {key}: {message}"))

    def raise_errors(self) -> None:
        if self.errors:
            raise ConfigError("\n".join(text for _, text in sorted(self.errors)))

    def line(self, location: Location) -> int:
        for end in range(len(location), -1, -1):
            if location[:end] in self.lines:
                return self.lines[location[:end]]
        return 1

    def plain(self, node: object, location: Location) -> object:
        if isinstance(node, CommentedMap):
            return self._mapping(node, location)
        if isinstance(node, CommentedSeq):
            items = []
            for index, item in enumerate(node):
                self.lines[(*location, str(index))] = node.lc.item(index)[0] + 1
                items.append(self.plain(item, (*location, str(index))))
            return items
        return node

    def _mapping(self, node: CommentedMap, location: Location) -> dict[str, object]:
        data: dict[str, object] = {}
        for raw_key, value in node.items():
            key = _task_key(raw_key) if location == ("tasks",) else str(raw_key)
            child = (*location, key)
            self.lines[child] = node.lc.key(raw_key)[0] + 1
            if location == ("tasks",) and value is None:
                value = CommentedMap()
            data[key] = self.plain(value, child)
        self._check_keys(data, location)
        if not location:
            # An empty section such as "ignore:" means its defaults.
            data = {key: value for key, value in data.items() if value is not None}
        return data

    def _check_keys(self, data: Mapping[str, object], location: Location) -> None:
        if location == ("tasks",):
            for key in data:
                if not key.isdigit():
                    self.error(
                        (*location, key), "a task key must be a task id like 002"
                    )
            return
        model = _section_model(location)
        if model is None:
            return
        known = _keys(model)
        for key in data:
            if key not in known:
                self.error((*location, key), _unknown_key_message(key, known))


def _unknown_key_message(key: str, known: Iterable[str]) -> str:
    choices = list(known)
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    hint = (
        f"did you mean {close[0]!r}?"
        if close
        else "known keys are " + ", ".join(choices)
    )
    return f"unknown key {key!r}; {hint}"


def _pydantic_messages(reader: _Reader, error: ValidationError) -> None:
    for detail in error.errors():
        location = tuple(str(part) for part in detail["loc"])
        if detail["type"] == "extra_forbidden":
            continue  # already reported with a hint by _check_keys
        reader.error(location, _detail_message(detail))


def _detail_message(detail: ErrorDetails) -> str:
    message = str(detail["msg"]).removeprefix("Value error, ")
    value: Any = detail.get("input")
    if isinstance(value, dict | list):
        return message
    return f"invalid value {value!r}: {message}"


def load_config_text(text: str, path: str) -> SpectraConfig:
    """Parse configuration text. ``path`` names the file in error messages.

    Raises ConfigError listing every problem with its line and key.
    """
    _reject_aliases(text, path)
    try:
        document = YAML(typ="rt").load(text)
    except YAMLError as error:
        raise ConfigError(_yaml_message(error, path)) from None
    if document is None:
        return SpectraConfig()
    reader = _Reader(path)
    if not isinstance(document, CommentedMap):
        reader.error((), "the file must be a mapping of keys such as ignore or policy")
        reader.raise_errors()
    data = reader.plain(document, ())
    try:
        config = SpectraConfig.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as error:
        _pydantic_messages(reader, error)
        config = None
    reader.raise_errors()
    assert config is not None
    return config


def _reject_aliases(text: str, path: str) -> None:
    """Raise ConfigError for anchors, aliases and merge keys.

    The configuration needs none of them, and an alias expands without bound
    ("billion laughs"), so they are refused before anything is built.
    """
    try:
        for event in YAML(typ="rt").parse(text):
            anchor = getattr(event, "anchor", None)
            if isinstance(event, AliasEvent) or anchor:
                line = event.start_mark.line + 1 if event.start_mark else 0
                kind = "alias" if isinstance(event, AliasEvent) else "anchor"
                raise ConfigError(
                    f"{path}:{line}: YAML {kind} {anchor!r}: anchors, aliases "
                    "and merge keys are not supported in the configuration "
                    "file; write the values out"
                )
    except YAMLError as error:
        raise ConfigError(_yaml_message(error, path)) from None


def _yaml_message(error: YAMLError, path: str) -> str:
    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        line = error.problem_mark.line + 1
        column = error.problem_mark.column + 1
        problem = error.problem or str(error)
        hint = (
            "indent with spaces, not tabs"
            if "\\t" in problem or "\t" in problem
            else "check the indentation and the colons on this line and the one above"
        )
        return f"{path}:{line}:{column}: invalid YAML: {problem}; {hint}"
    return f"{path}: invalid YAML: {error}; fix the YAML syntax"


def load_config(
    repo_root: Path, config_path: str = DEFAULT_CONFIG_PATH
) -> SpectraConfig:
    """Read and validate the configuration file under ``repo_root``.

    A missing file gives the defaults. Raises ConfigError when the file
    cannot be read or is invalid.
    """
    root = repo_root.resolve()
    file = (root / config_path).resolve()
    if not file.is_relative_to(root):
        raise ConfigError(
            f"the configuration path {config_path} resolves to {file}, outside "
            f"the checkout {root}; use a path inside the repository"
        )
    if not file.exists():
        logger.debug("No configuration file at %s; using the defaults.", file)
        return SpectraConfig()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"failed to read the configuration file {config_path}: {error}; "
            "make it a UTF-8 text file or set config-path to another file"
        ) from None
    return load_config_text(text, config_path)
