"""Opening a recording to play it: supervisors and admins only, and every look is on record.

``recording.view`` says who, which media, which incident, from which workstation. A recording's
file stays on the workstation that recorded it (only its row and hash travel); asked for on
another, the answer names where it is, and that attempt is on record too (outcome
``elsewhere``). A file missing from its own workstation is said plainly (outcome ``missing``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from dispatch_desk.domain.citizen import MediaKind
from dispatch_desk.review.timeline import REVIEW_ROLES
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound
from dispatch_desk.storage.models import CitizenMedia


@dataclass(frozen=True)
class RecordingAccess:
    media_id: uuid.UUID
    incident_id: uuid.UUID
    path: Path | None  # the file to play; None when it cannot be played here
    message: str  # why not, for the dispatcher ("" when path is given)
    held_on: str  # the workstation that holds the file


def open_recording(
    session: Session,
    actor: Actor,
    media_id: uuid.UUID,
    now: datetime,
    *,
    media_dir: Path,
) -> RecordingAccess:
    audit.require(actor, now, "recording.view", REVIEW_ROLES, media=str(media_id))
    media = session.get(CitizenMedia, media_id)
    if media is None or media.kind != MediaKind.RECORDING:
        raise NotFound(f"No recording {media_id}.")
    path: Path | None = None
    if media.workstation != actor.workstation:
        outcome = "elsewhere"
        message = (
            f"This recording is held on workstation {media.workstation}; "
            "open it there (its files do not leave the workstation that recorded it)."
        )
    else:
        candidate = media_dir / media.file_name
        if candidate.is_file():
            outcome, message, path = "ok", "", candidate
        else:
            outcome = "missing"
            message = f"The recording's file is missing from this workstation ({media.file_name})."
    audit.record(
        session,
        actor,
        now,
        "recording.view",
        entity_type="citizen_media",
        entity_id=media.id,
        outcome=outcome,
        incident=str(media.incident_id),
        held_on=media.workstation,
        sha256=media.sha256,
    )
    return RecordingAccess(media.id, media.incident_id, path, message, media.workstation)
