"""Split plan text into numbered lines and classify each line's shape."""

from __future__ import annotations

import re
from typing import NamedTuple

from spectra_action.plan.sink import FindingSink

_BULLET = re.compile(r"^([ \t]*)([-*+])(?:[ \t]+(.*))?$")
_SEPARATOR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
TAB_WIDTH = 4
MAX_HEADING_INDENT = 3
MAX_HEADING_LEVEL = 6


class Line(NamedTuple):
    """One source line: 1-based number, raw text and text without trailing
    whitespace. Line endings are removed from both."""

    number: int
    raw: str
    text: str


class Bullet(NamedTuple):
    """A list item: its indentation width, marker and text after the marker."""

    indent: int
    indent_text: str
    marker: str
    text: str


def split_lines(text: str, sink: FindingSink) -> list[Line]:
    """Split on LF, drop a BOM and CR endings, and report both as warnings."""
    if text.startswith("\ufeff"):
        text = text[1:]
        sink.warning(
            "UTF8_BOM",
            1,
            "the file starts with a UTF-8 byte order mark; save it without one",
        )
    pieces = text.split("\n")
    if pieces and pieces[-1] == "":
        pieces.pop()
    lines: list[Line] = []
    for number, piece in enumerate(pieces, start=1):
        if piece.endswith("\r"):
            piece = piece[:-1]
            sink.style(
                "CRLF_LINE_ENDINGS",
                number,
                "the line ends with CRLF; save the plan with LF line endings",
            )
        stripped = piece.rstrip()
        if stripped != piece and stripped:
            sink.style(
                "TRAILING_WHITESPACE",
                number,
                "the line ends with spaces or tabs; remove them",
            )
        lines.append(Line(number, piece, stripped))
    return lines


def heading(text: str) -> tuple[int, str] | None:
    """Return the level and title of an ATX heading, else None."""
    if "#" not in text[:4]:
        return None
    stripped = text.lstrip(" ")
    if len(text) - len(stripped) > MAX_HEADING_INDENT:
        return None
    level = len(stripped) - len(stripped.lstrip("#"))
    rest = stripped[level:]
    if level > MAX_HEADING_LEVEL or (rest and rest[0] not in " \t"):
        return None
    title = rest.strip(" \t")
    # A closing run of "#" counts only after a space, so "C#" keeps its "#".
    unclosed = title.rstrip("#")
    if unclosed != title and (not unclosed or unclosed[-1] in " \t"):
        title = unclosed.rstrip(" \t")
    return level, title


def bullet(text: str) -> Bullet | None:
    # A separator such as "- - -" also matches, as an item "- -". The task
    # reader skips separators first, and section readers ignore unlabelled
    # items, so neither misreads one.
    match = _BULLET.match(text)
    if match is None:
        return None
    indent_text = match.group(1)
    width = len(indent_text.expandtabs(TAB_WIDTH))
    return Bullet(width, indent_text, match.group(2), (match.group(3) or "").strip())


def is_separator(text: str) -> bool:
    # The strip test skips the regex for the usual line with any letter.
    if text.strip(" \t-*_"):
        return False
    return _SEPARATOR.match(text) is not None


def is_fence(text: str) -> bool:
    if "`" not in text[:4] and "~" not in text[:4]:
        return False
    return _FENCE.match(text) is not None
