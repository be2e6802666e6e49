"""The laptop's copy is encrypted at rest, its key in the keyring (issue 12).

The copy is an SQLCipher file; these tests read its bytes, give it a wrong
key or none, and take the keyring away.
"""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
import sqlcipher3
from sqlalchemy import Engine, select, text

from healthvisitor.persistence.database import SCHEMA_HEAD, current_revision
from healthvisitor.persistence.models import Carer, Child, Family
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.sync import pull
from healthvisitor.sync.local import (
    KEYRING_SERVICE,
    LocalCopyUnavailableError,
    keyring_account,
    open_local_copy,
    wipe_local_copy,
)
from tests.keyrings import MemoryKeyring
from tests.sync.conftest import TODAY, Scene, new_laptop
from tests.sync.offline import record_new_birth_visit


def on_disk(path: Path) -> bytes:
    """The bytes of the copy and of the files SQLite keeps beside it."""
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(file.read_bytes() for file in files if file.exists())


def identifying_words(scene: Scene) -> list[bytes]:
    with unit_of_work(scene.server) as session:
        sam = session.get_one(Child, scene.sam_id)
        family = session.get_one(Family, scene.family_id)
        mother = session.get_one(Carer, scene.mother_id)
        words = [sam.nhs_number, family.family_name, mother.given_name]
    return [word.encode() for word in words if word]


@pytest.mark.postgres
def test_the_file_on_disk_holds_no_nhs_number_and_no_name(
    scene: Scene, laptops: tuple[Engine, Engine], tmp_path: Path
) -> None:
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    path = Path(str(laptop.url.database))
    words = identifying_words(scene)
    assert len(words) == 3
    with laptop.connect() as connection:  # with its key the copy holds them all
        assert connection.scalar(select(Child.nhs_number)) == words[0].decode()
        assert connection.scalar(select(Family.family_name)) == words[1].decode()

    written = on_disk(path)  # the write-ahead log as it stands, then the file alone
    laptop.dispose()
    folded = on_disk(path)

    for contents in (written, folded):
        assert len(contents) > 100_000
        for word in words:
            assert word not in contents
    # The same search finds them in a plain export of the same copy: it can fail.
    plain = tmp_path / "plain.db"
    connection = sqlcipher3.connect(str(path))
    key = keyring.get_password(KEYRING_SERVICE, keyring_account(path))
    connection.execute(f"PRAGMA key = \"x'{key}'\"")
    connection.execute(f"ATTACH DATABASE '{plain}' AS plain KEY ''")
    connection.execute("SELECT sqlcipher_export('plain')")
    connection.execute("DETACH DATABASE plain")
    connection.close()
    assert all(word in plain.read_bytes() for word in words)


def test_a_new_copy_is_migrated_with_the_usual_settings_and_its_key_kept(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    path = tmp_path / "laptop" / "offline.db"
    engine = open_local_copy(path)
    try:
        assert current_revision(engine) == SCHEMA_HEAD
        with engine.connect() as connection:
            settings = [
                connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "cipher_version")
            ]
    finally:
        engine.dispose()
    assert settings[:3] == ["wal", 1, 2]  # WAL, foreign keys on, synchronous=FULL
    assert str(settings[3]).startswith("4.")
    (key,) = memory_keyring.entries.values()
    assert len(key) == 64 and key not in path.read_text(errors="replace")
    assert not path.read_bytes().startswith(b"SQLite format 3")
    reopened = open_local_copy(path)  # the same key from the keyring opens it again
    reopened.dispose()


@pytest.mark.parametrize(
    "backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring], ids=["fail", "null"]
)
def test_no_copy_is_made_without_a_keyring_and_no_key_is_written(
    backend: type[keyring.backend.KeyringBackend], tmp_path: Path
) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(backend())
    try:
        with pytest.raises(LocalCopyUnavailableError, match="No offline copy was made"):
            open_local_copy(tmp_path / "laptop" / "offline.db")
    finally:
        keyring.set_keyring(before)
    assert list((tmp_path / "laptop").iterdir()) == []


@pytest.fixture
def made_copy(_encrypted_template: Path, memory_keyring: MemoryKeyring, tmp_path: Path) -> Path:
    path = tmp_path / "laptop" / "offline.db"
    new_laptop(_encrypted_template, path, memory_keyring).dispose()
    return path


def test_a_wrong_key_is_explained_and_the_file_left_alone(
    made_copy: Path, memory_keyring: MemoryKeyring
) -> None:
    contents = made_copy.read_bytes()
    memory_keyring.set_password(KEYRING_SERVICE, keyring_account(made_copy), "00" * 32)
    with pytest.raises(LocalCopyUnavailableError, match="does not match the file"):
        open_local_copy(made_copy)
    assert made_copy.read_bytes() == contents


def test_a_missing_key_is_explained_and_the_file_left_alone(
    made_copy: Path, memory_keyring: MemoryKeyring
) -> None:
    contents = made_copy.read_bytes()
    memory_keyring.entries.clear()
    with pytest.raises(LocalCopyUnavailableError, match="its key is not in this computer"):
        open_local_copy(made_copy)
    assert made_copy.read_bytes() == contents


def test_an_unreachable_keyring_for_an_existing_copy_is_explained(made_copy: Path) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(LocalCopyUnavailableError, match="keyring, which holds its key"):
            open_local_copy(made_copy)
    finally:
        keyring.set_keyring(before)


def test_wiping_deletes_the_file_the_files_beside_it_and_the_key(
    made_copy: Path, memory_keyring: MemoryKeyring
) -> None:
    for suffix in ("-wal", "-shm"):  # as a crash leaves them
        made_copy.with_name(made_copy.name + suffix).write_bytes(b"left behind")
    assert wipe_local_copy(made_copy)
    assert list(made_copy.parent.iterdir()) == []
    assert memory_keyring.entries == {}
    assert not wipe_local_copy(made_copy)
