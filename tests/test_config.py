"""Tests for spectra_action.config: loading, validation and error messages."""

from __future__ import annotations

import pytest

from spectra_action.config import (
    DEFAULT_BRANCH_PATTERN,
    Policy,
    ScopingConfig,
    Severity,
    SpectraConfig,
    TaskSettings,
    load_config,
    load_config_text,
    parse_duration,
)
from spectra_action.errors import ConfigError

PATH = ".github/spectra.yml"

FULL = """\
# Project settings for spectra-action.
ignore:
  - docs/**
  - "*.lock"
policy:
  unplanned: warning
  read-only: error
  foreign: off
  touched: warning
  owned: off
  ignored: off
scoping:
  branch-pattern: '^agent/(?P<ids>\\d+)'
  title: false
  labels: true
  body: false
tasks:
  "002":
    timeout: 20m
  7:
    timeout: 90
"""


def config_error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, PATH)
    return str(caught.value)


def test_load_missing_file_defaults(tmp_path):
    config = load_config(tmp_path)
    assert config == SpectraConfig()


def test_defaults_values():
    config = SpectraConfig()
    assert config.ignore == []
    assert config.policy.unplanned is Severity.ERROR
    assert config.policy.read_only is Severity.ERROR
    assert config.policy.foreign is Severity.ERROR
    assert config.policy.touched is Severity.OFF
    assert config.policy.owned is Severity.OFF
    assert config.policy.ignored is Severity.OFF
    assert config.scoping.branch_pattern == DEFAULT_BRANCH_PATTERN
    assert config.scoping.title is True
    assert config.tasks == {}


def test_load_reads_file(tmp_path):
    (tmp_path / ".github").mkdir()
    (tmp_path / PATH).write_text("policy:\n  touched: warning\n", encoding="utf-8")
    assert load_config(tmp_path).policy.touched is Severity.WARNING


def test_load_custom_path(tmp_path):
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci/spectra.yaml").write_text("ignore: [x/]\n", encoding="utf-8")
    assert load_config(tmp_path, "ci/spectra.yaml").ignore == ["x/"]


def test_load_unreadable_names_file(tmp_path):
    (tmp_path / ".github").mkdir()
    (tmp_path / PATH).write_bytes(b"ignore: [\xff]\n")
    with pytest.raises(ConfigError, match=r"\.github/spectra\.yml"):
        load_config(tmp_path)


def test_full_file_parsed():
    config = load_config_text(FULL, PATH)
    assert config.ignore == ["docs/**", "*.lock"]
    assert config.policy.unplanned is Severity.WARNING
    assert config.policy.foreign is Severity.OFF
    assert config.scoping == ScopingConfig(
        branch_pattern=r"^agent/(?P<ids>\d+)", title=False, labels=True, body=False
    )
    assert config.tasks == {
        "002": TaskSettings(timeout=1200.0),
        "007": TaskSettings(timeout=90.0),
    }


def test_empty_file_defaults():
    assert load_config_text("", PATH) == SpectraConfig()


def test_comment_only_file_defaults():
    assert load_config_text("# nothing yet\n", PATH) == SpectraConfig()


def test_unknown_key_suggests_close():
    message = config_error("policy:\n  unplaned: error\n")
    assert message == (
        ".github/spectra.yml:2: policy.unplaned: unknown key 'unplaned'; "
        "did you mean 'unplanned'?"
    )


def test_underscore_key_suggests_hyphen():
    message = config_error("\n\npolicy:\n  read_only: warning\n")
    assert message.startswith(".github/spectra.yml:4: policy.read_only:")
    assert "did you mean 'read-only'?" in message


def test_unknown_top_key_lists_known():
    message = config_error("colour: blue\n")
    assert "unknown key 'colour'" in message
    assert "ignore, policy, scoping, tasks" in message


def test_invalid_severity_names_line():
    message = config_error("policy:\n  foreign: error\n  touched: fatal\n")
    assert message.startswith(".github/spectra.yml:3: policy.touched:")
    assert "'fatal'" in message


def test_severity_case_and_warn():
    config = load_config_text("policy:\n  touched: WARN\n  owned: Error\n", PATH)
    assert config.policy.touched is Severity.WARNING
    assert config.policy.owned is Severity.ERROR


def test_severity_false_means_off():
    config = load_config_text("policy:\n  unplanned: false\n", PATH)
    assert config.policy.unplanned is Severity.OFF


def test_severity_true_rejected():
    assert "policy.unplanned" in config_error("policy:\n  unplanned: true\n")


def test_all_errors_reported_in_line_order():
    text = "scoping:\n  titel: true\npolicy:\n  owned: loud\ncolour: x\n"
    lines = config_error(text).splitlines()
    assert [line.split(":")[1] for line in lines] == ["2", "4", "5"]


def test_task_timeout_invalid_names_key():
    message = config_error("tasks:\n  '001':\n    timeout: soon\n")
    assert message.startswith(".github/spectra.yml:3: tasks.001.timeout:")
    assert "'soon'" in message
    assert "90s" in message


def test_task_timeout_zero_rejected():
    assert "greater than zero" in config_error("tasks:\n  '001': {timeout: 0}\n")


def test_task_unknown_setting():
    message = config_error("tasks:\n  '001':\n    timout: 5m\n")
    assert "tasks.001.timout" in message
    assert "did you mean 'timeout'?" in message


def test_task_key_not_an_id():
    assert "tasks.build" in config_error("tasks:\n  build: {timeout: 5m}\n")


def test_empty_sections_default():
    config = load_config_text("ignore:\npolicy:\nscoping:\ntasks:\n", PATH)
    assert config == SpectraConfig()


def test_empty_unknown_section_rejected():
    assert "unknown key 'polcy'" in config_error("polcy:\n")


def test_task_without_settings():
    config = load_config_text("tasks:\n  '004':\n", PATH)
    assert config.tasks == {"004": TaskSettings()}


def test_ignore_must_be_list():
    message = config_error("ignore: docs/**\n")
    assert message.startswith(".github/spectra.yml:1: ignore:")


def test_ignore_invalid_glob_names_line():
    message = config_error("ignore:\n  - ok/\n  - 'x/[z-a]/'\n")
    assert message.startswith(".github/spectra.yml:3: ignore.1:")
    assert "invalid glob 'x/[z-a]/'" in message


def test_ignore_item_type_names_index():
    message = config_error("ignore:\n  - ok/\n  - {a: b}\n")
    assert message.startswith(".github/spectra.yml:3: ignore.1:")


def test_branch_pattern_needs_ids_group():
    message = config_error("scoping:\n  branch-pattern: '^spectra/(\\d+)'\n")
    assert "(?P<ids>" in message
    assert message.startswith(".github/spectra.yml:2: scoping.branch-pattern:")


def test_branch_pattern_invalid_regex():
    message = config_error("scoping:\n  branch-pattern: '^spectra/(?P<ids>'\n")
    assert "invalid regular expression" in message


def test_branch_pattern_empty_disables():
    config = load_config_text("scoping:\n  branch-pattern: ''\n", PATH)
    assert config.scoping.branch_pattern is None


def test_invalid_yaml_names_line():
    message = config_error("policy:\n  owned: [error\n")
    assert message.startswith(".github/spectra.yml:")
    assert "invalid YAML" in message


def test_duplicate_key_rejected():
    assert "invalid YAML" in config_error("ignore: []\nignore: [a]\n")


def test_top_level_list_rejected():
    assert "must be a mapping" in config_error("- a\n- b\n")


def test_section_not_mapping():
    message = config_error("policy: strict\n")
    assert message.startswith(".github/spectra.yml:1: policy:")


def test_python_names_accepted():
    assert Policy(read_only=Severity.WARNING).read_only is Severity.WARNING


def test_effective_ignore_adds_plan():
    config = SpectraConfig(ignore=["docs/**"])
    assert config.effective_ignore(".spectra/plan.md") == [
        "docs/**",
        "/.spectra/plan.md",
        ".spectra/**",
    ]


def test_effective_ignore_custom_plan_anchored():
    patterns = SpectraConfig().effective_ignore("./PLAN.md")
    assert patterns == ["/PLAN.md", ".spectra/**"]


def test_effective_ignore_no_duplicates():
    config = SpectraConfig(ignore=[".spectra/**"])
    assert config.effective_ignore("plan.md") == [".spectra/**", "/plan.md"]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90s", 90.0),
        ("20m", 1200.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("1h0m5s", 3605.0),
        ("300", 300.0),
        (" 2.5m ", 150.0),
        ("1.5", 1.5),
        (45, 45.0),
        (0.5, 0.5),
        ("2H", 7200.0),
    ],
)
def test_parse_duration_forms(value, seconds):
    assert parse_duration(value, name="timeout") == seconds


@pytest.mark.parametrize("value", ["", "soon", "10 minutes", "m", "1d", "5m1h", "-5"])
def test_parse_duration_rejects(value):
    with pytest.raises(ConfigError) as caught:
        parse_duration(value, name="task-timeout")
    assert f"invalid task-timeout {value!r}" in str(caught.value)


def test_parse_duration_rejects_zero():
    with pytest.raises(ConfigError, match="greater than zero"):
        parse_duration(0, name="timeout")


def test_parse_duration_rejects_bool():
    with pytest.raises(ConfigError):
        parse_duration(True, name="timeout")
