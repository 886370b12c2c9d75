"""Checking an evidence package: the manifest's signature against the agency's key, and every
file against the manifest (size and SHA-256), files added that it does not list and files it
lists that are gone. Each failure names the file; nothing is trusted from the package itself
except to say which other key signed it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from dispatch_desk.evidence import signing
from dispatch_desk.evidence.package import CHUNK, MANIFEST, SIGNATURE


@dataclass
class VerifyReport:
    folder: Path
    failures: list[str] = field(default_factory=list)
    checked: int = 0
    signer: str = ""  # the fingerprint of the key that signed it, when it verifies
    incident: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(CHUNK):
            digest.update(piece)
    return digest.hexdigest()


def _safe(rel: str) -> bool:
    p = PurePosixPath(rel)
    return (
        bool(rel)
        and not p.is_absolute()
        and ".." not in p.parts
        and "\\" not in rel
        and "\x00" not in rel
    )


def _shown(rel: str) -> str:
    return rel if len(rel) <= 80 else f"{rel[:60]}… ({len(rel)} characters)"


OBJECTS = ("incident", "signer", "exported_by")  # each an object when exported


def _check_signature(
    report: VerifyReport, key: signing.Ed25519PublicKey, data: bytes, manifest: Any
) -> None:
    sig_path = report.folder / SIGNATURE
    try:
        text = sig_path.read_text(encoding="ascii").strip()
        signature = base64.b64decode(text, validate=True)
    except FileNotFoundError:
        report.failures.append(f"{SIGNATURE}: missing: the package is not signed")
        return
    except (UnicodeDecodeError, binascii.Error, ValueError):
        report.failures.append(f"{SIGNATURE}: not a signature (not base64 text): altered")
        return
    if len(signature) != 64:
        report.failures.append(f"{SIGNATURE}: not an Ed25519 signature: altered")
        return
    if signing.signature_ok(key, signature, data):
        report.signer = signing.fingerprint(key)
        return
    signer = manifest.get("signer") if isinstance(manifest, dict) else None
    named = signer.get("public_key") if isinstance(signer, dict) else None
    if isinstance(named, str):
        try:
            other = signing.parse_public(named, "the manifest's signer")
        except signing.SigningKeyError:
            other = None
        if (
            other is not None
            and signing.raw_public(other) != signing.raw_public(key)
            and signing.signature_ok(other, signature, data)
        ):
            report.failures.append(
                f"{MANIFEST}: signed by another key ({signing.fingerprint(other)}), "
                f"not the agency's ({signing.fingerprint(key)})"
            )
            return
    report.failures.append(
        f"{MANIFEST} / {SIGNATURE}: the signature does not match the manifest: "
        "one of them was altered"
    )


def _check_file(report: VerifyReport, path: Path, rel: str, entry: dict[str, Any]) -> None:
    if path.is_symlink():  # it could point anywhere; a package holds files
        report.failures.append(f"{rel}: a symbolic link, not a file: altered")
        return
    if not path.is_file():
        report.failures.append(f"{rel}: missing (listed in the manifest)")
        return
    size = path.stat().st_size
    if size != entry.get("size"):
        report.failures.append(
            f"{rel}: size {size} bytes, the manifest says {entry.get('size')}: altered"
        )
    elif _sha256(path) != entry.get("sha256"):
        report.failures.append(f"{rel}: SHA-256 differs from the manifest: altered")
    report.checked += 1


def verify_package(folder: Path, key: signing.Ed25519PublicKey) -> VerifyReport:
    report = VerifyReport(folder)
    if not folder.is_dir():
        report.failures.append(f"{folder}: not a folder")
        return report
    try:
        data = (folder / MANIFEST).read_bytes()
    except FileNotFoundError:
        report.failures.append(f"{MANIFEST}: missing: this is not an evidence package")
        return report
    try:
        manifest: Any = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        manifest = None
        report.failures.append(f"{MANIFEST}: not valid JSON ({exc}): altered")
    except RecursionError:
        manifest = None
        report.failures.append(f"{MANIFEST}: nested too deeply to read: altered")
    _check_signature(report, key, data, manifest)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        if manifest is not None:
            report.failures.append(f"{MANIFEST}: has no list of files: altered")
        return report
    for name in OBJECTS:
        if name in manifest and not isinstance(manifest[name], dict):
            kind = type(manifest[name]).__name__
            report.failures.append(f'{MANIFEST}: "{name}" is not an object ({kind}): altered')
    incident = manifest.get("incident")
    if isinstance(incident, dict):
        report.incident = str(incident.get("number", ""))
    listed: set[str] = set()
    for entry in manifest["files"]:
        rel = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(rel, str) or not _safe(rel) or rel in (MANIFEST, SIGNATURE):
            shown = _shown(rel) if isinstance(rel, str) else rel
            report.failures.append(f"{MANIFEST}: a file entry is not a safe path: {shown!r}")
            continue
        if rel in listed:
            report.failures.append(f"{_shown(rel)}: listed twice in the manifest")
            continue
        listed.add(rel)
        try:
            _check_file(report, folder / rel, rel, entry)
        except (OSError, ValueError) as exc:  # a name this system cannot hold, say
            why = getattr(exc, "strerror", None) or str(exc)
            report.failures.append(f"{_shown(rel)}: cannot be checked here ({why}): altered")
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        if rel not in listed and rel not in (MANIFEST, SIGNATURE):
            report.failures.append(f"{rel}: present but not in the manifest: added")
    return report
