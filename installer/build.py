"""Build HealthVisitor for the platform this runs on: ``python installer/build.py``.

Runs PyInstaller on ``installer/healthvisitor.spec`` and leaves a one-folder
program in ``dist/HealthVisitor/`` (``--dist`` and ``--work`` move the output
and PyInstaller's scratch folder). Needs the project installed with the
``build`` extra: ``pip install -e '.[build]'``. On Windows, Inno Setup then
packages that folder (``installer/healthvisitor.iss``, see installer/README.md).

The spec imports ``APP_NAME`` and ``windows_icon`` from here, so this module
must stay importable without PyInstaller.
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

APP_NAME = "HealthVisitor"
ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "healthvisitor.spec"

#: The sizes Windows picks from for the taskbar, Start menu, Explorer and shortcuts.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def stage_sources(target: Path) -> Path:
    """Copy the ``healthvisitor`` package into ``target`` laid out as pip installs it.

    pyproject.toml maps ``ui/``, ``reports/`` and ``resources/`` into the package
    (``[tool.setuptools] package-dir``); the same mapping is followed here, so the
    bundle matches an installed wheel whether the checkout is installed editable or
    not. ``tests/`` is not part of the package and never copied. Returns ``target``,
    the folder to put first on the import path.
    """
    import shutil
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        package_dirs: dict[str, str] = tomllib.load(handle)["tool"]["setuptools"]["package-dir"]
    if target.exists():
        shutil.rmtree(target)
    # Parents before children, so ui/ lands inside the copied healthvisitor/.
    for package, folder in sorted(package_dirs.items(), key=lambda item: item[0].count(".")):
        shutil.copytree(
            ROOT / folder,
            target.joinpath(*package.split(".")),
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            dirs_exist_ok=True,
        )
    return target


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn on a transparent square of ``size`` pixels, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:  # QPainter needs one for fonts
        build_app = QGuiApplication(["build", "-platform", "offscreen"])  # noqa: F841
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not an SVG image Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def write_ico(svg: Path, ico: Path, sizes: tuple[int, ...] = ICON_SIZES) -> Path:
    """A Windows .ico holding the SVG at each size, PNG-compressed (Vista and later)."""
    images = [render_png(svg, size) for size in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(images)
    directory = b""
    for size, png in zip(sizes, images, strict=True):
        edge = 0 if size >= 256 else size  # 0 means 256 in an icon directory
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    ico.parent.mkdir(parents=True, exist_ok=True)
    ico.write_bytes(header + directory + b"".join(images))
    return ico


def windows_icon(svg: Path, ico: Path) -> str | None:
    """The program icon for PyInstaller: an .ico on Windows; None elsewhere, where
    the executable carries no icon (Linux uses the .desktop file's)."""
    if sys.platform != "win32":
        return None
    return str(write_ico(svg, ico))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output (dist/)")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="scratch folder"
    )
    args = parser.parse_args(argv)
    try:
        import PyInstaller.__main__
    except ImportError:
        print("PyInstaller is missing: pip install -e '.[build]'", file=sys.stderr)
        return 1
    PyInstaller.__main__.run(
        [
            str(SPEC),
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            "--distpath",
            str(args.dist),
            "--workpath",
            str(args.work),
        ]
    )
    print(f"Built {args.dist / APP_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
