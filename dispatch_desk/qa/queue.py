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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from dispatch_desk.domain.agency import IncidentTypeCatalog
from dispatch_desk.domain.enums import IncidentStatus
from dispatch_desk.qa.access import QA_ROLES
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.chunks import chunks
from dispatch_desk.storage.models import Call, Incident, QaEvaluation, User

SAMPLED = "sampled"
HIGH_ACUITY = "high-acuity"


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
    return _draw(incident_id.bytes)


def _draw(id_bytes: bytes) -> float:
    digest = hashlib.sha256(b"qa-sample:" + id_bytes).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def _id_bytes(raw: Any) -> bytes:
    """An id read raw (SQLite keeps a UUID as 32 hex digits): its 16 bytes, without making a
    UUID object for every incident of the range."""
    return raw.bytes if isinstance(raw, uuid.UUID) else bytes.fromhex(raw)


def _time(raw: Any) -> datetime:
    """A time read raw: SQLite's text (UTC, as the store writes it), or a datetime."""
    if isinstance(raw, str):
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    return raw.astimezone(UTC)


def type_codes(text: str) -> frozenset[str]:
    """Type codes from a setting: space- or comma-separated, any case."""
    return frozenset(code.upper() for code in re.split(r"[\s,;]+", text) if code)


def call_takers(
    session: Session, incident_ids: Sequence[uuid.UUID], created_by: dict[uuid.UUID, Any]
) -> dict[uuid.UUID, str]:
    """Who took each incident's first call (as :func:`evaluated_for` picks it), by name; whoever
    created the incident when no call was taken by anyone (as the evaluation records it).

    Read raw (ids and times as stored; one format, so the times compare as text): a queue of
    thousands would otherwise make two UUIDs and two datetimes of every call."""
    wanted = {i.bytes: i for i in incident_ids}
    # Ordered as evaluated_for orders them: calls with a received time first, by it; then by
    # when they were logged.
    firsts: dict[bytes, tuple[tuple[bool, str, str], bytes]] = {}
    for chunk in chunks(incident_ids):
        rows = session.execute(
            select(
                type_coerce(Call.incident_id, String),
                type_coerce(Call.received_at, String),
                type_coerce(Call.created_at, String),
                type_coerce(Call.taken_by, String),
            ).where(Call.incident_id.in_(chunk), Call.taken_by.is_not(None))
        )
        for raw_incident, received, created, taken_by in rows:
            key, at = _id_bytes(raw_incident), (received is None, received or "", created)
            if key not in firsts or at < firsts[key][0]:
                firsts[key] = (at, _id_bytes(taken_by))
    users = {
        _id_bytes(raw): name
        for raw, name in session.execute(select(type_coerce(User.id, String), User.display_name))
    }
    out = {}
    for key, incident_id in wanted.items():
        if key in firsts:
            out[incident_id] = users.get(firsts[key][1], "")
        else:
            creator = created_by.get(incident_id)
            out[incident_id] = users.get(creator.bytes, "") if creator is not None else ""
    return out


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
    # Read raw: the ids of every incident of the range (thousands) are only hashed and compared;
    # only the chosen few become UUIDs (the column type's per-row work was most of the time).
    done = {
        _id_bytes(raw)
        for raw in session.scalars(select(type_coerce(QaEvaluation.incident_id, String)).distinct())
    }
    in_range = (
        Incident.status == IncidentStatus.CLOSED,
        Incident.closed_at >= since,
        Incident.closed_at < until,
    )
    # One pass over the range (an index range, read raw): the choice needs only id and type;
    # the few chosen become UUIDs and datetimes (no second read by id).
    reasons: dict[uuid.UUID, tuple[str, ...]] = {}
    chosen: list[tuple[Any, ...]] = []
    threshold = sample_percent / 100.0
    for raw_id, number, type_code, created_raw, closed_raw, creator_raw in session.execute(
        select(
            type_coerce(Incident.id, String),
            Incident.number,
            Incident.type_code,
            type_coerce(Incident.created_at, String),
            type_coerce(Incident.closed_at, String),
            type_coerce(Incident.created_by, String),
        ).where(*in_range)
    ):
        key = _id_bytes(raw_id)
        if key in done:
            continue
        why = (HIGH_ACUITY,) if type_code.upper() in acute else ()
        if _draw(key) < threshold:  # draw(), without a UUID object
            why += (SAMPLED,)
        if why:
            incident_id = uuid.UUID(bytes=key)
            reasons[incident_id] = why
            creator = uuid.UUID(bytes=_id_bytes(creator_raw)) if creator_raw is not None else None
            chosen.append(
                (incident_id, number, type_code, _time(created_raw), _time(closed_raw), creator)
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
