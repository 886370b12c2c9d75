"""Many closed incidents with their phone calls, written straight to the store in bulk (for the
QA queue and report tests and benchmark): real rows of the real schema, made fast."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import CallKind, IncidentStatus
from dispatch_desk.storage.models import Call, Incident, new_id


@dataclass(frozen=True)
class Made:
    incident_ids: list[uuid.UUID]
    type_codes: list[str]
    closed_at: list[datetime]
    answer_s: list[float | None]


def bulk_incidents(
    session: Session,
    count: int,
    *,
    start: datetime,
    span: timedelta,
    types: Sequence[str],
    takers: Sequence[uuid.UUID | None],
    rng: random.Random,
    answer_s: Callable[[random.Random], float | None] = lambda r: r.expovariate(1 / 6.0),
    prefix: str = "QA",
) -> Made:
    """``count`` closed incidents spread over ``span`` from ``start``, each with one phone call
    received at its creation and answered ``answer_s`` seconds later (None: never answered)."""
    incidents, calls = [], []
    made = Made([], [], [], [])
    for n in range(count):
        created = start + span * rng.random()
        closed = created + timedelta(minutes=rng.uniform(5, 90))
        incident_id = new_id()
        kind = rng.choice(types)
        taker = rng.choice(takers)
        wait = answer_s(rng)
        incidents.append(
            {
                "id": incident_id,
                "number": f"{prefix}-{n:07d}",
                "type_code": kind,
                "apco_code": kind,
                "priority": 2,
                "status": IncidentStatus.CLOSED,
                "address": f"{n} Test St",
                "address_key": f"{n} TEST ST",
                "disposition": "Handled",
                "created_at": created,
                "updated_at": closed,
                "closed_at": closed,
                "created_by": taker,
                "workstation": "bulk",
            }
        )
        calls.append(
            {
                "id": new_id(),
                "incident_id": incident_id,
                "kind": CallKind.PHONE,
                "ali_text": "",
                "received_at": created,
                "answered_at": created + timedelta(seconds=wait) if wait is not None else None,
                "taken_by": taker if wait is not None else None,
                "workstation": "bulk",
                "created_at": created,
                "class_of_service": "",
            }
        )
        made.incident_ids.append(incident_id)
        made.type_codes.append(kind)
        made.closed_at.append(closed)
        made.answer_s.append(wait)
    for chunk in range(0, count, 5000):
        session.execute(insert(Incident), incidents[chunk : chunk + 5000])
        session.execute(insert(Call), calls[chunk : chunk + 5000])
    return made
