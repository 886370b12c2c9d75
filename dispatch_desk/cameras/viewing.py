"""Audited viewing: every time a camera is shown, who, which camera, from when to when, and for
which incident or stated purpose.

A tile opens a viewing before it plays anything and closes it when it stops showing that camera.
What may be shown is decided here, not in the widget:

- a camera in "registry only" mode is never opened (refused, and the refusal is on record);
- a camera shared "on alarm" only is opened only for an incident;
- with ``cameras.require_purpose``, a camera is opened only for an incident or a stated purpose;
- nothing is opened for a closed incident.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import CameraSharing, IncidentStatus
from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound
from dispatch_desk.storage.models import Camera, CameraViewing, Incident

MAX_PURPOSE = 500


class ViewingRefused(Exception):
    """This camera may not be shown (now, for this reason); the message says why, plainly.

    The refusal must be on record although the transaction is rolled back, so, like
    :class:`PermissionDenied`, it carries the audit row for the store to write on its own."""

    record_after_rollback = None


@dataclass(frozen=True)
class Viewing:
    """An open viewing: what the tile needs to play the camera."""

    id: uuid.UUID
    camera_id: uuid.UUID
    camera_name: str
    main_url: str
    sub_url: str
    credential_ref: str
    incident_id: uuid.UUID | None
    purpose: str
    started_at: datetime


@dataclass(frozen=True)
class ViewingRow:
    id: uuid.UUID
    camera_id: uuid.UUID
    username: str
    workstation: str
    incident_id: uuid.UUID | None
    purpose: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None


def _refuse(
    actor: Actor,
    at: datetime,
    camera: Camera | None,
    camera_id: uuid.UUID,
    why: str,
    **detail: object,
) -> ViewingRefused:
    refused = ViewingRefused(why)
    name = camera.name if camera else ""

    def write(session: Session) -> None:
        audit.record(
            session,
            actor,
            at,
            "camera.view.open",
            entity_type="camera",
            entity_id=camera_id,
            outcome="refused",
            camera=name,
            reason=why,
            **detail,
        )

    refused.record_after_rollback = write  # type: ignore[assignment]
    return refused


def open_viewing(
    session: Session,
    actor: Actor,
    camera_id: uuid.UUID,
    now: datetime,
    *,
    incident_id: uuid.UUID | None = None,
    purpose: str = "",
    require_purpose: bool = False,
    stream: str = "sub",
) -> Viewing:
    camera = session.get(Camera, camera_id)
    purpose = " ".join(purpose.split())[:MAX_PURPOSE]
    context = {"incident_id": str(incident_id or ""), "purpose": purpose}
    if camera is None or not camera.enabled:
        raise _refuse(actor, now, camera, camera_id, "This camera is not in the registry.")
    if camera.sharing == CameraSharing.REGISTRY:
        raise _refuse(
            actor,
            now,
            camera,
            camera_id,
            f"{camera.name} is registered only: its owner does not share it for viewing.",
            **context,
        )
    incident = session.get(Incident, incident_id) if incident_id is not None else None
    if incident_id is not None and incident is None:
        raise NotFound(f"incident {incident_id} not found")
    if incident is not None and incident.status == IncidentStatus.CLOSED:
        # A closed incident is no reason to watch anyone any more.
        raise _refuse(
            actor,
            now,
            camera,
            camera_id,
            f"{incident.number} is closed: leave the incident to view cameras for another reason.",
            **context,
        )
    if camera.sharing == CameraSharing.ALARM and incident_id is None:
        raise _refuse(
            actor,
            now,
            camera,
            camera_id,
            f"{camera.name} is shared on alarm only: open it from an incident.",
            **context,
        )
    if require_purpose and incident_id is None and not purpose:
        raise _refuse(
            actor,
            now,
            camera,
            camera_id,
            "A purpose is required to view a camera with no incident in hand.",
            **context,
        )
    row = CameraViewing(
        camera_id=camera.id,
        user_id=actor.user_id,
        username=actor.username,
        workstation=actor.workstation,
        incident_id=incident_id,
        purpose=purpose,
        stream=stream,
        started_at=now,
    )
    session.add(row)
    audit.record(
        session,
        actor,
        now,
        "camera.view.open",
        entity_type="camera",
        entity_id=camera.id,
        camera=camera.name,
        viewing_id=str(row.id),
        **context,
    )
    note_change(session, "camera_viewing", row.id)
    return Viewing(
        row.id,
        camera.id,
        camera.name,
        camera.main_url,
        camera.sub_url,
        camera.credential_ref,
        incident_id,
        purpose,
        now,
    )


def close_viewing(
    session: Session, actor: Actor, viewing_id: uuid.UUID, now: datetime
) -> ViewingRow | None:
    """Close a viewing (idempotent: a closed one stays as it was). None if there is no such."""
    row = session.get(CameraViewing, viewing_id)
    if row is None:
        return None
    if row.ended_at is None:
        row.ended_at = now
        row.duration_s = round(max(0.0, (now - row.started_at).total_seconds()), 3)
        camera = session.get(Camera, row.camera_id)
        audit.record(
            session,
            actor,
            now,
            "camera.view.close",
            entity_type="camera",
            entity_id=row.camera_id,
            camera=camera.name if camera else "",
            viewing_id=str(row.id),
            incident_id=str(row.incident_id or ""),
            purpose=row.purpose,
            started_at=row.started_at.isoformat(),
            duration_s=row.duration_s,
        )
        note_change(session, "camera_viewing", row.id)
    return _row(row)


def _row(r: CameraViewing) -> ViewingRow:
    return ViewingRow(
        r.id,
        r.camera_id,
        r.username,
        r.workstation,
        r.incident_id,
        r.purpose,
        r.started_at,
        r.ended_at,
        r.duration_s,
    )


def list_viewings(
    session: Session,
    *,
    camera_id: uuid.UUID | None = None,
    incident_id: uuid.UUID | None = None,
    limit: int = 500,
) -> list[ViewingRow]:
    query = select(CameraViewing).order_by(CameraViewing.started_at, CameraViewing.id)
    if camera_id is not None:
        query = query.where(CameraViewing.camera_id == camera_id)
    if incident_id is not None:
        query = query.where(CameraViewing.incident_id == incident_id)
    return [_row(r) for r in session.scalars(query.limit(limit))]
