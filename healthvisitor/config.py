"""Where files live, which database to open, and the settings IT deploys.

Settings come from two TOML files: the **machine-wide** one that IT deploys to
every laptop and the **user's own** one (``healthvisitor config show`` prints
where both are; docs/deploying.md shows a complete example)::

    [database]
    url = "postgresql://hv_app@db.trust.nhs.uk:5432/healthvisitor"
    encrypted = true              # a local SQLite file: SQLCipher, key in the keyring

    [session]
    idle_lock_minutes = 10

    [organisation]
    name = "Anytown Community Health NHS Trust"

    [backup]                      # a local SQLite database only
    keep = 7

    [offline]                     # the laptop's offline copy (issue 12)
    sync_required_after_days = 7

    [policy]                      # machine-wide file only
    user_may_override = ["session.idle_lock_minutes"]

Each setting is known by its table and key (``database.url``). A value the
machine-wide file sets is locked: the user's own file may change it only if
``[policy] user_may_override`` names it. A setting the machine-wide file leaves
out, the user may set. Otherwise the default applies.

The database URL is chosen, first match wins, from:

1. the ``--database`` command-line option;
2. the ``HEALTHVISITOR_DATABASE_URL`` environment variable;
3. the two files, as above;
4. the default: a SQLite file in the user's data folder.

(The option and the variable are for one run, by IT or a developer; they are
not a user's setting, so the policy does not apply to them.)

No secrets in these files: a URL with a password, or any key named like a
password, secret or token, is refused. The password for a shared PostgreSQL
database lives in the operating system's keyring (see
``healthvisitor.persistence.credentials``). Unknown settings are refused too,
so a misspelt one is never silently ignored. Paths come from platformdirs, so
they are right on Windows, macOS and Linux.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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
    """The machine-wide config file IT deploys.

    Windows: ``C:\\ProgramData\\HealthVisitor\\config.toml``; macOS:
    ``/Library/Application Support/HealthVisitor/config.toml``; Linux and the
    rest: ``/etc/healthvisitor/config.toml``. Only administrators can write there.

    ``$HEALTHVISITOR_MACHINE_CONFIG`` names another file only on a machine where
    IT has deployed none (trying a file out before roll-out; the tests). Where
    the deployed file exists it always wins: an environment variable is the
    user's to set, and must not let them step round IT's locked settings.
    """
    deployed = deployed_machine_config_file()
    override = os.environ.get(MACHINE_CONFIG_ENV)
    if override and not deployed.exists():
        return Path(override)
    return deployed


def deployed_machine_config_file() -> Path:
    """Where IT puts the machine-wide file on this platform."""
    if sys.platform == "win32":
        base = Path(platformdirs.site_config_dir(APP_NAME, appauthor=False))
    elif sys.platform == "darwin":
        base = Path(platformdirs.site_config_dir(APP_NAME))
    else:
        base = Path("/etc/healthvisitor")
    return base / CONFIG_FILE_NAME


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


# --- Settings ----------------------------------------------------------------

#: The app locks after this many minutes without use (DOMAIN.md, issue 8:
#: "locks after 10 minutes idle, configurable by the administrator").
DEFAULT_IDLE_LOCK_MINUTES = 10
#: Bounds for the idle lock: at least a minute, at most an hour, so a typo
#: such as 600 cannot leave records on an unattended screen all afternoon.
MIN_IDLE_LOCK_MINUTES = 1
MAX_IDLE_LOCK_MINUTES = 60
#: The organisation's name is printed in report headers; longer is a mistake.
MAX_ORGANISATION_NAME_LENGTH = 120
#: How many daily backups of a local SQLite database are kept (issue 9; the
#: same as healthvisitor.persistence.backup.DEFAULT_BACKUPS_KEPT, which
#: tests/persistence/test_backup.py checks). At most a year of them.
DEFAULT_BACKUPS_KEPT = 7
MAX_BACKUPS_KEPT = 366
#: A laptop offline longer than this many days must synchronise before it shows
#: records (issue 12: "a configurable limit (e.g. 7 days)"). At most 30, so a
#: typo cannot leave a month-old caseload (missed safeguarding flags) on screen.
DEFAULT_OFFLINE_SYNC_DAYS = 7
MAX_OFFLINE_SYNC_DAYS = 30

DATABASE_URL = "database.url"
#: A local SQLite database must be encrypted (issue 8, "Data on a laptop"):
#: healthvisitor.persistence.encryption. Off by default: opt-in, and the demo is never.
DATABASE_ENCRYPTED = "database.encrypted"
IDLE_LOCK_MINUTES = "session.idle_lock_minutes"
ORGANISATION_NAME = "organisation.name"
BACKUPS_KEPT = "backup.keep"
OFFLINE_SYNC_DAYS = "offline.sync_required_after_days"
#: The machine-wide file's list of settings a user's own file may change.
POLICY_OVERRIDE = "policy.user_may_override"

#: Key names that mean a secret; such a key is refused wherever it appears.
SECRET_WORDS = ("password", "passwd", "secret", "token", "credential", "api_key", "private_key")

MACHINE_WIDE = "the machine-wide config"
#: Where the demo database choice comes from (``--demo``, without ``--database``).
DEMO_SOURCE = "the demo database"
USER_OWN = "your config"
DEFAULT = "the default"


def _is_secret_name(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def _check_url(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where} must be a database URL in quotes")
    if parse_url(value, where).password is not None:
        raise ConfigurationError(
            f"{where}: the database URL contains a password. Passwords must never be kept in "
            "a file: remove it from the URL and store it with 'healthvisitor db set-password'."
        )
    return value


def _check_minutes(value: object, where: str) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not MIN_IDLE_LOCK_MINUTES <= value <= MAX_IDLE_LOCK_MINUTES
    ):
        raise ConfigurationError(
            f"{where} must be a whole number of minutes from {MIN_IDLE_LOCK_MINUTES} to "
            f"{MAX_IDLE_LOCK_MINUTES}, without quotes (for example 10), not {value!r}"
        )
    return value


def _check_backups_kept(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_BACKUPS_KEPT:
        raise ConfigurationError(
            f"{where} must be how many daily backups to keep, a whole number from 1 to "
            f"{MAX_BACKUPS_KEPT} without quotes (for example 7), not {value!r}"
        )
    return value


def _check_offline_days(value: object, where: str) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= MAX_OFFLINE_SYNC_DAYS
    ):
        raise ConfigurationError(
            f"{where} must be how many days a laptop may go without synchronising, a whole "
            f"number from 1 to {MAX_OFFLINE_SYNC_DAYS} without quotes (for example 7), "
            f"not {value!r}"
        )
    return value


def _check_yes_no(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(
            f"{where} must be true or false, without quotes (for example true), not {value!r}"
        )
    return value


def _check_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where} must be the organisation's name in quotes")
    name = " ".join(value.split())
    if len(name) > MAX_ORGANISATION_NAME_LENGTH:
        raise ConfigurationError(
            f"{where} is {len(name)} characters; shorten it to at most "
            f"{MAX_ORGANISATION_NAME_LENGTH} (it is printed at the top of reports)"
        )
    return name


#: Every setting a config file may hold, with the check its value must pass.
SETTINGS: Mapping[str, Callable[[object, str], object]] = {
    DATABASE_URL: _check_url,
    DATABASE_ENCRYPTED: _check_yes_no,
    IDLE_LOCK_MINUTES: _check_minutes,
    ORGANISATION_NAME: _check_name,
    BACKUPS_KEPT: _check_backups_kept,
    OFFLINE_SYNC_DAYS: _check_offline_days,
}


@dataclass(frozen=True)
class ConfigFile:
    """One config file: where it is, and the settings it holds (checked)."""

    path: Path
    role: str  # MACHINE_WIDE or USER_OWN
    present: bool
    values: Mapping[str, Any]
    user_may_override: frozenset[str] = frozenset()

    @property
    def source(self) -> str:
        return f"{self.role} ({self.path})"


def _flatten(data: Mapping[str, Any], path: Path, *, machine_wide: bool) -> dict[str, Any]:
    """``{"table.key": value}`` from a parsed file, refusing secrets and unknown names."""
    known = sorted(SETTINGS) + ([POLICY_OVERRIDE] if machine_wide else [])
    flat: dict[str, Any] = {}
    for table, contents in data.items():
        if _is_secret_name(table):
            raise _secret_refused(path, table)
        if not isinstance(contents, dict):
            raise ConfigurationError(
                f"{path}: '{table}' must be a [{table}] table heading, with its settings "
                f"below it; the settings this file may hold are {', '.join(known)}"
            )
        for key, value in contents.items():
            name = f"{table}.{key}"
            if _is_secret_name(key):
                raise _secret_refused(path, name)
            if name not in known:
                hint = (
                    " ([policy] belongs in the machine-wide file only)"
                    if name == POLICY_OVERRIDE
                    else ""
                )
                raise ConfigurationError(
                    f"{path}: there is no setting '{key}' under [{table}]{hint}. "
                    f"The settings this file may hold are {', '.join(known)}."
                )
            flat[name] = value
    return flat


def _secret_refused(path: Path, name: str) -> ConfigurationError:
    return ConfigurationError(
        f"{path}: '{name}' looks like a password or other secret, and secrets must never be "
        "kept in a config file. Remove it; the shared database's password is stored in the "
        "keyring with 'healthvisitor db set-password'."
    )


def read_config_file(path: Path, role: str) -> ConfigFile:
    """Read and check one config file (an absent file holds no settings)."""
    if not path.is_file():
        return ConfigFile(path, role, present=False, values={})
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read the config file {path}: {exc}") from exc
    machine_wide = role == MACHINE_WIDE
    flat = _flatten(data, path, machine_wide=machine_wide)
    values = {
        name: SETTINGS[name](value, f"{path}: [{name.split('.')[0]}] {name.split('.')[1]}")
        for name, value in flat.items()
        if name in SETTINGS
    }
    allowed = flat.get(POLICY_OVERRIDE, [])
    if not isinstance(allowed, list) or not all(isinstance(item, str) for item in allowed):
        raise ConfigurationError(
            f"{path}: [policy] user_may_override must be a list of setting names in quotes, "
            f'for example ["{IDLE_LOCK_MINUTES}"]'
        )
    unknown = sorted(set(allowed) - set(SETTINGS))
    if unknown:
        raise ConfigurationError(
            f"{path}: [policy] user_may_override names {', '.join(unknown)}, which "
            f"{'is not a setting' if len(unknown) == 1 else 'are not settings'}; "
            f"the settings are {', '.join(sorted(SETTINGS))}"
        )
    return ConfigFile(path, role, present=True, values=values, user_may_override=frozenset(allowed))


@dataclass(frozen=True)
class SettingInForce:
    """One setting's value, where it came from, and why (for ``config show``)."""

    name: str
    value: object
    source: str
    #: Whether the user's own config file may change it (the machine-wide
    #: file leaves it unset, or its policy allows it).
    user_may_change: bool
    #: Set when the user's own file gives a value that the policy sets aside.
    overruled_user_value: object | None = None


@dataclass(frozen=True)
class Settings:
    """The deployment settings in force, for any code that needs them.

    ``idle_lock_minutes`` is for the idle lock (issue 8) and
    ``organisation_name`` for report headers (None: not set, print none).
    """

    database: DatabaseChoice
    idle_lock_minutes: int
    organisation_name: str | None
    files: tuple[ConfigFile, ...]
    in_force: tuple[SettingInForce, ...]
    #: Daily backups of a local SQLite database to keep (healthvisitor.persistence.backup).
    backups_kept: int = DEFAULT_BACKUPS_KEPT
    #: Days a laptop may go without synchronising before it must (healthvisitor.sync.at_start).
    offline_sync_days: int = DEFAULT_OFFLINE_SYNC_DAYS
    #: A local SQLite database must be encrypted (never the demo database: its data is
    #: made up, and it needs no set-up). healthvisitor.persistence.encryption.
    database_encrypted: bool = False

    @property
    def encrypt_local_database(self) -> bool:
        """Whether the chosen database, if it is a local SQLite file, must be encrypted."""
        return self.database_encrypted and self.database.source != DEMO_SOURCE

    @property
    def database_url(self) -> URL:
        return self.database.url

    @property
    def files_read(self) -> tuple[Path, ...]:
        return tuple(file.path for file in self.files if file.present)


def _resolve(name: str, machine: ConfigFile, user: ConfigFile, default: object) -> SettingInForce:
    locked = name in machine.values and name not in machine.user_may_override
    if name in user.values and not locked:
        return SettingInForce(name, user.values[name], user.source, user_may_change=True)
    if name in machine.values:
        overruled = user.values.get(name) if locked else None
        return SettingInForce(
            name, machine.values[name], machine.source, not locked, overruled_user_value=overruled
        )
    return SettingInForce(name, default, DEFAULT, user_may_change=True)


def _as_int(value: object) -> int:
    assert isinstance(value, int)  # checked by _check_minutes, or the default
    return value


def load_settings(cli_url: str | None = None, *, demo: bool = False) -> Settings:
    """Read both config files and decide every setting (module docstring for the rules).

    Raises ConfigurationError, naming the file and the setting, for anything
    wrong in either file: a secret, an unknown setting, a value out of range.
    """
    machine = read_config_file(machine_config_file(), MACHINE_WIDE)
    user = read_config_file(user_config_file(), USER_OWN)
    default_url = sqlite_url(default_database_path())
    url_setting = _resolve(DATABASE_URL, machine, user, default_url)
    env = os.environ.get(DATABASE_URL_ENV)
    if cli_url:
        database = DatabaseChoice(parse_url(cli_url, "--database"), "the --database option")
    elif demo:
        database = DatabaseChoice(parse_url(sqlite_url(demo_database_path()), "demo"), DEMO_SOURCE)
    elif env:
        database = DatabaseChoice(parse_url(env, DATABASE_URL_ENV), f"${DATABASE_URL_ENV}")
    elif url_setting.source == DEFAULT:
        database = DatabaseChoice(parse_url(default_url, "default"), "the default local database")
    else:
        path = user.path if url_setting.source == user.source else machine.path
        database = DatabaseChoice(parse_url(str(url_setting.value), str(path)), str(path))
    from_a_file = database.source in (str(machine.path), str(user.path))
    url_setting = replace(
        url_setting,
        value=database.describe(),
        source=url_setting.source if from_a_file else database.source,
    )
    minutes = _resolve(IDLE_LOCK_MINUTES, machine, user, DEFAULT_IDLE_LOCK_MINUTES)
    organisation = _resolve(ORGANISATION_NAME, machine, user, None)
    backups = _resolve(BACKUPS_KEPT, machine, user, DEFAULT_BACKUPS_KEPT)
    offline_days = _resolve(OFFLINE_SYNC_DAYS, machine, user, DEFAULT_OFFLINE_SYNC_DAYS)
    encrypted = _resolve(DATABASE_ENCRYPTED, machine, user, False)
    return Settings(
        database=database,
        idle_lock_minutes=_as_int(minutes.value),
        organisation_name=None if organisation.value is None else str(organisation.value),
        files=(machine, user),
        in_force=(url_setting, encrypted, minutes, organisation, backups, offline_days),
        backups_kept=_as_int(backups.value),
        offline_sync_days=_as_int(offline_days.value),
        database_encrypted=encrypted.value is True,
    )


def choose_database(cli_url: str | None = None, *, demo: bool = False) -> DatabaseChoice:
    """Decide which database to open (see the module docstring for the order)."""
    return load_settings(cli_url, demo=demo).database
