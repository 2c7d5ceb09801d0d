"""Fixtures shared by all tests: a clean environment and the fake GitHub."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakegithub import FakeGitHub, spec

# Variables a GitHub Actions runner sets. A developer's shell or a CI job may
# carry them, and the product reads them, so every test starts without them.
_RUNNER_PREFIXES = ("GITHUB_", "INPUT_", "ACTIONS_", "RUNNER_")


@pytest.fixture(autouse=True)
def _clean_runner_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_RUNNER_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def github_specs() -> Path:
    """Fetch the pinned GitHub descriptions once and return their cache folder.

    A failed fetch fails the tests that need it instead of skipping them.
    """
    try:
        return spec.ensure_specs()
    except spec.SpecUnavailableError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def fake_github(github_specs: Path) -> Iterator[FakeGitHub]:
    """Start a FakeGitHub for one test and fail the test on any violation.

    A test that provokes a violation on purpose must check it and then clear
    ``fake_github.violations``.
    """
    with FakeGitHub() as fake:
        yield fake
        assert fake.violations == [], "\n".join(map(str, fake.violations))
