"""Where files live and which database to open.

The database URL is chosen, first match wins, from:

1. the ``--database`` command-line option;
2. the ``HEALTHVISITOR_DATABASE_URL`` environment variable;
3. the user's config file (``healthvisitor config show`` prints where);
4. the machine-wide config file an IT department deploys;
5. the default: a SQLite file in the user's data folder.

Config files are TOML with a ``[database]`` table holding ``url``. A URL in a
config file must not contain a password: the password for a shared
PostgreSQL database lives in the operating system's keyring (see
``healthvisitor.persistence.credentials``). Paths come from platformdirs, so
they are right on Windows, macOS and Linux.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from healthvisitor.errors import ConfigurationError

APP_NAME = "HealthVisitor"
APP_AUTHOR = "HealthVisitor"
DATABASE_URL_ENV = "HEALTHVISITOR_DATABASE_URL"
DATA_DIR_ENV = "HEALTHVISITOR_DATA_DIR"
CONFIG_DIR_ENV = "HEALTHVISITOR_CONFIG_DIR"
MACHINE_CONFIG_ENV = "HEALTHVISITOR_MACHINE_CONFIG"
CONFIG_FILE_NAME = "config.toml"


def data_dir() -> Path:
    """The user's data folder (the default SQLite database lives here)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def user_config_file() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    base = Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))
    return base / CONFIG_FILE_NAME


def machine_config_file() -> Path:
    """The machine-wide config file (e.g. /etc/xdg/HealthVisitor or ProgramData)."""
    override = os.environ.get(MACHINE_CONFIG_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.site_config_dir(APP_NAME, APP_AUTHOR)) / CONFIG_FILE_NAME


def default_database_path() -> Path:
    return data_dir() / "healthvisitor.db"


def demo_database_path() -> Path:
    """Demo data always goes into its own file, never into the real database."""
    return data_dir() / "demo.db"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class DatabaseChoice:
    """The database to open and where that choice came from (shown to the user)."""

    url: URL
    source: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        """The URL with any password hidden, for screens and logs."""
        return self.url.render_as_string(hide_password=True)


def parse_url(text: str, source: str) -> URL:
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise ConfigurationError(f"{source}: '{text}' is not a database URL ({exc})") from exc
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"{source}: HealthVisitor works with SQLite or PostgreSQL, not '{backend}'"
        )
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _url_from_file(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read the config file {path}: {exc}") from exc
    database = data.get("database", {})
    url = database.get("url") if isinstance(database, dict) else None
    if url is None:
        return None
    if not isinstance(url, str):
        raise ConfigurationError(f"{path}: [database] url must be text")
    if parse_url(url, str(path)).password is not None:
        raise ConfigurationError(
            f"{path}: the database URL contains a password. Passwords must never be kept in a "
            "file: remove it from the URL and store it with 'healthvisitor db set-password'."
        )
    return url


def choose_database(cli_url: str | None = None, *, demo: bool = False) -> DatabaseChoice:
    """Decide which database to open (see the module docstring for the order)."""
    if cli_url:
        return DatabaseChoice(parse_url(cli_url, "--database"), "the --database option")
    if demo:
        return DatabaseChoice(
            parse_url(sqlite_url(demo_database_path()), "demo"), "the demo database"
        )
    env = os.environ.get(DATABASE_URL_ENV)
    if env:
        return DatabaseChoice(parse_url(env, DATABASE_URL_ENV), f"${DATABASE_URL_ENV}")
    for path in (user_config_file(), machine_config_file()):
        url = _url_from_file(path)
        if url:
            return DatabaseChoice(parse_url(url, str(path)), str(path))
    return DatabaseChoice(
        parse_url(sqlite_url(default_database_path()), "default"), "the default local database"
    )
