"""A still from a wall tile, attached to an incident: a JPEG in the media folder, its SHA-256, a
row, a narrative line and an audit record; and "send to the assigned units".

There is no unit messaging (MDT, mobile app) in Dispatch Desk yet. Sending a still records, on
the still's row, in the narrative and in the audit trail, which units it was queued for, so that
the dispatcher can read it out and a future messaging link can deliver it; nothing reaches a
unit's screen today, and the narrative line says so.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import CameraSharing
from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound, RuleViolation
from dispatch_desk.services.incidents import IncidentService
from dispatch_desk.storage.models import Assignment, Camera, CameraStill, Incident, Unit

STILLS_FOLDER = "camera-stills"


@dataclass(frozen=True)
class StillFile:
    file_name: str  # relative to the media folder
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class StillInfo:
    id: uuid.UUID
    camera_id: uuid.UUID
    incident_id: uuid.UUID
    sha256: str
    file_name: str
    size_bytes: int
    width: int
    height: int
    at: datetime
    sent_to: str


def write_still_file(media_dir: Path, camera_id: uuid.UUID, jpeg: bytes, at: datetime) -> StillFile:
    """Write the JPEG (blocking: run it off the GUI thread), readable by this user only."""
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG image")
    digest = hashlib.sha256(jpeg).hexdigest()
    folder = media_dir / STILLS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{at.strftime('%Y%m%dT%H%M%S')}-{camera_id.hex[:8]}-{digest[:12]}.jpg"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, jpeg)
        os.fsync(fd)
    finally:
        os.close(fd)
    return StillFile(f"{STILLS_FOLDER}/{name}", digest, len(jpeg))


def verify_still(media_dir: Path, still: StillInfo) -> bool:
    """Whether the file on disk is still the one that was attached."""
    try:
        data = (media_dir / still.file_name).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == still.sha256


def _info(row: CameraStill) -> StillInfo:
    return StillInfo(
        row.id,
        row.camera_id,
        row.incident_id,
        row.sha256,
        row.file_name,
        row.size_bytes,
        row.width,
        row.height,
        row.at,
        row.sent_to,
    )


def attach_still(
    session: Session,
    actor: Actor,
    incidents: IncidentService,
    camera_id: uuid.UUID,
    incident_id: uuid.UUID,
    file: StillFile,
    width: int,
    height: int,
    now: datetime,
) -> StillInfo:
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotFound(f"camera {camera_id} not found")
    if camera.sharing == CameraSharing.REGISTRY:
        raise RuleViolation(f"{camera.name} is registered only; no still can be taken from it.")
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    row = CameraStill(
        camera_id=camera.id,
        incident_id=incident.id,
        sha256=file.sha256,
        file_name=file.file_name,
        size_bytes=file.size_bytes,
        width=width,
        height=height,
        taken_by=actor.user_id,
        workstation=actor.workstation,
        at=now,
        sent_to="",
    )
    session.add(row)
    incidents.add_narrative(
        session,
        actor,
        incident.id,
        f"Camera still attached: {camera.name} at {now.strftime('%H:%M:%S')} "
        f"({width}x{height}, SHA-256 {file.sha256[:16]}…).",
        now,
    )
    audit.record(
        session,
        actor,
        now,
        "camera.still.attach",
        entity_type="camera_still",
        entity_id=row.id,
        camera_id=str(camera.id),
        camera=camera.name,
        incident_id=str(incident.id),
        number=incident.number,
        sha256=file.sha256,
        size_bytes=file.size_bytes,
    )
    note_change(session, "camera_still", row.id)
    return _info(row)


def send_to_assigned_units(
    session: Session, actor: Actor, incidents: IncidentService, still_id: uuid.UUID, now: datetime
) -> list[str]:
    """Queue the still for the units assigned to its incident (see the module's note)."""
    row = session.get(CameraStill, still_id)
    if row is None:
        raise NotFound(f"still {still_id} not found")
    signs = list(
        session.scalars(
            select(Unit.call_sign)
            .join(Assignment, Assignment.unit_id == Unit.id)
            .where(Assignment.incident_id == row.incident_id, Assignment.cleared_at.is_(None))
            .order_by(Unit.call_sign)
        )
    )
    if not signs:
        raise RuleViolation("No units are assigned to this incident; the still was not sent.")
    row.sent_to = ", ".join(signs)
    row.sent_at = now
    camera = session.get(Camera, row.camera_id)
    incidents.add_narrative(
        session,
        actor,
        row.incident_id,
        f"Camera still ({camera.name if camera else 'camera'}, SHA-256 {row.sha256[:16]}…) "
        f"queued for {row.sent_to}. No unit messaging link yet: tell the units by radio.",
        now,
    )
    audit.record(
        session,
        actor,
        now,
        "camera.still.send",
        entity_type="camera_still",
        entity_id=row.id,
        incident_id=str(row.incident_id),
        units=signs,
        delivered=False,
    )
    note_change(session, "camera_still", row.id)
    return signs


def list_stills(session: Session, incident_id: uuid.UUID) -> list[StillInfo]:
    query = select(CameraStill).where(CameraStill.incident_id == incident_id)
    return [_info(r) for r in session.scalars(query.order_by(CameraStill.at, CameraStill.id))]
