"""Automatic status texts to the caller: confirmation, dispatched, en route, on scene, delay
notices, outcome; never where a text could endanger the caller."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dispatch_desk.services.context import Actor


@dataclass(frozen=True)
class SentText:
    rule: str  # "confirm", "dispatched", "en_route", "on_scene", "delay_15", "outcome", "survey"
    message_id: uuid.UUID | None
    at: datetime
    status: str


@dataclass(frozen=True)
class IncidentTexting:
    incident_id: uuid.UUID
    phone_e164: str | None
    mobile: bool
    language: str
    suppressed: bool
    suppressed_by: str
    suppressed_reason: str
    sensitive: bool
    in_progress: bool
    texts: tuple[SentText, ...]


def set_suppressed(
    session: Session,
    actor: Actor,
    incident_id: uuid.UUID,
    suppressed: bool,
    now: datetime,
    reason: str = "",
) -> None:
    raise NotImplementedError


def texting_state(session: Session, incident_id: uuid.UUID) -> IncidentTexting | None:
    raise NotImplementedError
