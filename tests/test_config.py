"""Deployment settings: the machine-wide file IT deploys, the user's own, and the policy.

conftest gives every test its own (empty) user and machine-wide config paths.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from healthvisitor import config
from healthvisitor.cli import main
from healthvisitor.config import (
    DEFAULT_IDLE_LOCK_MINUTES,
    load_settings,
    machine_config_file,
    user_config_file,
)
from healthvisitor.errors import ConfigurationError

TRUST_DB = "postgresql://hv_app@db.trust.nhs.uk:5432/healthvisitor"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def machine(text: str) -> Path:
    return write(machine_config_file(), text)


def user(text: str) -> Path:
    return write(user_config_file(), text)


IT_DEPLOYMENT = f"""
[database]
url = "{TRUST_DB}"

[session]
idle_lock_minutes = 15

[organisation]
name = "Anytown Community Health NHS Trust"

[policy]
user_may_override = ["organisation.name"]
"""


def test_without_config_files_the_defaults_apply() -> None:
    settings = load_settings()
    assert settings.idle_lock_minutes == DEFAULT_IDLE_LOCK_MINUTES == 10
    assert settings.organisation_name is None
    assert settings.database.source == "the default local database"
    assert settings.database_url.get_backend_name() == "sqlite"
    assert settings.files_read == ()


def test_it_settings_apply_and_lock_what_the_policy_does_not_open() -> None:
    machine_file = machine(IT_DEPLOYMENT)
    user_file = user(
        '[database]\nurl = "sqlite:///mine.db"\n'
        "[session]\nidle_lock_minutes = 45\n"
        '[organisation]\nname = "  Riverside   clinic "\n'
    )
    settings = load_settings()
    # Locked by IT: the user's own database and idle lock are set aside.
    assert settings.database.source == str(machine_file)
    assert settings.database_url.host == "db.trust.nhs.uk"
    assert settings.idle_lock_minutes == 15
    # Opened by the policy: the user's own organisation name wins (spaces tidied).
    assert settings.organisation_name == "Riverside clinic"
    assert settings.files_read == (machine_file, user_file)
    by_name = {setting.name: setting for setting in settings.in_force}
    assert by_name["session.idle_lock_minutes"].overruled_user_value == 45
    assert not by_name["session.idle_lock_minutes"].user_may_change
    assert by_name["organisation.name"].source == f"your config ({user_file})"
    assert by_name["organisation.name"].user_may_change


def test_a_user_may_set_what_the_machine_wide_file_leaves_out() -> None:
    machine('[organisation]\nname = "Anytown NHS Trust"\n')
    user_file = user(f'[database]\nurl = "{TRUST_DB}"\n[session]\nidle_lock_minutes = 5\n')
    settings = load_settings()
    assert settings.database.source == str(user_file)
    assert settings.idle_lock_minutes == 5
    assert settings.organisation_name == "Anytown NHS Trust"


def test_the_option_and_the_environment_variable_still_choose_the_database_for_one_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    machine(IT_DEPLOYMENT)
    assert load_settings("sqlite:///one-run.db").database.source == "the --database option"
    monkeypatch.setenv("HEALTHVISITOR_DATABASE_URL", "sqlite:///env.db")
    assert load_settings().database_url.database == "env.db"
    assert load_settings(demo=True).database_url.database.endswith("demo.db")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[database]\npassword = "Winter2026"\n', "database.password"),
        ('[organisation]\napi_token = "abc123"\n', "organisation.api_token"),
        ('[secrets]\nkey = "abc123"\n', "secrets"),
        ('[session]\nDB_Secret = "abc123"\n', "session.DB_Secret"),
    ],
)
@pytest.mark.parametrize("where", [machine, user])
def test_secrets_are_refused_in_either_file(
    text: str, named: str, where: Callable[[str], Path]
) -> None:
    path = where(text)
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    message = str(refused.value)
    assert str(path) in message and f"'{named}'" in message
    assert "secrets must never be kept in a config file" in message
    assert "healthvisitor db set-password" in message
    assert "Winter2026" not in message and "abc123" not in message


def test_a_password_in_the_machine_wide_url_is_refused() -> None:
    machine('[database]\nurl = "postgresql://hv:Winter2026@db/health"\n')
    with pytest.raises(ConfigurationError, match="must never be kept in a file") as refused:
        load_settings()
    assert "Winter2026" not in str(refused.value)


@pytest.mark.parametrize("value", ["0", "61", '"10"', "true", "10.5"])
def test_idle_lock_minutes_must_be_a_whole_number_in_range(value: str) -> None:
    machine(f"[session]\nidle_lock_minutes = {value}\n")
    with pytest.raises(ConfigurationError, match="whole number of minutes from 1 to 60"):
        load_settings()


def test_a_misspelt_setting_is_refused_with_the_names_that_exist() -> None:
    machine("[session]\nidle_lock_minute = 10\n")
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    message = str(refused.value)
    assert "no setting 'idle_lock_minute' under [session]" in message
    assert "session.idle_lock_minutes" in message


def test_only_the_machine_wide_file_holds_a_policy() -> None:
    user('[policy]\nuser_may_override = ["database.url"]\n')
    with pytest.raises(ConfigurationError, match="machine-wide file only"):
        load_settings()


def test_a_policy_naming_an_unknown_setting_is_refused() -> None:
    machine('[policy]\nuser_may_override = ["session.idle_lock"]\n')
    with pytest.raises(ConfigurationError, match=r"session\.idle_lock, which is not a setting"):
        load_settings()


def test_a_broken_file_names_itself() -> None:
    path = machine("[session\nidle_lock_minutes = 10\n")
    with pytest.raises(ConfigurationError, match="cannot read the config file") as refused:
        load_settings()
    assert str(path) in str(refused.value)


def test_machine_wide_file_location_per_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEALTHVISITOR_MACHINE_CONFIG")
    calls: list[tuple[str, object]] = []

    def site_config_dir(appname: str, appauthor: object = None) -> str:
        calls.append((appname, appauthor))
        return "/site"

    monkeypatch.setattr(config.platformdirs, "site_config_dir", site_config_dir)
    monkeypatch.setattr(sys, "platform", "linux")
    assert machine_config_file() == Path("/etc/healthvisitor/config.toml")
    monkeypatch.setattr(sys, "platform", "win32")
    # C:\ProgramData\HealthVisitor: no second "HealthVisitor" folder for the author.
    assert machine_config_file() == Path("/site/config.toml")
    assert calls == [("HealthVisitor", False)]
    monkeypatch.setattr(sys, "platform", "darwin")
    assert machine_config_file() == Path("/site/config.toml")
    monkeypatch.setenv("HEALTHVISITOR_MACHINE_CONFIG", "/it/hv.toml")
    assert machine_config_file() == Path("/it/hv.toml")


def test_the_variable_cannot_step_round_a_file_it_has_deployed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    deployed = tmp_path / "etc" / "config.toml"
    monkeypatch.setattr(config, "deployed_machine_config_file", lambda: deployed)
    monkeypatch.setenv("HEALTHVISITOR_MACHINE_CONFIG", str(tmp_path / "mine.toml"))
    # Nothing deployed yet: the variable names the file to try out.
    assert machine_config_file() == tmp_path / "mine.toml"
    deployed.parent.mkdir()
    deployed.write_text("[session]\nidle_lock_minutes = 10\n", encoding="utf-8")
    # IT's file is there: it wins, whatever the user's environment says.
    assert machine_config_file() == deployed


def test_config_show_says_which_files_it_read_and_where_each_value_came_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    machine_file = machine(IT_DEPLOYMENT)
    user("[session]\nidle_lock_minutes = 45\n")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert f"machine-wide config: {machine_file} (read)" in out
    assert f"user config:         {user_config_file()} (read)" in out
    lines = out.splitlines()
    idle = lines.index("session.idle_lock_minutes  15")
    assert f"from the machine-wide config ({machine_file})" in lines[idle + 1]
    assert "your config may not change it" in lines[idle + 1]
    name = lines.index("organisation.name          Anytown Community Health NHS Trust")
    assert "may not change" not in lines[name + 1]
    assert "your config sets session.idle_lock_minutes = 45" in out
    assert "db.trust.nhs.uk" in out


def test_config_show_reports_a_refused_file_as_one_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    machine('[database]\ntoken = "abc123"\n')
    assert main(["config", "show"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("healthvisitor: ")
    assert "'database.token' looks like a password or other secret" in captured.err
    assert "abc123" not in captured.err + captured.out
