"""The trust-scale benchmark (bench/trust.py, issue 10) still runs: a 1,000-child
smoke version on SQLite, so the benchmark cannot rot. No timing targets here:
figures come from the benchmark, never from tests."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "trust.py"


@pytest.fixture(scope="module")
def trust() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_trust", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def table_rows(markdown: str) -> dict[str, list[str]]:
    """The table's rows by action (the header and rule left out)."""
    rows = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("action", "---"):
            rows[cells[0]] = cells[1:]
    return rows


def number(cell: str, unit: str) -> float:
    match = re.fullmatch(rf"([\d,]+\.\d+) {unit}", cell)
    assert match, f"{cell!r} is not a figure in {unit}"
    return float(match.group(1).replace(",", ""))


def test_the_benchmark_times_every_action_and_writes_the_table(
    trust: ModuleType, tmp_path: Path
) -> None:
    database = tmp_path / "trust.db"
    output = tmp_path / "performance.md"

    trust.main(
        [
            "--children",
            "1000",
            "--repeat",
            "2",
            "--database",
            str(database),
            "--output",
            str(output),
        ]
    )

    written = output.read_text()
    assert "Machine: " in written and "CPUs" in written
    assert re.search(r"Python 3\.\d+\.\d+, SQLite 3\.\d+", written)
    assert "SQLAlchemy 2." in written and "PySide6 6." in written
    assert "Data set: 1,000 children" in written
    rows = table_rows(written)
    assert list(rows) == trust.expected_actions()
    for action, (_detail, median, floor, ratio, target) in rows.items():
        unit = "MB" if action.startswith("peak memory") else "ms"
        assert number(median, unit) > 0, action
        assert number(floor, unit) > 0, action
        assert float(ratio.replace(",", "")) > 0, action  # 1,518.5 on a busy machine
        assert target == trust.TARGETS[action]
    assert rows["handover PDF for 400 children"][0] == "400 children"


def test_an_existing_data_set_is_reused_not_rebuilt(trust: ModuleType, tmp_path: Path) -> None:
    database = tmp_path / "trust.db"
    database.write_bytes(b"")  # not a demo: rebuilding would be the only way to notice

    assert trust.sqlite_database(database, 1000, 1) == f"sqlite:///{database}"
    assert database.read_bytes() == b""
    assert not database.with_suffix(".partial").exists()
