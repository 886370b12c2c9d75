"""The evidence package: a folder holding an incident's media, transcript, location trail and
EIDO document, with ``manifest.json`` (every file's size and SHA-256, who exported it, when, from
where, for which agency, signed by which key) and ``manifest.sig`` (Ed25519 over its bytes).

A folder, not a zip: ``verify`` reads it as it is, large media are not packed twice, and a
records clerk may zip it (or burn it) with any tool; the manifest still verifies once unpacked.

Media are copied and hashed in one pass, in 1 MiB pieces, on the calling thread (the desk runs
the export on a worker thread): progress is reported as bytes done of the total, and a cancel
between pieces removes the half-made folder. Supervisors and administrators only; audited
(``evidence.export`` with the manifest's SHA-256), a cancelled or failed export too.

The package is written into a hidden staging folder in the destination and renamed into place
only after its ``evidence.export`` record is committed: a signed package never exists without
its record. If the record cannot be written (the desk closing, the database refusing) the
staging folder is removed and the failure audited when the store still takes writes.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.orm import Session

from dispatch_desk.evidence import signing
from dispatch_desk.evidence.contents import ExportPlan, media_source, plan_export, transcript_text
from dispatch_desk.evidence.writes import Write, direct_writer
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor

FORMAT = "dispatch-desk-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CHUNK = 1 << 20

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # bytes done, bytes in all, file being copied


class ExportCancelled(Exception):
    """The export was cancelled; nothing of it is left in the destination."""


@dataclass
class ExportResult:
    folder: Path
    manifest_sha256: str
    files: int
    bytes: int
    not_included: int
    warnings: list[str] = field(default_factory=list)


def lower_priority() -> None:
    """Make the calling thread yield the CPU to the desk's own (the GUI thread first): for a
    thread of its own running an export, so hashing a gigabyte never slows the dispatcher.
    Linux only (a thread's nice value); elsewhere nothing changes."""
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None:
        return
    with contextlib.suppress(OSError):
        setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def _canonical(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _stem(plan: ExportPlan) -> str:
    return f"evidence-{plan.number}-{plan.at.strftime('%Y%m%dT%H%M%SZ')}"


def _staging(dest_dir: Path, plan: ExportPlan) -> Path:
    """A hidden folder in ``dest_dir`` the package is written into: it is renamed into place
    only once its export is on the audit trail (no signed package without its record)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    folder = dest_dir / f".{_stem(plan)}.partial-{uuid.uuid4().hex[:8]}"
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)  # whatever the umask
    return folder


def _final(dest_dir: Path, plan: ExportPlan) -> Path:
    stem = _stem(plan)
    for n in range(1, 1000):
        folder = dest_dir / (stem if n == 1 else f"{stem}-{n}")
        if not folder.exists() and not folder.is_symlink():
            return folder
    raise FileExistsError(f"{dest_dir}: too many packages named {stem}")


def _owner_only_folder(folder: Path, path: Path) -> None:
    """Make ``path``'s parent folders inside ``folder`` readable by their owner only (0700),
    as the media folder is: a package is caller data."""
    parent = path.parent
    missing = []
    while parent != folder and not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for each in reversed(missing):
        each.mkdir(mode=0o700)
        each.chmod(0o700)  # whatever the umask


def _open_owner_only(path: Path) -> Any:
    """A new file readable and writable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    return os.fdopen(fd, "wb")


def _write_owner_only(path: Path, data: bytes) -> None:
    with _open_owner_only(path) as handle:
        handle.write(data)


class _Writer:
    def __init__(
        self, folder: Path, total: int, progress: Progress | None, cancel: threading.Event | None
    ) -> None:
        self.folder = folder
        self.total = total
        self.done = 0
        self.progress = progress
        self.cancel = cancel
        self.entries: list[dict[str, Any]] = []
        self._last = 0.0

    def _report(self, name: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress is not None and (force or now - self._last >= 0.05):
            self._last = now
            self.progress(self.done, self.total, name)

    def _check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ExportCancelled("The export was cancelled.")

    def put(self, rel: str, data: bytes, **extra: Any) -> None:
        self._check()
        path = self.folder / rel
        _owner_only_folder(self.folder, path)
        _write_owner_only(path, data)
        self.entries.append(
            {"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), **extra}
        )

    def copy(self, rel: str, source: Path, **extra: Any) -> str:
        """Copy ``source`` in, hashing as it goes; returns its SHA-256."""
        path = self.folder / rel
        _owner_only_folder(self.folder, path)
        digest = hashlib.sha256()
        size = 0
        self._report(rel, force=True)
        with source.open("rb") as src, _open_owner_only(path) as dst:
            while True:
                self._check()
                piece = src.read(CHUNK)
                if not piece:
                    break
                digest.update(piece)
                dst.write(piece)
                size += len(piece)
                self.done += len(piece)
                self._report(rel)
        sha = digest.hexdigest()
        self.entries.append({"path": rel, "size": size, "sha256": sha, **extra})
        return sha


def _unique(rel: str, taken: set[str], row_id: uuid.UUID) -> str:
    if rel not in taken:
        return rel
    p = PurePosixPath(rel)
    return str(p.with_name(f"{p.stem}-{str(row_id)[:8]}{p.suffix}"))


def write_package(
    plan: ExportPlan,
    *,
    media_dir: Path,
    workstation: str,
    dest_dir: Path,
    key: signing.Ed25519PrivateKey,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Make the package in a hidden staging folder under ``dest_dir`` (file work only: no
    database here); ``result.folder`` is that staging folder until :func:`export_package`
    renames it into place."""
    included: list[tuple[Any, Path]] = []
    not_included: list[dict[str, Any]] = []
    for item in plan.media:
        source, why = media_source(media_dir, item, workstation)
        if source is None:
            not_included.append(
                {
                    "kind": item.kind,
                    "file_name": item.file_name,
                    "size": item.size,
                    "sha256": item.sha256,
                    "workstation": item.workstation,
                    "at": item.at.isoformat(),
                    "reason": why,
                }
            )
        else:
            included.append((item, source))
    total = sum(source.stat().st_size for _, source in included)
    folder = _staging(dest_dir, plan)
    writer = _Writer(folder, total, progress, cancel)
    warnings: list[str] = []
    try:
        writer.put("transcript.txt", transcript_text(plan.number, plan.transcript).encode())
        writer.put("transcript.json", _canonical(plan.transcript))
        writer.put("trail.geojson", _canonical(plan.trail))
        if plan.eido is not None:
            writer.put("incident.eido.json", _canonical(plan.eido))
        taken: set[str] = set()
        for item, source in included:
            rel = _unique(f"media/{item.kind}/{source.name}", taken, item.row_id)
            taken.add(rel)
            sha = writer.copy(
                rel,
                source,
                kind=item.kind,
                mime=item.mime,
                recorded_at=item.at.isoformat(),
                recorded_sha256=item.sha256,
            )
            if sha != item.sha256:
                warnings.append(
                    f"{rel}: its SHA-256 differs from the one recorded when it was made "
                    f"({item.sha256[:12]}…): the file changed since"
                )
        writer._report("", force=True)
        public = key.public_key()
        manifest = {
            "format": FORMAT,
            "incident": plan.incident,
            "agency": plan.agency,
            "exported_by": {
                "username": plan.actor.username,
                "name": plan.actor.display_name,
                "role": plan.actor.role.value,
            },
            "exported_at": plan.at.isoformat(),
            "workstation": workstation,
            "signer": {
                "algorithm": "Ed25519",
                "public_key": signing.public_text(public),
                "fingerprint": signing.fingerprint(public),
            },
            "files": sorted(writer.entries, key=lambda e: e["path"]),
            "not_included": not_included,
            "notes": plan.notes + warnings,
        }
        data = _canonical(manifest)
        _write_owner_only(folder / MANIFEST, data)
        _write_owner_only(folder / SIGNATURE, (_b64(key.sign(data)) + "\n").encode("ascii"))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return ExportResult(
        folder=folder,
        manifest_sha256=hashlib.sha256(data).hexdigest(),
        files=len(writer.entries),
        bytes=writer.done,
        not_included=len(not_included),
        warnings=warnings,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def record_export(
    session: Session,
    actor: Actor,
    plan: ExportPlan,
    result: ExportResult | None,
    outcome: str,
    detail: str = "",
) -> None:
    extra: dict[str, Any] = {"number": plan.number}
    if result is not None:
        extra |= {
            "manifest_sha256": result.manifest_sha256,
            "files": result.files,
            "bytes": result.bytes,
            "not_included": result.not_included,
            "folder": str(result.folder),
        }
    if detail:
        extra["detail"] = detail
    audit.record(
        session,
        actor,
        plan.at,
        "evidence.export",
        entity_type="incident",
        entity_id=plan.incident_id,
        outcome=outcome,
        **extra,
    )


def export_package(
    core: Any,
    actor: Actor,
    incident_id: uuid.UUID,
    dest_dir: Path,
    progress: Progress | None = None,
    *,
    cancel: threading.Event | None = None,
    write: Write | None = None,
) -> ExportResult:
    """Export ``incident_id`` under ``dest_dir``; blocking, so the desk calls it on a worker
    thread with ``write=store_writer(core.store)``. Raises PermissionDenied (audited),
    NotFound, signing.SigningKeyError, ExportCancelled (audited) or OSError."""
    write = write or direct_writer(core.store)
    settings = core.settings
    agency = settings.evidence.agency_name or core.profile.name
    # The role check first, then everything read in one transaction.
    plan = write(plan_export, actor, incident_id, core.clock(), agency, core.profile)
    try:
        key = signing.load_private(signing.private_key_path(settings.evidence, core.paths))
    except signing.SigningKeyError as exc:  # after the role check: a failed export, on record
        _record_failure(write, actor, plan, "failed", str(exc))
        raise
    try:
        result = write_package(
            plan,
            media_dir=core.paths.media_dir,
            workstation=core.workstation,
            dest_dir=dest_dir,
            key=key,
            progress=progress,
            cancel=cancel,
        )
    except ExportCancelled:
        _record_failure(write, actor, plan, "cancelled", "")
        raise
    except OSError as exc:
        _record_failure(write, actor, plan, "failed", f"{exc.filename or ''}: {exc.strerror}")
        raise
    staged, result.folder = result.folder, _final(dest_dir, plan)
    try:
        write(record_export, actor, plan, result, "ok")
    except BaseException as exc:
        shutil.rmtree(staged, ignore_errors=True)
        _record_failure(
            write,
            actor,
            plan,
            "failed",
            f"the export could not be recorded ({type(exc).__name__}: {exc}); "
            "its package was removed",
        )
        raise
    try:
        if result.folder.exists() or result.folder.is_symlink():
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(result.folder))
        staged.rename(result.folder)
    except OSError as exc:
        shutil.rmtree(staged, ignore_errors=True)
        _record_failure(
            write,
            actor,
            plan,
            "failed",
            f"{exc.filename or result.folder}: {exc.strerror}: not put in place; "
            "its package was removed",
        )
        raise
    return result


def _record_failure(write: Write, actor: Actor, plan: ExportPlan, outcome: str, why: str) -> None:
    """Audit a failed or cancelled export when the store still takes writes (the desk may be
    closing); when it does not, say so in the log: nothing of the package is left."""
    try:
        write(record_export, actor, plan, None, outcome, why)
    except Exception as exc:  # the store is gone or refusing: log it instead
        logger.warning(
            "evidence export of %s %s and could not be audited (%s: %s); no package was kept",
            plan.number,
            outcome,
            type(exc).__name__,
            exc,
        )
