"""The review queue: a fixed share of closed incidents sampled at random, plus every incident of
a high-acuity type, minus those already evaluated; each entry says why it is there.

The sample is decided from the incident's id alone (SHA-256 → a number in [0, 1)), so every
workstation, and every re-run, draws the same queue for the same range and share.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.agency import IncidentTypeCatalog
from dispatch_desk.domain.enums import IncidentStatus
from dispatch_desk.qa.access import QA_ROLES
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import Call, Incident, QaEvaluation, User

SAMPLED = "sampled"
HIGH_ACUITY = "high-acuity"
_CHUNK = 500


@dataclass(frozen=True)
class QueueEntry:
    incident_id: uuid.UUID
    number: str
    type_code: str
    type_label: str
    created_at: datetime
    closed_at: datetime | None
    call_taker: str
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return " + ".join(self.reasons)


def draw(incident_id: uuid.UUID) -> float:
    """The incident's fixed draw in [0, 1): the first 64 bits of SHA-256 of its id."""
    digest = hashlib.sha256(b"qa-sample:" + incident_id.bytes).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def sampled(incident_id: uuid.UUID, percent: float) -> bool:
    return draw(incident_id) < percent / 100.0


def type_codes(text: str) -> frozenset[str]:
    """Type codes from a setting: space- or comma-separated, any case."""
    return frozenset(code.upper() for code in re.split(r"[\s,;]+", text) if code)


def _chunks(items: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def call_takers(
    session: Session, incident_ids: Sequence[uuid.UUID], created_by: dict[uuid.UUID, Any]
) -> dict[uuid.UUID, str]:
    """Who took each incident's first call (by the call's time), by display name; whoever
    created the incident when no call was taken by anyone (as the evaluation records it)."""
    firsts: dict[uuid.UUID, tuple[datetime, uuid.UUID]] = {}
    for chunk in _chunks(incident_ids):
        rows = session.execute(
            select(Call.incident_id, Call.received_at, Call.created_at, Call.taken_by).where(
                Call.incident_id.in_(chunk), Call.taken_by.is_not(None)
            )
        )
        for incident_id, received, created, taken_by in rows:
            at = received or created
            if incident_id not in firsts or at < firsts[incident_id][0]:
                firsts[incident_id] = (at, taken_by)
    users = {uid: name for uid, name in session.execute(select(User.id, User.display_name))}
    return {
        i: users.get(firsts[i][1] if i in firsts else created_by.get(i), "") for i in incident_ids
    }


def review_queue(
    session: Session,
    actor: Actor,
    now: datetime,
    since: datetime,
    until: datetime,
    *,
    sample_percent: float,
    high_acuity: Iterable[str],
    catalog: IncidentTypeCatalog | None = None,
) -> list[QueueEntry]:
    """Closed incidents with ``since <= closed_at < until`` that are sampled or of a
    high-acuity type and not evaluated yet, oldest closing first."""
    audit.require(actor, now, "qa.read", QA_ROLES)
    acute = {code.upper() for code in high_acuity}
    done = set(session.scalars(select(QaEvaluation.incident_id).distinct()))
    in_range = (
        Incident.status == IncidentStatus.CLOSED,
        Incident.closed_at >= since,
        Incident.closed_at < until,
    )
    # First pass: only what the choice needs (id, type), over every incident in the range.
    reasons: dict[uuid.UUID, tuple[str, ...]] = {}
    for incident_id, type_code in session.execute(
        select(Incident.id, Incident.type_code).where(*in_range)
    ):
        if incident_id in done:
            continue
        why = (HIGH_ACUITY,) if type_code.upper() in acute else ()
        if sampled(incident_id, sample_percent):
            why += (SAMPLED,)
        if why:
            reasons[incident_id] = why
    # Second pass: the details of the chosen few.
    chosen: list[tuple[Any, ...]] = []
    for chunk in _chunks(list(reasons)):
        chosen.extend(
            session.execute(
                select(
                    Incident.id,
                    Incident.number,
                    Incident.type_code,
                    Incident.created_at,
                    Incident.closed_at,
                    Incident.created_by,
                ).where(Incident.id.in_(chunk))
            )
        )
    chosen.sort(key=lambda row: (row[4], row[0]))  # oldest closing first
    takers = call_takers(session, [row[0] for row in chosen], {row[0]: row[5] for row in chosen})
    entries = []
    for incident_id, number, type_code, created_at, closed_at, _creator in chosen:
        kind = catalog.get(type_code) if catalog is not None else None
        entries.append(
            QueueEntry(
                incident_id,
                number,
                type_code,
                kind.label if kind else type_code,
                created_at,
                closed_at,
                takers.get(incident_id, ""),
                reasons[incident_id],
            )
        )
    return entries
