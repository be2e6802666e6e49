"""The hazard log cites real tests: a control "proved by" a missing test is no control."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
LOG = ROOT / "docs" / "hazard-log.md"
CITATION = re.compile(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`")


def test_every_cited_test_file_and_test_exists() -> None:
    cited: list[tuple[str, str | None]] = []
    for row in LOG.read_text(encoding="utf-8").splitlines():
        last_file: str | None = None
        for match in CITATION.finditer(row):
            path, name = match.group(1), match.group(2)
            if path is None and name is None:
                continue
            last_file = path or last_file
            assert last_file, f"'::{name}' cites no file in: {row[:60]}"
            cited.append((last_file, name))
    assert len(cited) > 20
    for path, name in cited:
        source = ROOT / path
        assert source.is_file(), f"{path} is cited in the hazard log but does not exist"
        if name:
            assert f"def {name}(" in source.read_text(encoding="utf-8"), f"{path}::{name}"
