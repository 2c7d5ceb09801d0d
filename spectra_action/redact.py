"""Redact secrets from text before it leaves the action.

A ``Redactor`` replaces three kinds of secret with ``***``. The first is
values of environment variables whose names look secret. The second is
values registered with ``add`` or by an ``::add-mask::`` line in command
output. The third is well-known credential shapes: GitHub, AWS, Slack and
JWT tokens, PEM private keys and passwords in URLs.

``OutputScanner`` feeds a command's output to a ``Redactor`` as it
arrives, so a mask printed early also hides later lines.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

logger = logging.getLogger("spectra_action.redact")

MASK = "***"

# Environment values are redacted by name alone, so short ones such as
# "1" or "true" would mangle ordinary text.
MIN_ENV_SECRET_LENGTH = 6

# Values registered explicitly are trusted to be secret, but one to three
# characters would still replace most words of the output.
MIN_MASK_LENGTH = 4
# Each redaction pass tries every registered value, so the count of values
# that command output may register is capped to keep redaction time linear
# in the output's size. The environment's secrets and the token are
# registered first, so the cap never drops them.
MAX_MASKS = 1000

_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW(?:OR)?D|PASSPHRASE|(?:^|_)PWD$|KEY|CREDENTIAL|PRIVATE"
    r"|AUTH|COOKIE|SESSION"
)

# Names that match the words above but hold paths or desktop settings.
_PUBLIC_NAMES = frozenset(
    {
        "PWD",
        "SSH_AUTH_SOCK",
        "DESKTOP_SESSION",
        "XDG_SESSION_CLASS",
        "XDG_SESSION_DESKTOP",
        "XDG_SESSION_ID",
        "XDG_SESSION_TYPE",
    }
)
_PUBLIC_SUFFIXES = ("_PATH", "_FILE", "_DIR", "_SOCK")

_ADD_MASK_LINE = re.compile(
    r"^[ \t]*::add-mask::(.*?)\r?$", re.IGNORECASE | re.MULTILINE
)

_KEY_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_KEY_BLOCK = re.compile(_KEY_BEGIN.pattern + r".*?" + _KEY_END.pattern, re.DOTALL)

_URL_PASSWORD = re.compile(r"(://[^/\s:@]+):[^/\s@]+@")

# GitHub tokens (classic, OAuth, user-to-server, installation, refresh and
# fine-grained), AWS access key ids, Slack tokens and JWTs. Each must start
# a word, which _mask_word_start checks: a leading \b or one alternation of
# all shapes stops re from searching for the literal prefix, and makes
# redaction about ten times slower.
_CREDENTIAL_SHAPES = tuple(
    re.compile(pattern)
    for pattern in (
        r"gh[pousr]_[A-Za-z0-9]{30,255}\b",
        r"github_pat_[A-Za-z0-9_]{22,255}\b",
        r"A[KS]IA[A-Z0-9]{16}\b",
        r"xox[abposr]-[A-Za-z0-9-]{10,}",
        r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
    )
)


def is_secret_name(name: str) -> bool:
    """Tell whether an environment variable name suggests a secret value."""
    upper = name.upper()
    if upper in _PUBLIC_NAMES or upper.endswith(_PUBLIC_SUFFIXES):
        return False
    return _SECRET_NAME.search(upper) is not None


class Redactor:
    """A set of secret values and shapes, and the replacement of them by ``***``.

    Not thread-safe: the runner calls it from one thread.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        extra_values: Iterable[str] = (),
    ) -> None:
        self._values: set[str] = set()
        self._ordered: list[str] | None = None
        self._capped = False
        for name, value in (env or {}).items():
            if is_secret_name(name):
                self._register(value, MIN_ENV_SECRET_LENGTH)
        for value in extra_values:
            self.add(value)

    def add(self, value: str) -> None:
        """Register a value to redact, and each line of it when it has several.

        Values shorter than ``MIN_MASK_LENGTH`` after stripping are ignored.
        """
        self._register(value, MIN_MASK_LENGTH)

    def redact(self, text: str) -> str:
        """Replace every registered value and credential shape in text by ``***``."""
        for value in self._ordered_values():
            text = text.replace(value, MASK)
        text = _redact_private_keys(text)
        text = _URL_PASSWORD.sub(r"\1:" + MASK + "@", text)
        for shape in _CREDENTIAL_SHAPES:
            text = shape.sub(_mask_word_start, text)
        return text

    def scan_masks(self, text: str) -> None:
        """Register the value of every ``::add-mask::VALUE`` line in text.

        The value is unescaped the way GitHub Actions decodes command data
        (``%25``, ``%0D``, ``%0A``).
        """
        for match in _ADD_MASK_LINE.finditer(text):
            if len(self._values) >= MAX_MASKS:
                if not self._capped:
                    self._capped = True
                    logger.warning(
                        "Command output registered more than %d masks; later "
                        "::add-mask:: values are not hidden.",
                        MAX_MASKS,
                    )
                return
            value = _unescape_command_data(match.group(1))
            before = len(self._values)
            self.add(value)
            if len(self._values) > before:
                logger.debug("registered a mask from command output")

    def _register(self, value: str, min_length: int) -> None:
        for candidate in _candidates(value):
            if len(candidate) >= min_length and candidate not in self._values:
                self._values.add(candidate)
                self._ordered = None

    def _ordered_values(self) -> list[str]:
        if self._ordered is None:
            # Longest first, so a value that contains another is replaced whole.
            self._ordered = sorted(self._values, key=len, reverse=True)
        return self._ordered


class OutputScanner:
    """Registers the secrets one command reveals in its output with a Redactor.

    Feed it the output in order, in blocks of whole lines. It registers
    ``::add-mask::`` values and every line inside a PEM private key block, so
    a tail that starts or ends inside the block still hides the key lines.
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._in_private_key = False

    def feed(self, block: bytes) -> None:
        """Scan one block of output lines, which is cheap without any marker."""
        # Ordinary output is never decoded here. A one-byte test runs at
        # memchr speed, about 80 times faster than the two-byte one.
        if b":" in block and b"::" in block:
            self._redactor.scan_masks(block.decode("utf-8", errors="replace"))
        if self._in_private_key or b"PRIVATE KEY" in block:
            self._scan_private_keys(block.decode("utf-8", errors="replace"))

    def _scan_private_keys(self, text: str) -> None:
        for line in text.splitlines():
            if not self._in_private_key:
                begin = _KEY_BEGIN.search(line)
                after = line[begin.end() :] if begin else ""
                self._in_private_key = begin is not None and not _KEY_END.search(after)
            elif _KEY_END.search(line):
                self._in_private_key = False
            else:
                self._redactor.add(line)


def _mask_word_start(match: re.Match[str]) -> str:
    start = match.start()
    before = match.string[start - 1] if start else " "
    if before.isalnum() or before == "_":
        return match.group(0)
    return MASK


def _candidates(value: str) -> list[str]:
    stripped = value.strip()
    if not stripped:
        return []
    lines = [line.strip() for line in stripped.splitlines()]
    return [stripped, *(line for line in lines if line != stripped)]


def _unescape_command_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _redact_private_keys(text: str) -> str:
    """Mask PEM private key blocks, and the cut-off part of a block at either end."""
    first_end = _KEY_END.search(text)
    first_begin = _KEY_BEGIN.search(text)
    if first_end and (first_begin is None or first_end.start() < first_begin.start()):
        # The text starts inside a key block, as a tail of long output can.
        text = MASK + text[first_end.end() :]
    text = _KEY_BLOCK.sub(MASK, text)
    dangling = _KEY_BEGIN.search(text)
    if dangling:
        text = text[: dangling.start()] + MASK
    return text
