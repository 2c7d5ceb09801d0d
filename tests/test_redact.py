from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spectra_action.redact import MASK, OutputScanner, Redactor, is_secret_name

GITHUB_CLASSIC = "ghp_" + "A1b2C3d4E5" * 3 + "F6g7H8"
PRIVATE_KEY = "\n".join(
    [
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        "QyNTUxOQAAACBp8u7vOZHjbQ9mVXUEXAMPLEKEYMATERIALONLYFORTESTSxxxxxxxxxx",
        "-----END OPENSSH PRIVATE KEY-----",
    ]
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GITHUB_TOKEN", True),
        ("npm_token", True),
        ("DB_PASSWORD", True),
        ("DB_PASSWD", True),
        ("DB_PWD", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("GOOGLE_CREDENTIALS", True),
        ("SESSION_COOKIE", True),
        ("BASIC_AUTH", True),
        ("PWD", False),
        ("OLDPWD", False),
        ("HOME", False),
        ("SSH_AUTH_SOCK", False),
        ("XDG_SESSION_TYPE", False),
        ("SIGNING_KEY_FILE", False),
    ],
)
def test_secret_name_table(name: str, expected: bool) -> None:
    assert is_secret_name(name) is expected


def test_redactor_env_secret_value() -> None:
    redactor = Redactor({"DEPLOY_TOKEN": "tok-123456789"})
    assert redactor.redact("using tok-123456789 now") == f"using {MASK} now"


def test_redactor_env_short_value_kept() -> None:
    redactor = Redactor({"FEATURE_KEY": "on"})
    assert redactor.redact("turn it on") == "turn it on"


def test_redactor_env_public_name_kept() -> None:
    redactor = Redactor({"HOME": "/home/runner", "PWD": "/home/runner/work"})
    assert redactor.redact("cd /home/runner/work") == "cd /home/runner/work"


def test_redactor_extra_values() -> None:
    redactor = Redactor(extra_values=["s3cr3t-value"])
    assert redactor.redact("x=s3cr3t-value;") == f"x={MASK};"


def test_redactor_add_multiline_value() -> None:
    redactor = Redactor()
    redactor.add("first-line-secret\nsecond-line-secret")
    text = "a second-line-secret b first-line-secret"
    assert redactor.redact(text) == f"a {MASK} b {MASK}"


def test_redactor_add_short_value_ignored() -> None:
    redactor = Redactor()
    redactor.add("abc")
    assert redactor.redact("abcabc") == "abcabc"


def test_redactor_longest_value_first() -> None:
    redactor = Redactor(extra_values=["abcdef", "abcdefgh"])
    assert redactor.redact("[abcdefgh]") == f"[{MASK}]"


def test_scan_masks_registers_value() -> None:
    redactor = Redactor()
    redactor.scan_masks("hello\n::add-mask::hunter2-pass\nbye\n")
    assert redactor.redact("pw hunter2-pass") == f"pw {MASK}"


def test_scan_masks_case_and_indent() -> None:
    redactor = Redactor()
    redactor.scan_masks("  ::ADD-MASK::mixed-case-value\r\n")
    assert redactor.redact("mixed-case-value") == MASK


def test_scan_masks_unescapes_data() -> None:
    redactor = Redactor()
    redactor.scan_masks("::add-mask::100%25-sure-line1%0Aline2-secret\n")
    assert redactor.redact("100%-sure-line1 / line2-secret") == f"{MASK} / {MASK}"


def test_scan_masks_ignores_mid_line() -> None:
    redactor = Redactor()
    redactor.scan_masks("echo ::add-mask::not-a-command\n")
    assert redactor.redact("not-a-command") == "not-a-command"


@pytest.mark.parametrize(
    "credential",
    [
        GITHUB_CLASSIC,
        "gho_" + "z" * 36,
        "ghu_" + "Z9" * 18,
        "ghs_" + "0a" * 18,
        "ghr_" + "Q" * 40,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAY34FZKBOKMUTVV7A",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP-mB92K27uhbU",
    ],
)
def test_redactor_credential_shape(credential: str) -> None:
    redacted = Redactor().redact(f"value: {credential} end")
    assert redacted == f"value: {MASK} end"


@pytest.mark.parametrize(
    "text",
    [
        "ghp_short",
        "AKIA1234",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "eyJust.some.words",
        "a plain sentence about tokens and keys",
    ],
)
def test_redactor_leaves_ordinary_text(text: str) -> None:
    assert Redactor().redact(text) == text


def test_redactor_url_password() -> None:
    text = "remote https://x-access-token:pa55word-xyz@example.test/repo.git"
    expected = f"remote https://x-access-token:{MASK}@example.test/repo.git"
    assert Redactor().redact(text) == expected


def test_redactor_private_key_block() -> None:
    redacted = Redactor().redact(f"before\n{PRIVATE_KEY}\nafter\n")
    assert redacted == f"before\n{MASK}\nafter\n"


def test_redactor_private_key_start_cut() -> None:
    tail = PRIVATE_KEY.split("\n", 2)[2] + "\nafter\n"
    assert Redactor().redact(tail) == f"{MASK}\nafter\n"


def test_redactor_private_key_end_cut() -> None:
    head = "before\n" + PRIVATE_KEY.rsplit("\n", 1)[0]
    assert Redactor().redact(head) == f"before\n{MASK}"


def test_scanner_key_lines_across_blocks() -> None:
    redactor = Redactor()
    scanner = OutputScanner(redactor)
    lines = PRIVATE_KEY.split("\n")
    scanner.feed((lines[0] + "\n").encode())
    scanner.feed((lines[1] + "\n").encode())
    scanner.feed(("\n".join(lines[2:]) + "\nplain line\n").encode())
    assert redactor.redact(lines[1]) == MASK
    assert redactor.redact(lines[2]) == MASK
    assert redactor.redact("plain line") == "plain line"


def test_scanner_one_line_key_stays_closed() -> None:
    redactor = Redactor()
    scanner = OutputScanner(redactor)
    scanner.feed(PRIVATE_KEY.replace("\n", "\\n").encode() + b"\n")
    scanner.feed(b"ordinary output line\n")
    assert redactor.redact("ordinary output line") == "ordinary output line"


def test_scanner_add_mask_line() -> None:
    redactor = Redactor()
    OutputScanner(redactor).feed(b"::add-mask::from-the-scanner\n")
    assert redactor.redact("from-the-scanner") == MASK


_SECRET_CHARS = st.characters(blacklist_characters="*", blacklist_categories=["Cs"])


@given(
    secret=st.text(_SECRET_CHARS, min_size=4, max_size=40).filter(
        lambda s: len(s.strip()) == len(s)
    ),
    before=st.text(_SECRET_CHARS, max_size=40),
    after=st.text(_SECRET_CHARS, max_size=40),
)
def test_redactor_registered_value_never_survives(
    secret: str, before: str, after: str
) -> None:
    redactor = Redactor(extra_values=[secret])
    redacted = redactor.redact(before + secret + after + secret)
    assert secret not in redacted


def test_redactor_shape_after_punctuation() -> None:
    assert Redactor().redact(f"token={GITHUB_CLASSIC}") == f"token={MASK}"


def test_redactor_shape_inside_word_kept() -> None:
    text = f"x{GITHUB_CLASSIC}"
    assert Redactor().redact(text) == text


def test_redactor_shape_at_text_start() -> None:
    assert Redactor().redact(GITHUB_CLASSIC) == MASK
