"""Legal holds: an incident on hold keeps everything it has, whatever the retention policy says.

Only supervisors and administrators place or release a hold; both are audited and narrated on
the incident, so whoever opens it sees why its records are kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import Role
from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound, RuleViolation
from dispatch_desk.storage.models import Incident, LegalHold, NarrativeEntry

HOLD_ROLES = (Role.SUPERVISOR, Role.ADMIN)
REASON_MAX = 2000
CASE_MAX = 64


@dataclass(frozen=True)
class HoldView:
    id: uuid.UUID
    incident_id: uuid.UUID
    reason: str
    case_number: str
    placed_by: str
    placed_at: datetime
    released_by: str
    released_at: datetime | None
    release_reason: str

    @property
    def active(self) -> bool:
        return self.released_at is None


def _view(hold: LegalHold) -> HoldView:
    return HoldView(
        hold.id,
        hold.incident_id,
        hold.reason,
        hold.case_number,
        hold.placed_by_name,
        hold.placed_at,
        hold.released_by_name,
        hold.released_at,
        hold.release_reason,
    )


def held_incidents() -> Select[tuple[uuid.UUID]]:
    """The ids of incidents with an active hold, as a subquery."""
    return select(LegalHold.incident_id).where(LegalHold.released_at.is_(None))


def active_hold(session: Session, incident_id: uuid.UUID) -> HoldView | None:
    hold = session.scalar(
        select(LegalHold)
        .where(LegalHold.incident_id == incident_id, LegalHold.released_at.is_(None))
        .order_by(LegalHold.placed_at)
        .limit(1)
    )
    return _view(hold) if hold is not None else None


class HeldRecords(RuleViolation):
    """Records of an incident on legal hold were to be moved to another incident: refused, and
    the refusal is audited in a transaction of its own (see ``Store.write_sync``)."""

    record_after_rollback: Any = None


def refuse_if_held(
    session: Session,
    actor: Actor,
    now: datetime,
    incident_id: uuid.UUID | None,
    action: str,
    what: str,
    **detail: Any,
) -> None:
    """Refuse moving ``what`` away from ``incident_id`` while it is on hold: retention keeps a
    held incident's records, and a move would hand them to an incident that is not held."""
    if incident_id is None:
        return
    hold = active_hold(session, incident_id)
    if hold is None:
        return
    number = session.scalar(select(Incident.number).where(Incident.id == incident_id)) or ""
    refused = HeldRecords(
        f"{number} is on legal hold ({hold.reason}): {what} stays with it until the hold "
        "is released; nothing was moved."
    )
    refused.record_after_rollback = lambda s: audit.record(
        s,
        actor,
        now,
        action,
        outcome="refused",
        held_incident=str(incident_id),
        hold=str(hold.id),
        why="legal hold",
        **detail,
    )
    raise refused


def active_holds(session: Session, incident_id: uuid.UUID) -> list[HoldView]:
    """Every hold in force on the incident, oldest first: usually one, but a hold placed on
    another desk while it was offline arrives by sync beside the one placed here."""
    rows = session.scalars(
        select(LegalHold)
        .where(LegalHold.incident_id == incident_id, LegalHold.released_at.is_(None))
        .order_by(LegalHold.placed_at, LegalHold.id)
    )
    return [_view(h) for h in rows]


def holds_of(session: Session, incident_id: uuid.UUID) -> list[HoldView]:
    rows = session.scalars(
        select(LegalHold).where(LegalHold.incident_id == incident_id).order_by(LegalHold.placed_at)
    )
    return [_view(h) for h in rows]


def _incident(session: Session, incident_id: uuid.UUID) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}")
    return incident


def _narrate(session: Session, actor: Actor, incident: Incident, text: str, now: datetime) -> None:
    session.add(
        NarrativeEntry(
            incident_id=incident.id,
            at=now,
            author_id=actor.user_id,
            author_name=actor.display_name or actor.username,
            text=text,
        )
    )
    note_change(session, "narrative", incident.id)


def _clean(text: str, what: str, limit: int, *, required: bool) -> str:
    value = " ".join(text.split())
    if required and not value:
        raise RuleViolation(f"Give the {what}.")
    if len(value) > limit:
        raise RuleViolation(f"The {what} is too long ({len(value)} characters; at most {limit}).")
    return value


def place_hold(
    session: Session,
    actor: Actor,
    incident_id: uuid.UUID,
    reason: str,
    now: datetime,
    *,
    case_number: str = "",
) -> HoldView:
    audit.require(actor, now, "evidence.hold", HOLD_ROLES, incident=str(incident_id))
    reason = _clean(reason, "reason for the hold", REASON_MAX, required=True)
    case_number = _clean(case_number, "case number", CASE_MAX, required=False)
    incident = _incident(session, incident_id)
    existing = active_hold(session, incident_id)
    if existing is not None:
        raise RuleViolation(
            f"{incident.number} is already on hold (placed by {existing.placed_by}: "
            f"{existing.reason})."
        )
    hold = LegalHold(
        incident_id=incident.id,
        reason=reason,
        case_number=case_number,
        placed_by=actor.user_id,
        placed_by_name=actor.display_name or actor.username,
        placed_at=now,
        workstation=actor.workstation,
        updated_at=now,
    )
    session.add(hold)
    session.flush()  # the column defaults, for the view returned
    case = f" (case {case_number})" if case_number else ""
    _narrate(session, actor, incident, f"Legal hold placed{case}: {reason}", now)
    audit.record(
        session,
        actor,
        now,
        "evidence.hold",
        entity_type="incident",
        entity_id=incident.id,
        number=incident.number,
        reason=reason,
        case_number=case_number,
        hold=str(hold.id),
    )
    note_change(session, "legal_hold", incident.id)
    note_change(session, "incident", incident.id)
    return _view(hold)


def release_hold(
    session: Session, actor: Actor, incident_id: uuid.UUID, reason: str, now: datetime
) -> list[HoldView]:
    """Release every hold in force on the incident (oldest first, as returned): a release that
    left one in force while saying "released" would mislead whoever ran it."""
    audit.require(actor, now, "evidence.release", HOLD_ROLES, incident=str(incident_id))
    reason = _clean(reason, "reason for the release", REASON_MAX, required=True)
    incident = _incident(session, incident_id)
    held = list(
        session.scalars(
            select(LegalHold)
            .where(LegalHold.incident_id == incident_id, LegalHold.released_at.is_(None))
            .order_by(LegalHold.placed_at, LegalHold.id)
        )
    )
    if not held:
        raise RuleViolation(f"{incident.number} is not on hold.")
    for hold in held:
        hold.released_by = actor.user_id
        hold.released_by_name = actor.display_name or actor.username
        hold.released_at = now
        hold.release_reason = reason
        hold.updated_at = now
        audit.record(
            session,
            actor,
            now,
            "evidence.release",
            entity_type="incident",
            entity_id=incident.id,
            number=incident.number,
            reason=reason,
            hold=str(hold.id),
            released_together=len(held),
        )
    if len(held) == 1:
        text = f"Legal hold released: {reason}"
    else:
        which = "; ".join(h.reason for h in held)
        text = f"Legal holds released ({len(held)}: {which}): {reason}"
    _narrate(session, actor, incident, text, now)
    note_change(session, "legal_hold", incident.id)
    note_change(session, "incident", incident.id)
    return [_view(h) for h in held]
