"""With CI=true, PostgreSQL tests fail when the server is missing; they never skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"


def run_one_postgres_test(ci: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CI": ci, "HEALTHVISITOR_TEST_POSTGRES_URL": NOWHERE}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/persistence/test_engines.py::test_nhs_number_is_unique_in_the_database",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("ci", "expected"), [("true", 1), ("false", 0)])
def test_missing_postgres_fails_in_ci_and_skips_elsewhere(ci: str, expected: int) -> None:
    result = run_one_postgres_test(ci)
    assert result.returncode == expected, result.stdout
    if ci == "true":
        assert "CI=true: PostgreSQL tests must run" in result.stdout
        assert "1 passed" in result.stdout  # the SQLite half still ran
    else:
        assert "1 passed, 1 skipped" in result.stdout
