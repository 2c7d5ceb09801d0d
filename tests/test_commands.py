from __future__ import annotations

import pytest

from spectra_action.commands import (
    MAX_CHARS,
    MAX_LINES,
    RERUN_CHECKBOX_RE,
    Command,
    ParsedComment,
    Verb,
    help_text,
    parse_comment,
    render_rerun_checkbox,
    ticked_reruns,
)

IDS = ["001", "002", "003", "004", "1000"]


def parse(body: str) -> ParsedComment:
    return parse_comment(body, known_ids=IDS)


def only_command(body: str) -> Command:
    parsed = parse(body)
    assert parsed.problems == []
    assert len(parsed.commands) == 1
    return parsed.commands[0]


@pytest.mark.parametrize(
    ("body", "verb", "targets"),
    [
        ("/spectra rerun 002", Verb.RERUN, ["002"]),
        ("/spectra rerun 2 3 004", Verb.RERUN, ["002", "003", "004"]),
        ("/spectra rerun 002, 003", Verb.RERUN, ["002", "003"]),
        ("/spectra rerun 002,003", Verb.RERUN, ["002", "003"]),
        ("/spectra rerun failed", Verb.RERUN, ["failed"]),
        ("/spectra rerun all", Verb.RERUN, ["all"]),
        ("/spectra rerun ALL", Verb.RERUN, ["all"]),
        ("/spectra reset 002", Verb.RESET, ["002"]),
        ("/spectra reset failed", Verb.RESET, ["failed"]),
        ("/spectra help", Verb.HELP, []),
        ("/spectra RERUN 2", Verb.RERUN, ["002"]),
        ("/Spectra Rerun 2", Verb.RERUN, ["002"]),
        ("/spectra\trerun\t2", Verb.RERUN, ["002"]),
        ("   /spectra rerun 2", Verb.RERUN, ["002"]),
        ("/spectra rerun 2   ", Verb.RERUN, ["002"]),
    ],
)
def test_parse_syntax_forms(body: str, verb: Verb, targets: list[str]) -> None:
    command = only_command(body)
    assert command.verb is verb
    assert command.targets == targets
    assert command.line == 1


@pytest.mark.parametrize("word", ["2", "02", "002", "0002", "000000002"])
def test_parse_leading_zeros(word: str) -> None:
    assert only_command(f"/spectra rerun {word}").targets == ["002"]


def test_parse_long_known_id() -> None:
    assert only_command("/spectra rerun 1000").targets == ["1000"]


def test_parse_duplicate_ids_once() -> None:
    assert only_command("/spectra rerun 2 002 02").targets == ["002"]


def test_parse_plan_spelling_decides() -> None:
    parsed = parse_comment("/spectra rerun 7", known_ids=["0007"])
    assert parsed.commands[0].targets == ["0007"]


def test_parse_several_commands_in_order() -> None:
    body = "Thanks!\n/spectra rerun 3\nand then\n/spectra reset 1\n/spectra help\n"
    parsed = parse(body)
    assert [command.verb for command in parsed.commands] == [
        Verb.RERUN,
        Verb.RESET,
        Verb.HELP,
    ]
    assert [command.line for command in parsed.commands] == [2, 4, 5]
    assert parsed.problems == []


def test_parse_crlf_line_numbers() -> None:
    parsed = parse("hello\r\n\r\n/spectra rerun 2\r\n")
    assert parsed.commands[0].line == 3
    assert parsed.commands[0].targets == ["002"]


@pytest.mark.parametrize(
    "body",
    [
        "/spectrafoo rerun 2",
        "/spectra-rerun 2",
        "/spectra: rerun 2",
        "spectra rerun 2",
        "please /spectra rerun 2",
        "＼spectra rerun 2",
        "／spectra rerun 2",
        "/ｓpectra rerun 2",
        "/ſpectra rerun 2",
        "/spectra\u00a0rerun 2",
        "\u200b/spectra rerun 2",
        "- /spectra rerun 2",
        "# /spectra rerun 2",
        "    /spectra rerun 2",
        "\t/spectra rerun 2",
        "`/spectra rerun 2`",
    ],
)
def test_parse_not_a_command(body: str) -> None:
    parsed = parse(body)
    assert parsed.commands == []
    assert parsed.problems == []


@pytest.mark.parametrize(
    "body",
    [
        "```\n/spectra rerun 2\n```",
        "````\n```\n/spectra rerun 2\n````",
        "~~~\n/spectra rerun 2\n~~~",
        "~~~~~ python\n/spectra rerun 2\n~~~~~",
        "```\n/spectra rerun 2",
        "  ```\n/spectra rerun 2\n  ```",
        "text\n\n    /spectra rerun 2\n",
        "- item\n  ```\n  /spectra rerun 2\n  ```",
        "- ```\n  /spectra rerun 2\n  ```",
        "1. item\n   ~~~\n   /spectra rerun 2\n   ~~~",
        "- item\n  - nested\n    ```\n    /spectra rerun 2\n    ```",
    ],
)
def test_parse_code_blocks_ignored(body: str) -> None:
    parsed = parse(body)
    assert parsed.commands == []
    assert parsed.problems == []


@pytest.mark.parametrize(
    "body",
    [
        "> /spectra rerun 2",
        ">/spectra rerun 2",
        "> quoted\n> /spectra rerun 2",
        "> quoted\n/spectra rerun 2",
        "- item\n  > /spectra rerun 2",
        "> - item\n>   /spectra rerun 2",
    ],
)
def test_parse_quotes_ignored(body: str) -> None:
    parsed = parse(body)
    assert parsed.commands == []
    assert parsed.problems == []


@pytest.mark.parametrize(
    "body",
    [
        "<!--\n/spectra rerun 2\n-->",
        "<!-- note\n/spectra rerun 2 -->",
        "Text <!--\n/spectra rerun 2\n-->",
        "<details>\n/spectra rerun 2\n</details>",
        "Text `code\n/spectra rerun 2` more",
        "Text ``a ` b\n/spectra rerun 2``",
        "Text \\``code\n/spectra rerun 2`",
        "`a` then `b\n/spectra rerun 2`",
        "Text <!-- a --> and <!-- b\n/spectra rerun 2 -->",
    ],
)
def test_parse_html_and_spans_ignored(body: str) -> None:
    parsed = parse(body)
    assert parsed.commands == []
    assert parsed.problems == []


@pytest.mark.parametrize(
    "body",
    [
        "```\ncode\n```\n/spectra rerun 2",
        "> quoted\n\n/spectra rerun 2",
        "<!-- hidden -->\n\n/spectra rerun 2",
        "Text <!-- closed --> here\n/spectra rerun 2",
        "Text \\`not code\n/spectra rerun 2\nend `",
        "- item\n  ```\n/spectra rerun 2\n  ```",
        "Text ``unclosed\n/spectra rerun 2",
        "Text <!-- unclosed\n/spectra rerun 2",
        "Text `a` ``b`` ```c\n/spectra rerun 2",
        "- item\n\n  /spectra rerun 2",
        "- item\n/spectra rerun 2",
        "1. item\n   /spectra rerun 2",
    ],
)
def test_parse_command_after_closed_block(body: str) -> None:
    assert only_command(body).targets == ["002"]


def test_parse_unknown_verb() -> None:
    parsed = parse("/spectra frobnicate 2")
    assert parsed.commands == []
    assert len(parsed.problems) == 1
    assert "`frobnicate` is not a command" in parsed.problems[0].message
    assert "`/spectra help`" in parsed.problems[0].message
    assert parsed.problems[0].text == "/spectra frobnicate 2"


def test_parse_missing_verb() -> None:
    parsed = parse("/spectra")
    assert parsed.commands == []
    assert "missing" in parsed.problems[0].message


@pytest.mark.parametrize(
    "body", ["/spectra rerun", "/spectra reset", "/spectra rerun ,"]
)
def test_parse_missing_targets(body: str) -> None:
    parsed = parse(body)
    assert parsed.commands == []
    assert len(parsed.problems) == 1
    assert "needs task ids" in parsed.problems[0].message


def test_parse_unknown_id_rejects_command() -> None:
    parsed = parse("/spectra rerun 2 9")
    assert parsed.commands == []
    assert len(parsed.problems) == 1
    message = parsed.problems[0].message
    assert "`9` is not a task id" in message
    assert "001, 002, 003, 004, 1000" in message


@pytest.mark.parametrize("word", ["abc", "2a", "-2", "٢", "²", "2.5", "9" * 500])
def test_parse_non_number_id(word: str) -> None:
    parsed = parse(f"/spectra rerun {word}")
    assert parsed.commands == []
    assert len(parsed.problems) == 1
    assert "not a task id" in parsed.problems[0].message


def test_parse_long_id_shortened_in_message() -> None:
    parsed = parse("/spectra rerun " + "9" * 500)
    assert len(parsed.problems[0].message) < 300


def test_parse_unknown_id_list_capped() -> None:
    known = [f"{number:03d}" for number in range(1, 501)]
    parsed = parse_comment("/spectra rerun 999", known_ids=known)
    message = parsed.problems[0].message
    assert "and 480 more" in message
    assert "020" in message
    assert "021" not in message


def test_parse_no_tasks_in_plan() -> None:
    parsed = parse_comment("/spectra rerun 1", known_ids=[])
    assert "the plan has no tasks" in parsed.problems[0].message


def test_parse_keyword_with_ids() -> None:
    parsed = parse("/spectra rerun failed 002")
    assert parsed.commands == []
    assert "must be the only target" in parsed.problems[0].message


def test_parse_help_ignores_extra_words() -> None:
    assert only_command("/spectra help me").verb is Verb.HELP


def test_parse_problems_and_commands_together() -> None:
    parsed = parse("/spectra rerun 2\n/spectra bogus\n/spectra reset 3")
    assert [command.line for command in parsed.commands] == [1, 3]
    assert [problem.line for problem in parsed.problems] == [2]


def test_parse_nul_bytes() -> None:
    parsed = parse("/spectra rerun\x00 2\n/spectra\x00rerun 2\n\x00/spectra rerun 3")
    assert parsed.commands == []
    assert len(parsed.problems) == 1
    assert parsed.problems[0].line == 1


def test_parse_nul_after_command() -> None:
    parsed = parse("/spectra rerun 2\x00")
    assert parsed.commands == []
    assert "not a task id" in parsed.problems[0].message


def test_parse_lone_surrogate() -> None:
    parsed = parse("\ud800\n/spectra rerun 2\n/spectra rerun \udfff")
    assert parsed.commands[0].targets == ["002"]
    assert len(parsed.problems) == 1


def test_parse_unicode_line_separator_not_a_break() -> None:
    parsed = parse("hello\u2028/spectra rerun 2")
    assert parsed.commands == []


def test_parse_line_limit() -> None:
    body = "filler\n" * MAX_LINES + "/spectra rerun 2\n"
    parsed = parse(body)
    assert parsed.commands == []
    assert len(parsed.problems) == 1
    assert parsed.problems[0].line == MAX_LINES + 1
    assert "Only the first" in parsed.problems[0].message


def test_parse_line_limit_crlf() -> None:
    body = "/spectra rerun 1\r\n" * MAX_LINES + "more text\r\n"
    parsed = parse(body)
    assert len(parsed.commands) == MAX_LINES
    assert parsed.problems == []


def test_parse_line_limit_crlf_command_after() -> None:
    body = "filler\r\n" * MAX_LINES + "/spectra rerun 1\r\n"
    parsed = parse(body)
    assert parsed.commands == []
    assert len(parsed.problems) == 1


def test_parse_last_line_within_limit() -> None:
    body = "filler\n" * (MAX_LINES - 1) + "/spectra rerun 2"
    assert only_command(body).line == MAX_LINES


def test_parse_long_comment_without_command() -> None:
    parsed = parse("filler\n" * 10_000)
    assert parsed.commands == []
    assert parsed.problems == []


def test_parse_character_limit() -> None:
    body = "/spectra rerun 1\n" + "x" * MAX_CHARS + "\n/spectra rerun 2\n"
    parsed = parse(body)
    assert [command.targets for command in parsed.commands] == [["001"]]
    assert len(parsed.problems) == 1


def test_parse_character_limit_cuts_line() -> None:
    body = "a" * (MAX_CHARS - len("/spectra rerun 1")) + "\n/spectra rerun 1000"
    parsed = parse(body)
    assert parsed.commands == []
    assert len(parsed.problems) == 1
    assert parsed.problems[0].line == 2


def test_parse_deep_nesting() -> None:
    body = "> " * 5_000 + "/spectra rerun 2\n" + "- " * 5_000 + "x\n[" * 5_000
    parsed = parse(body[:MAX_CHARS])
    assert parsed.commands == []


def test_help_text_lists_every_verb() -> None:
    text = help_text()
    for verb in Verb:
        assert f"/spectra {verb}" in text


def test_help_text_is_markdown_list() -> None:
    items = [line for line in help_text().splitlines() if line.startswith("- ")]
    assert len(items) == 5


def test_render_checkbox_form() -> None:
    line = render_rerun_checkbox("002", "Emit audit events")
    assert line == (
        "- [ ] <!-- spectra:rerun:002 --> Rerun 002: Emit audit events (tick to rerun)"
    )


def test_render_checkbox_matches_regex() -> None:
    match = RERUN_CHECKBOX_RE.match(render_rerun_checkbox("1000", "x"))
    assert match is not None
    assert match.group("task_id") == "1000"
    assert match.group("state") == " "


def test_render_checkbox_cleans_title() -> None:
    line = render_rerun_checkbox("002", "a <!-- b -->\nc")
    assert line.count("<!--") == 1
    assert line.count("-->") == 1
    assert "\n" not in line


def test_render_checkbox_empty_title() -> None:
    assert render_rerun_checkbox("002", "  ").endswith("Rerun 002 (tick to rerun)")


@pytest.mark.parametrize("task_id", ["", "two", "../002", "002 ", "٠٠٢"])
def test_render_checkbox_invalid_id(task_id: str) -> None:
    with pytest.raises(ValueError, match="is not a number"):
        render_rerun_checkbox(task_id, "x")


def checklist(*lines: str) -> str:
    return "\n".join(["<!-- spectra:comment -->", "## Checklist", "", *lines, ""])


def test_ticked_reruns_tick() -> None:
    old = checklist(
        render_rerun_checkbox("002", "a"), render_rerun_checkbox("003", "b")
    )
    new = old.replace("- [ ] <!-- spectra:rerun:003", "- [x] <!-- spectra:rerun:003")
    assert ticked_reruns(old, new) == ["003"]


def test_ticked_reruns_capital_x() -> None:
    old = checklist(render_rerun_checkbox("002", "a"))
    assert ticked_reruns(old, old.replace("[ ]", "[X]")) == ["002"]


def test_ticked_reruns_several_in_order() -> None:
    old = checklist(
        render_rerun_checkbox("004", "a"), render_rerun_checkbox("002", "b")
    )
    assert ticked_reruns(old, old.replace("[ ]", "[x]")) == ["004", "002"]


def test_ticked_reruns_untick() -> None:
    old = checklist(render_rerun_checkbox("002", "a").replace("[ ]", "[x]"))
    assert ticked_reruns(old, old.replace("[x]", "[ ]")) == []


def test_ticked_reruns_already_ticked() -> None:
    body = checklist(render_rerun_checkbox("002", "a").replace("[ ]", "[x]"))
    assert ticked_reruns(body, body) == []


def test_ticked_reruns_unchanged() -> None:
    body = checklist(render_rerun_checkbox("002", "a"))
    assert ticked_reruns(body, body) == []


def test_ticked_reruns_new_line_not_a_tick() -> None:
    old = checklist(render_rerun_checkbox("002", "a"))
    new = checklist(
        render_rerun_checkbox("002", "a"),
        render_rerun_checkbox("003", "b").replace("[ ]", "[x]"),
    )
    assert ticked_reruns(old, new) == []


@pytest.mark.parametrize(
    ("prefix", "suffix"),
    [("```", "```"), ("~~~", "~~~"), ("<!--", "-->"), ("> ", ""), ("", "")],
)
def test_ticked_reruns_code_block_ignored(prefix: str, suffix: str) -> None:
    line = render_rerun_checkbox("002", "a")
    if prefix == "> ":
        block = "> " + line
    elif prefix:
        block = f"{prefix}\n{line}\n{suffix}"
    else:
        block = "    " + line
    old = checklist(block)
    assert ticked_reruns(old, old.replace("[ ]", "[x]")) == []


@pytest.mark.parametrize(
    "line",
    [
        "- [ ] <!-- spectra:rerun:002--> Rerun 002",
        "- [ ] <!--spectra:rerun:002 --> Rerun 002",
        "* [ ] <!-- spectra:rerun:002 --> Rerun 002",
        "-  [ ] <!-- spectra:rerun:002 --> Rerun 002",
        "- [ ] <!-- spectra:rerun:two --> Rerun 002",
        "- [ ] Rerun 002 <!-- spectra:rerun:002 -->",
        "- [ ] <!-- spectra:rerun:002 -->Rerun 002",
    ],
)
def test_ticked_reruns_other_forms_ignored(line: str) -> None:
    old = checklist(line)
    assert ticked_reruns(old, old.replace("[ ]", "[x]")) == []


def test_ticked_reruns_first_box_per_task() -> None:
    line = render_rerun_checkbox("002", "a")
    old = checklist(line, line)
    new = checklist(line, line.replace("[ ]", "[x]"))
    assert ticked_reruns(old, new) == []


def test_ticked_reruns_long_checklist() -> None:
    lines = [render_rerun_checkbox(f"{number:03d}", "t") for number in range(1, 401)]
    old = checklist(*lines)
    new = old.replace("- [ ] <!-- spectra:rerun:400", "- [x] <!-- spectra:rerun:400")
    assert ticked_reruns(old, new) == ["400"]
