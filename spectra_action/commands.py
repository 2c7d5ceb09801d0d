"""Parse ``/spectra`` commands out of pull request comment bodies.

Everything here is pure: the caller fetches the comment, checks the
commenter's permission and posts replies. Markdown block structure comes from
markdown-it-py's CommonMark parser, so a command counts only where the
rendered comment shows it as plain text at the start of a line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterator
from enum import StrEnum

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import BaseModel, ConfigDict

# A comment is read up to whichever limit comes first. GitHub itself caps a
# comment body at 65,536 characters, so the character limit matters only for
# bodies that did not come from GitHub.
MAX_LINES = 200
MAX_CHARS = 64 * 1024
# Maximum length of the line text copied into a ParseProblem, so that a reply
# stays readable.
MAX_PROBLEM_TEXT = 120
# Maximum length of a word that is looked up as a task id. Longer words are
# reported as unknown ids without any lookup.
MAX_ID_LENGTH = 12
# Valid ids listed in an unknown-id message before the rest are only counted.
MAX_LISTED_IDS = 20

_PREFIX = "/spectra"
# re.ASCII keeps IGNORECASE from folding look-alikes such as U+017F (long s)
# or U+212A (Kelvin sign) onto ASCII letters.
_COMMAND_RE = re.compile(r"^ {0,3}/spectra(?:[ \t]+(?P<rest>.*))?$", re.I | re.A)
_SEPARATOR_RE = re.compile(r"[ \t,]+")
_DIGITS_RE = re.compile(r"[0-9]+", re.A)
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
_BACKTICKS_RE = re.compile(r"`+")
# A backslash escape of ASCII punctuation, a backtick run or an HTML comment
# opener: the inline marks that decide where code spans and comments begin.
_INLINE_MARK_RE = re.compile(r"\\[!-/:-@\[-`{-~]|`+|<!--")

RERUN_CHECKBOX_RE = re.compile(
    r"^- \[(?P<state>[ xX])\] <!-- spectra:rerun:(?P<task_id>[0-9]+) -->(?: |$)",
    re.A,
)

_markdown = MarkdownIt("commonmark").disable("inline")


class Verb(StrEnum):
    RERUN = "rerun"
    RESET = "reset"
    HELP = "help"


class Keyword(StrEnum):
    """Target words that stand for a set of tasks instead of one id."""

    FAILED = "failed"
    ALL = "all"


_KEYWORDS = frozenset(keyword.value for keyword in Keyword)


class Command(BaseModel):
    """One accepted command.

    ``targets`` contains plan task ids as the plan spells them (``"002"``), or a
    single keyword (``["failed"]`` or ``["all"]``), and is empty for ``help``.
    ``line`` is the 1-based line of the comment body.
    """

    model_config = ConfigDict(frozen=True)

    verb: Verb
    targets: list[str]
    line: int


class ParseProblem(BaseModel):
    """A ``/spectra`` line that was rejected, with the reason to show the user."""

    model_config = ConfigDict(frozen=True)

    line: int
    text: str
    message: str


class ParsedComment(BaseModel):
    """The accepted commands of one comment, in order, and the rejected lines."""

    commands: list[Command]
    problems: list[ParseProblem]


def parse_comment(body: str, *, known_ids: Collection[str]) -> ParsedComment:
    """Parse every ``/spectra`` command of a comment body.

    A command counts only when ``/spectra`` starts a line (after at most three
    spaces) of a paragraph or heading, outside block quotes, code blocks, raw
    HTML blocks, and inline HTML comments or code spans. ``known_ids`` are the
    plan's task ids and decide how a number such as ``2`` is spelled.
    """
    lines, truncated_at = _capped_lines(body, max_lines=MAX_LINES)
    lookup = _id_lookup(known_ids)
    commands: list[Command] = []
    problems: list[ParseProblem] = []
    for index in _visible_line_starts(lines):
        match = _COMMAND_RE.match(lines[index])
        if match is None:
            continue
        result = _parse_command(match.group("rest") or "", index + 1, lookup)
        if isinstance(result, Command):
            commands.append(result)
        else:
            problems.append(
                ParseProblem(
                    line=index + 1, text=_shorten(lines[index]), message=result
                )
            )
    if truncated_at is not None and _mentions_prefix(body, truncated_at):
        problems.append(_truncation_problem(len(lines) + 1))
    return ParsedComment(commands=commands, problems=problems)


def help_text() -> str:
    """Return the Markdown list of commands that a help reply contains."""
    return "\n".join(
        [
            "spectra-action reads these commands at the start of a comment line:",
            "",
            "- `/spectra rerun 002 003`: run the verify commands of these tasks"
            " again. Ids may drop leading zeros and may be separated by commas.",
            "- `/spectra rerun failed`: run the tasks that failed, timed out,"
            " were blocked or got stuck in the last run again.",
            "- `/spectra rerun all`: run every task of the plan again.",
            "- `/spectra reset 002`: clear the recorded attempts of a task and"
            " run it again, so a task that ran out of attempts is verified once"
            " more. Takes ids, `failed` or `all` like rerun.",
            "- `/spectra help`: reply with this list.",
        ]
    )


def render_rerun_checkbox(task_id: str, title: str) -> str:
    """Render the checklist line that offers a rerun of a failed or stuck task.

    Raises ValueError when ``task_id`` is not made of ASCII digits, because
    such an id could not be found again by ``ticked_reruns``.
    """
    if not _DIGITS_RE.fullmatch(task_id):
        raise ValueError(f"task id {task_id!r} is not a number such as '002'")
    clean_title = " ".join(title.replace("<!--", "").replace("-->", "").split())
    label = f"Rerun {task_id}: {clean_title}" if clean_title else f"Rerun {task_id}"
    return f"- [ ] <!-- spectra:rerun:{task_id} --> {label} (tick to rerun)"


def ticked_reruns(old_body: str, new_body: str) -> list[str]:
    """Return the task ids whose rerun checkbox went from ``[ ]`` to ``[x]``.

    Only lines in the exact form ``render_rerun_checkbox`` produces count,
    and not inside code blocks or quotes. The caller must pass only the bot's
    own checklist comment, because anyone who can comment can write such a
    line in their own comment.
    """
    old_states = _checkbox_states(old_body)
    ticked: list[str] = []
    for task_id, state in _checkbox_states(new_body).items():
        if state != " " and old_states.get(task_id) == " ":
            ticked.append(task_id)
    return ticked


def _capped_lines(body: str, *, max_lines: int | None) -> tuple[list[str], int | None]:
    """Split the body into lines within the read limits.

    Returns the lines and, when a limit cut the body, the character offset
    where reading stopped. A line cut by the character limit is dropped
    whole, so a half id is never read.
    """
    text = body[:MAX_CHARS]
    lines = _LINE_BREAK_RE.split(text)
    kept = len(lines) - 1 if len(body) > MAX_CHARS else len(lines)
    if max_lines is not None:
        kept = min(kept, max_lines)
    truncated_at: int | None = None
    if kept < len(lines):
        line_ends = [0] + [match.end() for match in _LINE_BREAK_RE.finditer(text)]
        truncated_at = line_ends[kept]
    # CommonMark reads NUL as U+FFFD, so a NUL can never hide or join words.
    return [line.replace("\x00", "\ufffd") for line in lines[:kept]], truncated_at


def _mentions_prefix(body: str, offset: int) -> bool:
    # Without a command in the unread part, a long comment is not a problem.
    return _PREFIX in body[offset:].lower()


def _truncation_problem(line: int) -> ParseProblem:
    return ParseProblem(
        line=line,
        text="",
        message=(
            f"Only the first {MAX_LINES} lines and {MAX_CHARS} characters of a"
            " comment are read, so commands after that were ignored. Post them"
            " in a new, shorter comment."
        ),
    )


def _visible_line_starts(lines: list[str]) -> Iterator[int]:
    """Yield the 0-based lines that start as plain text in the rendered comment."""
    tokens = _markdown.parse("\n".join(lines))
    quote_depth = 0
    for index, token in enumerate(tokens):
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "inline" and quote_depth == 0:
            yield from _unhidden_lines(tokens[index - 1], lines)


def _unhidden_lines(block: Token, lines: list[str]) -> Iterator[int]:
    if block.type not in ("paragraph_open", "heading_open") or block.map is None:
        return
    start, end = block.map
    hidden = _lines_inside_inline_spans(lines[start:end])
    for offset in range(end - start):
        if offset not in hidden:
            yield start + offset


def _lines_inside_inline_spans(lines: list[str]) -> set[int]:
    """Find the lines of a paragraph that start inside a code span or comment.

    This follows the CommonMark rules for the two inline constructs that can
    span lines and hide a line start: backtick code spans and HTML comments.
    Other inline HTML is not tracked.
    """
    text = "\n".join(lines)
    line_starts = [0]
    for line in lines[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)
    hidden: set[int] = set()
    for span_start, span_end in _inline_spans(text):
        first = bisect.bisect_right(line_starts, span_start)
        last = bisect.bisect_left(line_starts, span_end)
        hidden.update(range(first, last))
    return hidden


def _inline_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) offsets of code spans and HTML comments.

    Runs in about linear time on hostile input: closing backtick runs are
    looked up by width, and once no ``-->`` follows, no later comment can close.
    """
    closing_runs = _backtick_runs_by_width(text)
    comments_can_close = True
    position = 0
    while (mark := _INLINE_MARK_RE.search(text, position)) is not None:
        token = mark.group()
        position = mark.end()
        if token.startswith("`"):
            width = len(token)
            end = _code_span_end(closing_runs.get(width, []), mark.end(), width)
            if end is not None:
                yield mark.start(), end
                position = end
        elif token == "<!--" and comments_can_close:
            close = text.find("-->", mark.start() + 2)
            if close == -1:
                comments_can_close = False
            else:
                yield mark.start(), close + 3
                position = close + 3


def _backtick_runs_by_width(text: str) -> dict[int, list[int]]:
    """Map each backtick run width to the sorted start offsets of such runs."""
    runs: dict[int, list[int]] = {}
    for run in _BACKTICKS_RE.finditer(text):
        runs.setdefault(run.end() - run.start(), []).append(run.start())
    return runs


def _code_span_end(starts: list[int], after: int, width: int) -> int | None:
    """Return the end of the first backtick run in ``starts`` at or after
    ``after``, where every offset in ``starts`` begins a run of ``width``."""
    index = bisect.bisect_left(starts, after)
    if index == len(starts):
        return None
    return starts[index] + width


def _id_lookup(known_ids: Collection[str]) -> dict[str, str]:
    """Map each known id without leading zeros to the id as the plan spells it."""
    lookup: dict[str, str] = {}
    for task_id in known_ids:
        if _DIGITS_RE.fullmatch(task_id):
            lookup.setdefault(task_id.lstrip("0") or "0", task_id)
    return lookup


def _parse_command(rest: str, line: int, lookup: dict[str, str]) -> Command | str:
    """Parse the words after ``/spectra`` into a command, or return the problem."""
    words = [word for word in _SEPARATOR_RE.split(rest.strip()) if word]
    if not words:
        return f"A command is missing after `{_PREFIX}`. {_valid_verbs()}"
    verb = _verb(words[0])
    if verb is None:
        return f"`{_shorten(words[0])}` is not a command. {_valid_verbs()}"
    if verb is Verb.HELP:
        return Command(verb=verb, targets=[], line=line)
    targets = _targets(verb, words[1:], lookup)
    if isinstance(targets, str):
        return targets
    return Command(verb=verb, targets=targets, line=line)


def _verb(word: str) -> Verb | None:
    if not word.isascii():
        return None
    try:
        return Verb(word.lower())
    except ValueError:
        return None


def _targets(verb: Verb, words: list[str], lookup: dict[str, str]) -> list[str] | str:
    """Resolve target words into ids or one keyword, or return the problem.

    A command with one unknown id is rejected whole, so a typo never starts a
    partial run.
    """
    if not words:
        return (
            f"`{_PREFIX} {verb}` needs task ids, `failed` or `all`,"
            f" for example `{_PREFIX} {verb} 002`."
        )
    keywords = [word.lower() for word in words if word.lower() in _KEYWORDS]
    if keywords and len(words) > 1:
        return (
            f"`{keywords[0]}` must be the only target of `{_PREFIX} {verb}`;"
            " list task ids in a separate command."
        )
    if keywords:
        return [keywords[0]]
    resolved: list[str] = []
    unknown: list[str] = []
    for word in words:
        task_id = _resolve_id(word, lookup)
        if task_id is None:
            unknown.append(_shorten(word, MAX_ID_LENGTH))
        elif task_id not in resolved:
            resolved.append(task_id)
    if unknown:
        return _unknown_ids_message(unknown, lookup)
    return resolved


def _resolve_id(word: str, lookup: dict[str, str]) -> str | None:
    if len(word) > MAX_ID_LENGTH or not _DIGITS_RE.fullmatch(word):
        return None
    return lookup.get(word.lstrip("0") or "0")


def _unknown_ids_message(unknown: list[str], lookup: dict[str, str]) -> str:
    names = ", ".join(f"`{word}`" for word in unknown)
    plural = "is not a task id" if len(unknown) == 1 else "are not task ids"
    valid = sorted(lookup.values())
    if not valid:
        return f"{names} {plural}, and the plan has no tasks."
    listed = ", ".join(valid[:MAX_LISTED_IDS])
    if len(valid) > MAX_LISTED_IDS:
        listed += f" and {len(valid) - MAX_LISTED_IDS} more"
    return f"{names} {plural} of the plan. Valid ids: {listed}."


def _valid_verbs() -> str:
    return "Valid commands: " + ", ".join(f"`{_PREFIX} {verb}`" for verb in Verb)


def _shorten(text: str, limit: int = MAX_PROBLEM_TEXT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _checkbox_states(body: str) -> dict[str, str]:
    """Map each task id to the state of its first rerun checkbox in the body."""
    lines, _ = _capped_lines(body, max_lines=None)
    states: dict[str, str] = {}
    for index in _visible_line_starts(lines):
        match = RERUN_CHECKBOX_RE.match(lines[index])
        if match is not None:
            states.setdefault(match.group("task_id"), match.group("state"))
    return states
