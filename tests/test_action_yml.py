"""Checks of action.yml, the action's metadata, and of the README tables for it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ACTION_YML = PROJECT_ROOT / "action.yml"
README = PROJECT_ROOT / "README.md"

# A table row whose first cell is a name in backticks, such as "| `token` | ...".
_ROW_NAME = re.compile(r"^\|\s*`([^`]+)`\s*\|")


def _metadata() -> dict[str, Any]:
    data = YAML(typ="safe").load(ACTION_YML.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "action.yml is not a mapping"
    return data


def _readme_table_names(heading: str) -> list[str]:
    """Return the backticked first-column names of the tables under ``heading``.

    The section runs from the ``## heading`` line to the next level-2 heading.
    """
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {heading}") + 1
    names: list[str] = []
    for line in lines[start:]:
        if line.startswith("## "):
            break
        match = _ROW_NAME.match(line)
        if match:
            names.append(match.group(1))
    return names


def test_action_yml_docker_runs() -> None:
    runs = _metadata()["runs"]
    assert runs["using"] == "docker"
    assert runs["image"] == "Dockerfile"


def test_action_yml_identity() -> None:
    metadata = _metadata()
    assert metadata["name"] == "SPECTRA plan gate"
    assert metadata["author"] == "spectra-action authors"
    assert metadata["description"].strip()
    assert metadata["branding"] == {"icon": "check-square", "color": "blue"}


def test_action_yml_inputs_described() -> None:
    inputs = _metadata()["inputs"]
    assert inputs, "action.yml declares no inputs"
    for name, spec in inputs.items():
        assert str(spec.get("description", "")).strip(), f"input {name}: no description"
        assert "default" in spec, f"input {name}: no default"
        assert "required" not in spec, f"input {name}: the runner ignores required"


def test_action_yml_input_defaults() -> None:
    inputs = _metadata()["inputs"]
    expected = {
        "token": "${{ github.token }}",
        "plan-path": ".spectra/plan.md",
        "config-path": ".github/spectra.yml",
        "mode": "run",
        "tasks": "",
        "max-parallel": "",
        "task-timeout": "20m",
        "run-dependents": "true",
        "changed-files": "auto",
        "report": "status",
        "task-statuses": "auto",
        "template-path": "",
        "summary-template-path": "",
        "results-dir": "",
        "max-jobs": "16",
        "required-permission": "write",
        "tail-lines": "200",
        "tail-bytes": "32768",
    }
    defaults = {name: spec["default"] for name, spec in inputs.items()}
    assert defaults == expected


def test_action_yml_outputs_described() -> None:
    outputs = _metadata()["outputs"]
    assert set(outputs) == {
        "result",
        "affected-tasks",
        "matrix",
        "results-dir",
        "comment-url",
    }
    for name, spec in outputs.items():
        assert str(spec.get("description", "")).strip(), (
            f"output {name}: no description"
        )


def test_readme_inputs_match() -> None:
    assert sorted(_readme_table_names("Inputs")) == sorted(_metadata()["inputs"])


def test_readme_outputs_match() -> None:
    assert sorted(_readme_table_names("Outputs")) == sorted(_metadata()["outputs"])
