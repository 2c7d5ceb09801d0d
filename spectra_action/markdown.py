"""Make untrusted text safe to put into GitHub-flavoured Markdown."""

from __future__ import annotations

import html
import re

# A zero-width space after "@" or "#" keeps GitHub from turning text taken
# from a plan or from command output into a mention or an issue link. It is
# the character itself, not an entity, whose "#" the issue rule would match.
_ZWSP = "\u200b"
_MENTION_RE = re.compile(r"@(?=[A-Za-z0-9_-])")
_ISSUE_RE = re.compile(r"#(?=\d)|(?<![A-Za-z0-9])GH-(?=\d)", re.IGNORECASE)
_MARKDOWN_PUNCTUATION_RE = re.compile(r"([\\`*_\[\]|!~])")
_BACKTICK_RUN_RE = re.compile(r"`+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def inline(text: str) -> str:
    """Escape text for one line of Markdown outside code.

    HTML is escaped, Markdown punctuation is backslash-escaped, line breaks
    become spaces, and mentions and issue references are broken.
    """
    text = _CONTROL_RE.sub("", text.replace("\r", " ").replace("\n", " "))
    text = html.escape(text, quote=False)
    text = _MARKDOWN_PUNCTUATION_RE.sub(r"\\\1", text)
    text = _MENTION_RE.sub("@" + _ZWSP, text)
    return _ISSUE_RE.sub(lambda match: match.group(0) + _ZWSP, text)


def _defuse_comments(text: str) -> str:
    # Code is shown literally, but the product reads its own hidden
    # "<!-- spectra-... -->" lines back from the raw body, so text must not
    # contain one. A zero-width space keeps it looking the same.
    return text.replace("<!--", "<\u200b!--")


def code_span(text: str) -> str:
    """Return ``text`` as an inline code span that nothing inside can end."""
    text = _CONTROL_RE.sub("", text.replace("\r", " ").replace("\n", " "))
    text = _defuse_comments(text)
    longest = max((len(run) for run in _BACKTICK_RUN_RE.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced_block(text: str, info: str = "text") -> str:
    """Return ``text`` as a fenced code block whose fence outlasts any run of
    backticks inside, so the output cannot end the block early."""
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _defuse_comments(text)
    longest = max((len(run) for run in _BACKTICK_RUN_RE.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}{info}\n{body}{fence}"


def table_code(text: str) -> str:
    """Return ``text`` as a code span for a table cell, where an unescaped
    ``|`` would end the cell even inside the span."""
    return code_span(text).replace("|", "\\|")


def html_text(text: str) -> str:
    """Escape text for use inside an HTML element such as ``<summary>``."""
    return inline(text)


def mermaid_label(text: str) -> str:
    """Return text that is safe inside a quoted Mermaid node label."""
    text = _CONTROL_RE.sub("", text.replace("\n", " ").replace("\r", " "))
    replaced = []
    for char in text:
        if char.isalnum() or char in " .,:;-_/()+=?":
            replaced.append(char)
        else:
            replaced.append(f"#{ord(char)};")
    return "".join(replaced)
