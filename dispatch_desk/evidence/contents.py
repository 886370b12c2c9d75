"""What goes into an incident's evidence package, read in one transaction: its media (and where
each file is), the transcript of chat and texts, the caller's location trail, its EIDO document.

Reading is preceded by the role check, so a refused export is audited like any refusal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.citizen import Direction
from dispatch_desk.domain.enums import Role
from dispatch_desk.domain.texting import SmsDirection
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound
from dispatch_desk.storage.models import (
    CameraStill,
    CitizenMedia,
    CitizenMessage,
    Incident,
    Location,
    SmsMessage,
)

EXPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class MediaItem:
    row_id: uuid.UUID
    kind: str  # recording, photo, video, still, events, camera-still
    file_name: str  # relative to the media folder of ``workstation``
    size: int
    sha256: str  # as recorded when the file was made
    workstation: str
    at: datetime
    mime: str


@dataclass(frozen=True)
class ExportPlan:
    incident_id: uuid.UUID
    number: str
    incident: dict[str, Any]
    actor: Actor
    at: datetime
    agency: str
    media: list[MediaItem]
    transcript: list[dict[str, Any]]
    trail: dict[str, Any]
    eido: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)


def find_incident(session: Session, number: str) -> uuid.UUID:
    found = session.scalar(select(Incident.id).where(Incident.number == number.strip()))
    if found is None:
        raise NotFound(f"No incident numbered {number.strip()!r}")
    return found


def plan_export(
    session: Session,
    actor: Actor,
    incident_id: uuid.UUID,
    now: datetime,
    agency: str,
    profile: Any = None,
) -> ExportPlan:
    audit.require(actor, now, "evidence.export", EXPORT_ROLES, incident=str(incident_id))
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}")
    notes: list[str] = []
    eido = _eido(session, incident_id, actor.workstation, profile, now, notes)
    return ExportPlan(
        incident_id=incident.id,
        number=incident.number,
        incident={
            "id": str(incident.id),
            "number": incident.number,
            "type": incident.type_code,
            "priority": incident.priority,
            "status": incident.status.value,
            "address": incident.address,
            "created_at": incident.created_at.isoformat(),
            "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
            "disposition": incident.disposition,
        },
        actor=actor,
        at=now,
        agency=agency,
        media=media_of(session, incident_id),
        transcript=transcript_of(session, incident_id),
        trail=trail_of(session, incident_id),
        eido=eido,
        notes=notes,
    )


def _eido(
    session: Session,
    incident_id: uuid.UUID,
    workstation: str,
    profile: Any,
    now: datetime,
    notes: list[str],
) -> dict[str, Any] | None:
    try:
        from dispatch_desk.eido.export import build_document
    except ImportError:
        notes.append("incident.eido.json not included: this version has no EIDO export")
        return None
    try:
        return build_document(session, incident_id, issuer=workstation, agency=profile, now=now)
    except (ValueError, LookupError) as exc:
        notes.append(f"incident.eido.json not included: {exc}")
        return None


def media_of(session: Session, incident_id: uuid.UUID) -> list[MediaItem]:
    items = [
        MediaItem(
            m.id,
            m.kind.value,
            m.file_name,
            m.size_bytes,
            m.sha256,
            m.workstation,
            m.at,
            m.mime,
        )
        for m in session.scalars(
            select(CitizenMedia).where(CitizenMedia.incident_id == incident_id)
        )
    ]
    items += [
        MediaItem(
            s.id,
            "camera-still",
            s.file_name,
            s.size_bytes,
            s.sha256,
            s.workstation,
            s.at,
            "image/jpeg",
        )
        for s in session.scalars(select(CameraStill).where(CameraStill.incident_id == incident_id))
    ]
    return sorted(items, key=lambda i: (i.at, str(i.row_id)))


def transcript_of(session: Session, incident_id: uuid.UUID) -> list[dict[str, Any]]:
    """Chat lines of live sessions and texts, in time order, with who said what which way."""
    entries: list[tuple[datetime, str, dict[str, Any]]] = []
    for m in session.scalars(
        select(CitizenMessage).where(CitizenMessage.incident_id == incident_id)
    ):
        from_caller = m.direction == Direction.FROM_CALLER
        entries.append(
            (
                m.at,
                str(m.id),
                {
                    "at": m.at.isoformat(),
                    "channel": "chat",
                    "direction": "from caller" if from_caller else "to caller",
                    "who": "caller" if from_caller else (m.author_name or "desk"),
                    "text": m.text,
                },
            )
        )
    for t in session.scalars(select(SmsMessage).where(SmsMessage.incident_id == incident_id)):
        inbound = t.direction == SmsDirection.IN
        entries.append(
            (
                t.created_at,
                str(t.id),
                {
                    "at": t.created_at.isoformat(),
                    "channel": "sms",
                    "direction": "from caller" if inbound else "to caller",
                    "who": t.from_e164 if inbound else f"desk ({t.purpose.value})",
                    "from": t.from_e164,
                    "to": t.to_e164,
                    "status": t.status.value,
                    "text": t.body,
                },
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]


def transcript_text(number: str, entries: list[dict[str, Any]]) -> str:
    lines = [f"Transcript of incident {number}: chat and texts, in time order (UTC)", ""]
    for e in entries:
        text = e["text"].replace("\r\n", "\n").replace("\n", "\n    ")
        lines.append(f"{e['at']}  {e['channel']:<4}  {e['direction']:<11}  {e['who']}: {text}")
    if not entries:
        lines.append("(no chat or texts)")
    return "\n".join(lines) + "\n"


def trail_of(session: Session, incident_id: uuid.UUID) -> dict[str, Any]:
    """The caller's location fixes as GeoJSON: one LineString in time order and a Point each."""
    fixes = [
        loc
        for loc in session.scalars(
            select(Location)
            .where(Location.incident_id == incident_id)
            .order_by(Location.recorded_at, Location.id)
        )
        if loc.latitude is not None and loc.longitude is not None
    ]
    features: list[dict[str, Any]] = []
    if len(fixes) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[f.longitude, f.latitude] for f in fixes],
                },
                "properties": {
                    "kind": "trail",
                    "times": [f.recorded_at.isoformat() for f in fixes],
                },
            }
        )
    for f in fixes:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [f.longitude, f.latitude]},
                "properties": {
                    "kind": "fix",
                    "time": f.recorded_at.isoformat(),
                    "accuracy_m": f.uncertainty_m,
                    "source": f.source.value,
                    "address": f.address,
                    "accepted": f.accepted,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def media_source(media_dir: Path, item: MediaItem, workstation: str) -> tuple[Path | None, str]:
    """Where the file of ``item`` is on this workstation, or why it is not included."""
    if item.workstation != workstation:
        return None, f"held on workstation {item.workstation}"
    root = media_dir.resolve()
    path = (root / item.file_name).resolve()
    if not path.is_relative_to(root) or path == root:
        return None, "its file name points outside the media folder"
    if not path.is_file():
        return None, "its file is missing on this workstation"
    return path, ""
