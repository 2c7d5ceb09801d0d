"""Check plan entry matching against ``git check-ignore`` on the same patterns.

Each plan entry is written as the only line of a ``.gitignore`` in a fresh
repository, and git is asked which of the paths below it ignores. The index
must match exactly the same paths.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from spectra_action.ownership import OwnershipIndex
from spectra_action.plan.models import FileOwnership, Plan, Task

PATHS = [
    "README.md",
    "Readme.md",
    "docs/README.md",
    "docs/guide/intro.md",
    "docs",
    "docs.md",
    "docsx/file",
    "src/app.py",
    "src/App.py",
    "src/config",
    "src/config/settings.py",
    "src/config/deep/values.yaml",
    "src/sub/app.py",
    "src/sub/deep/mod.py",
    "src/tests/test_app.py",
    "test_root.py",
    "a/b",
    "a/x/b",
    "a/x/y/b",
    "a/b/c",
    "x/a/b",
    "build/out.o",
    "lib/build/x",
    "lib/pkg/index.js",
    "lib/pkg/sub/index.js",
    ".github/workflows/ci.yml",
    ".env",
    "config/.env",
    "pyproject.toml",
    "sub/pyproject.toml",
    "file1.txt",
    "file10.txt",
    "a.txt",
    "d.txt",
    "name with space.txt",
    "mod.pyc",
    "mod.pyo",
    "src/mod.pyc",
    "main.c",
    "-dash/file",
    "*.md",
]

PATTERNS = [
    "README.md",
    "/README.md",
    "docs/",
    "/docs/",
    "docs",
    "docs/*",
    "docs/**",
    "docs/**/",
    "src/config/",
    "src/config",
    "src/app.py",
    "*.md",
    "src/*.py",
    "src/**",
    "src/**/*.py",
    "**/test_*.py",
    "**/app.py",
    "a/**/b",
    "**/build/",
    "build/",
    ".github/",
    ".env",
    "*",
    "**",
    "*/",
    "src/*",
    "src/*/",
    "*.py[co]",
    "file?.txt",
    "lib/*/index.js",
    "lib/**/index.js",
    "/*.toml",
    "*.toml",
    "name with space.txt",
    "[abc].txt",
    "[!abc].txt",
    "src/*/*/*.py",
    "-dash/",
    "\\*.md",
    "/*/",
    "**/",
    "src/**/deep/",
    "a/**/",
    "/src/*.py",
    "*.[ch]",
    "**/*.md",
    "docs/*.md",
    "**/config/**",
    ".*",
    "*/b",
    "a/*/b",
    "src/s*/deep/",
    "lib/p*/sub/",
    "src/s*/deep/*.py",
    "lib/*kg/**",
    "docs/*ide/intro.md",
    "*.js",
    "src/*/*/",
    "*[0-9].txt",
    "*kg",
    "*kg/",
    "p*/",
    "lib/*kg/sub/index.js",
    "src/*fig/deep/",
    "/*c/",
]


@pytest.fixture(scope="module")
def git_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("globs")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    return repo


def git_ignored(repo: Path, pattern: str) -> set[str]:
    (repo / ".gitignore").write_text(pattern + "\n", encoding="utf-8")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(
        ["git", "-C", str(repo), "check-ignore", "--no-index", "-z", "--stdin"],
        input="\0".join(PATHS).encode() + b"\0",
        capture_output=True,
        env=env,
        check=False,
    )
    # Exit code 1 means that no path matched, which is a valid result.
    assert result.returncode in (0, 1), result.stderr
    return {name.decode() for name in result.stdout.split(b"\0") if name}


def index_matches(pattern: str) -> set[str]:
    task = Task(id="001", title="t", line=1, ownership=FileOwnership(owns=[pattern]))
    index = OwnershipIndex(Plan(path=".spectra/plan.md", tasks=[task]))
    return {path for path in PATHS if index.owners(path) == ["001"]}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_glob_agrees_with_git(git_repo, pattern):
    assert index_matches(pattern) == git_ignored(git_repo, pattern)


def test_glob_table_not_trivial(git_repo):
    # Each pattern must match something and miss something, or the table
    # above would prove little.
    trivial = [
        pattern
        for pattern in PATTERNS
        if git_ignored(git_repo, pattern) in (set(), set(PATHS))
    ]
    assert trivial == ["*", "**"]
