"""The agency's Ed25519 key: made once (``dispatch-desk evidence keygen``), the private half kept
on the exporting machine (0600), the public half in settings so that any machine can verify a
package. A key is shown as base64 of its 32 raw bytes; its fingerprint is the SHA-256 of them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import EvidenceSettings

KEY_FILE_NAME = "evidence-signing.pem"


class SigningKeyError(ValueError):
    """A key is missing, unreadable or not an Ed25519 key; the message says which and where."""


def private_key_path(settings: EvidenceSettings, paths: Paths) -> Path:
    if settings.private_key_file:
        return Path(settings.private_key_file).expanduser()
    return paths.data_dir / KEY_FILE_NAME


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public(key)).decode("ascii")


def fingerprint(key: Ed25519PublicKey) -> str:
    return "SHA256:" + hashlib.sha256(raw_public(key)).hexdigest()


def generate(path: Path, *, force: bool = False) -> Ed25519PrivateKey:
    """A new key written to ``path`` readable by its owner only; an existing key is kept unless
    ``force`` (a lost key cannot sign again, a replaced one orphans what it signed)."""
    if path.exists() and not force:
        raise SigningKeyError(f"{path} already holds a signing key (replace it with --force)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return key


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyError(
            f"no signing key at {path}: make one with 'dispatch-desk evidence keygen'"
        ) from None
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path}: not a private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 key")
    return key


def parse_public(text: str, where: str) -> Ed25519PublicKey:
    """A public key as base64 of its raw bytes, or as PEM."""
    text = text.strip()
    if not text:
        raise SigningKeyError(f"{where}: empty")
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"{where}: not a public key ({exc})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"{where}: not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyError(f"{where}: not base64") from None
    if len(raw) != 32:
        raise SigningKeyError(f"{where}: an Ed25519 public key is 32 bytes, this is {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def signature_ok(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
