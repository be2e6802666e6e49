"""The domain package never imports Qt, the UI or the reports (STYLE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

DOMAIN = Path(__file__).parents[1] / "healthvisitor"
FORBIDDEN = ("PySide6", "shiboken6", "healthvisitor.ui", "healthvisitor.reports", "ui", "reports")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_sources_import_no_qt_ui_or_reports() -> None:
    offenders = {
        f"{path.relative_to(DOMAIN.parent)}: {name}"
        for path in DOMAIN.rglob("*.py")
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert offenders == set()


def test_importing_the_whole_domain_loads_no_qt() -> None:
    modules = sorted(
        ".".join(p.relative_to(DOMAIN.parent).with_suffix("").parts)
        for p in DOMAIN.rglob("*.py")
        if "migrations" not in p.parts and p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'healthvisitor.ui', "
        "'healthvisitor.reports'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_generic_top_level_packages_are_installed() -> None:
    import importlib.util

    for name in ("ui", "reports", "resources"):
        assert importlib.util.find_spec(name) is None or "site-packages" not in str(
            importlib.util.find_spec(name).origin  # type: ignore[union-attr]
        )
