"""Collection rules for the container tests, which need Docker and a built image.

scripts/container-test builds the action's image and then runs
``pytest tests/container -m container`` with SPECTRA_CONTAINER_TESTS=1. In any
other run these tests are deselected: their modules are not collected at all,
so they neither run nor count as skipped. Once the variable is set, a missing
Docker or image fails the tests instead of skipping them.
"""

from __future__ import annotations

import os

import pytest

ENABLE_VARIABLE = "SPECTRA_CONTAINER_TESTS"

collect_ignore_glob: list[str] = []
if os.environ.get(ENABLE_VARIABLE) != "1":
    collect_ignore_glob.append("test_*.py")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "container: runs the action's Docker image; needs "
        f"{ENABLE_VARIABLE}=1 and an image built by scripts/container-test",
    )
