"""The window's start on an encrypted laptop database whose key is wrong or missing, or
whose keyring is gone (issue 8): one message box in the user's words, no window, no
traceback, and the file untouched."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from healthvisitor.config import user_config_file
from healthvisitor.persistence.encryption import DATABASE_KEYRING_SERVICE, keyring_account
from healthvisitor.startup import open_database
from healthvisitor.ui import app
from tests.keyrings import MemoryKeyring


@pytest.fixture
def problems(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the start told the user (instead of a blocking message box)."""
    shown: list[str] = []

    def critical(_parent: object, title: str, message: str) -> QMessageBox.StandardButton:
        assert title == "HealthVisitor cannot start"
        shown.append(message)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "critical", critical)
    return shown


@pytest.fixture
def encrypted(memory_keyring: MemoryKeyring, tmp_path: Path) -> Path:
    file = user_config_file()
    file.parent.mkdir(parents=True)
    file.write_text("[database]\nencrypted = true\n")
    path = tmp_path / "laptop.db"
    open_database(f"sqlite:///{path}").engine.dispose()
    return path


@pytest.mark.parametrize("trouble", ["wrong key", "missing key", "no keyring"])
def test_the_window_explains_a_key_problem_and_leaves_the_file_alone(
    qtbot: QtBot,
    encrypted: Path,
    memory_keyring: MemoryKeyring,
    problems: list[str],
    trouble: str,
) -> None:
    contents = encrypted.read_bytes()
    account = (DATABASE_KEYRING_SERVICE, keyring_account(encrypted))
    kept = keyring.get_keyring()
    if trouble == "wrong key":
        memory_keyring.entries[account] = "00" * 32
    elif trouble == "missing key":
        del memory_keyring.entries[account]
    else:
        keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        assert app.main(["--database", f"sqlite:///{encrypted}"]) == 1
    finally:
        keyring.set_keyring(kept)
    [message] = problems
    assert message.startswith(f"The database file {encrypted}")
    expected = {
        "wrong key": "the key does not match the file",
        "missing key": "its key is not in this computer's keyring",
        "no keyring": "it has no usable keyring",
    }[trouble]
    assert expected in message
    assert "has not opened it" in message and "Tell IT" in message
    assert "Error" not in message and "Traceback" not in message  # not a programmer's words
    assert encrypted.read_bytes() == contents
