"""Bookmarks and notes at a point of an incident's timeline: who marked which instant and why.

Reviewers only (supervisors and admins); each one is audited and synced (``review_bookmark``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.events import note_change
from dispatch_desk.review.timeline import REVIEW_ROLES
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound, RuleViolation
from dispatch_desk.storage.models import CitizenMedia, Incident, ReviewBookmark

NOTE_MAX_CHARS = 2000


@dataclass(frozen=True)
class BookmarkView:
    id: uuid.UUID
    incident_id: uuid.UUID
    media_id: uuid.UUID | None
    at: datetime
    note: str
    author_name: str
    workstation: str
    created_at: datetime


def _view(row: ReviewBookmark) -> BookmarkView:
    return BookmarkView(
        row.id,
        row.incident_id,
        row.media_id,
        row.at,
        row.note,
        row.author_name,
        row.workstation,
        row.created_at,
    )


def add(
    session: Session,
    actor: Actor,
    incident_id: uuid.UUID,
    at: datetime,
    note: str,
    now: datetime,
    *,
    media_id: uuid.UUID | None = None,
) -> BookmarkView:
    audit.require(actor, now, "review.bookmark", REVIEW_ROLES, incident=str(incident_id))
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise RuleViolation(f"A note is at most {NOTE_MAX_CHARS} characters ({len(note)} typed).")
    if session.get(Incident, incident_id) is None:
        raise NotFound(f"No incident {incident_id}.")
    if media_id is not None:
        media = session.get(CitizenMedia, media_id)
        if media is None or media.incident_id != incident_id:
            raise NotFound("That recording is not part of this incident.")
    row = ReviewBookmark(
        incident_id=incident_id,
        media_id=media_id,
        at=at,
        note=note,
        author_id=actor.user_id,
        author_name=actor.display_name,
        workstation=actor.workstation,
        created_at=now,
    )
    session.add(row)
    audit.record(
        session,
        actor,
        now,
        "review.bookmark",
        entity_type="review_bookmark",
        entity_id=row.id,
        incident=str(incident_id),
        marked_at=at.isoformat(),
        media=str(media_id or ""),
        chars=len(note),
    )
    note_change(session, "review_bookmark", row.id)
    return _view(row)


def list_for(session: Session, incident_id: uuid.UUID) -> list[BookmarkView]:
    return [
        _view(row)
        for row in session.scalars(
            select(ReviewBookmark)
            .where(ReviewBookmark.incident_id == incident_id)
            .order_by(ReviewBookmark.at, ReviewBookmark.id)
        )
    ]
