"""The workstation's credential store: the user names and passwords of camera streams.

Never a settings file. One file in the workstation's private data folder, readable by its user
only (0600), holding the secrets as one Fernet token (AES-128-CBC with HMAC-SHA256, from the
``cryptography`` package the project already depends on). The key comes from a machine key file
beside the store (0600) when there is one already, else from the OS keyring when the
``keyring`` package and a usable backend are present, else from a new key file. The key
file alone protects against a copied store file or a backup taken without it, not against
the same user on the same machine: that is what the OS keyring adds where there is one.

A camera row names its entry by ``credential_ref``; URLs in the database never carry secrets.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from dispatch_desk.cameras.streams import StreamCredentials

logger = logging.getLogger(__name__)

STORE_FILE = "camera-credentials.bin"
KEY_FILE = "camera-credentials.key"
KEYRING_SERVICE = "dispatch-desk"
KEYRING_NAME = "camera-credentials-key"


class CredentialStoreError(RuntimeError):
    """The store cannot be read (damaged file, key changed): said plainly, never guessed at."""


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` so that the file is never, even for a moment, readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _keyring_key() -> bytes | None:
    try:
        import keyring  # type: ignore[import-not-found]
        from keyring.backends import fail  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        if isinstance(keyring.get_keyring(), fail.Keyring):
            return None
        stored = keyring.get_password(KEYRING_SERVICE, KEYRING_NAME)
        if stored is None:
            stored = Fernet.generate_key().decode("ascii")
            keyring.set_password(KEYRING_SERVICE, KEYRING_NAME, stored)
        return stored.encode("ascii")
    except Exception as exc:  # a locked or broken keyring: fall back to the key file
        logger.warning("OS keyring not usable for camera credentials: %s", type(exc).__name__)
        return None


def _file_key(key_file: Path) -> bytes:
    if key_file.exists():
        return key_file.read_bytes().strip()
    key = Fernet.generate_key()
    _write_private(key_file, key)
    return key


class CredentialStore:
    def __init__(self, file: Path, key: bytes, key_source: str) -> None:
        self.file = file
        self.key_source = key_source  # "keyring" or "key file", for the report of where it is
        self._fernet = Fernet(key)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, data_dir: Path, *, use_keyring: bool = True) -> CredentialStore:
        # A key file already there is the key the store was written with: a keyring that
        # turns up later (installed, unlocked) must not make it unreadable with a new key.
        if (data_dir / KEY_FILE).exists():
            return cls(data_dir / STORE_FILE, _file_key(data_dir / KEY_FILE), "key file")
        key = _keyring_key() if use_keyring else None
        if key is not None:
            return cls(data_dir / STORE_FILE, key, "keyring")
        return cls(data_dir / STORE_FILE, _file_key(data_dir / KEY_FILE), "key file")

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.file.exists():
            return {}
        try:
            return json.loads(self._fernet.decrypt(self.file.read_bytes()))
        except (InvalidToken, ValueError) as exc:
            raise CredentialStoreError(
                f"The camera credential store {self.file} cannot be read (damaged, or its key "
                "changed). Re-enter the camera passwords by importing the cameras again."
            ) from exc

    def _save(self, entries: dict[str, dict[str, str]]) -> None:
        _write_private(self.file, self._fernet.encrypt(json.dumps(entries).encode("utf-8")))

    def _load_or_set_aside(self) -> dict[str, dict[str, str]]:
        """The entries; if the store cannot be read (its key is lost), it is renamed aside
        (kept: the old key may turn up) and a fresh one begins, so that an import can enter
        the passwords again."""
        try:
            return self._load()
        except CredentialStoreError as exc:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            aside = self.file.with_name(f"{self.file.name}.unreadable-{stamp}")
            os.replace(self.file, aside)
            logger.warning(
                "camera credential store set aside as %s, a fresh one begins: %s (%s)",
                aside.name,
                "it cannot be read with this workstation's key",
                type(exc.__cause__).__name__,
            )
            return {}

    def put_many(self, entries: dict[str, StreamCredentials]) -> None:
        """Store several entries in one write (an import stores all of its secrets or none)."""
        with self._lock:
            current = self._load_or_set_aside()
            for ref, creds in entries.items():
                current[ref] = {"username": creds.username, "password": creds.password}
            self._save(current)

    def replace(
        self, puts: dict[str, StreamCredentials], removes: set[str]
    ) -> dict[str, StreamCredentials | None]:
        """Store ``puts`` and delete ``removes`` in one write; what those entries were before
        (None: there was none), to :meth:`restore` if what they belong to is rolled back."""
        with self._lock:
            current = self._load_or_set_aside()
            before = {
                ref: StreamCredentials(e["username"], e["password"])
                if (e := current.get(ref))
                else None
                for ref in set(puts) | removes
            }
            for ref in removes:
                current.pop(ref, None)
            for ref, creds in puts.items():
                current[ref] = {"username": creds.username, "password": creds.password}
            self._save(current)
        return before

    def restore(self, before: dict[str, StreamCredentials | None]) -> None:
        with self._lock:
            current = self._load()
            for ref, creds in before.items():
                if creds is None:
                    current.pop(ref, None)
                else:
                    current[ref] = {"username": creds.username, "password": creds.password}
            self._save(current)

    def put(self, ref: str, creds: StreamCredentials) -> None:
        self.put_many({ref: creds})

    def get(self, ref: str) -> StreamCredentials | None:
        if not ref:
            return None
        with self._lock:
            entry = self._load().get(ref)
        return StreamCredentials(entry["username"], entry["password"]) if entry else None

    def remove(self, ref: str) -> None:
        with self._lock:
            current = self._load()
            if current.pop(ref, None) is not None:
                self._save(current)

    def refs(self) -> list[str]:
        with self._lock:
            return sorted(self._load())


_opened: dict[Path, CredentialStore] = {}
_opened_lock = threading.Lock()


def credential_store(data_dir: Path) -> CredentialStore:
    """The one store of a data folder (shared by the wall and the importer in one process)."""
    with _opened_lock:
        store = _opened.get(data_dir)
        if store is None:
            store = _opened[data_dir] = CredentialStore.open(data_dir)
        return store
