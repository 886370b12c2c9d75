"""The credential store when its key is lost: reading says so plainly, and an import (the way
to enter the passwords again) sets the unreadable store aside and starts a fresh one."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from dispatch_desk.cameras import credentials
from dispatch_desk.cameras.credentials import CredentialStore, CredentialStoreError
from dispatch_desk.cameras.streams import StreamCredentials


def test_a_lost_key_does_not_stop_an_import_from_entering_the_passwords_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "d"
    CredentialStore.open(data, use_keyring=False).put("camera:1", StreamCredentials("u", "p"))
    (data / credentials.KEY_FILE).unlink()  # a backup restored without it, a new machine
    store = CredentialStore.open(data, use_keyring=False)
    with pytest.raises(CredentialStoreError, match="cannot be read"):
        store.get("camera:1")
    caplog.set_level(logging.WARNING)
    store.put_many({"camera:1": StreamCredentials("u", "p2")})
    assert store.get("camera:1") == StreamCredentials("u", "p2")
    aside = [p for p in data.iterdir() if p.name.startswith(credentials.STORE_FILE + ".unreadable")]
    assert len(aside) == 1  # kept, not deleted: the old key may yet turn up
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warned and "set aside" in warned[0].getMessage()
    assert "p2" not in caplog.text


def test_an_existing_key_file_is_kept_when_a_keyring_turns_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "d"
    CredentialStore.open(data, use_keyring=False).put("camera:1", StreamCredentials("u", "p"))
    # A keyring becomes usable later (installed, unlocked): its key is another one.
    monkeypatch.setattr(credentials, "_keyring_key", lambda: Fernet.generate_key())
    store = CredentialStore.open(data, use_keyring=True)
    assert store.key_source == "key file"
    assert store.get("camera:1") == StreamCredentials("u", "p")
