"""Many closed incidents with their phone calls, written straight to the store in bulk (for the
QA queue and report tests and benchmark): real rows of the real schema, made fast."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.citizen import InviteKind, SessionState
from dispatch_desk.domain.enums import CallKind, IncidentStatus
from dispatch_desk.qa import forms
from dispatch_desk.qa.evaluations import evaluate
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import Call, CitizenSession, Incident, SmsConversation, new_id
from tests.helpers.core import actor_for


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


ZONE = ZoneInfo("America/New_York")
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=ZONE)  # a Monday, well before the demo's incidents
MIDNIGHT = MONDAY.replace(hour=0)
# Week 1: 20 answered calls, 17 within 15 s (15.0 counts as within), 2 at 18 s, 1 at 25 s,
# and 2 never answered. Week 2: 10 calls, all within 10 s.
WEEK_1 = [3, 5, 6, 7, 8, 8, 9, 10, 10, 11, 12, 12, 13, 14, 14, 15, 15, 18, 18, 25, None, None]
WEEK_2 = [2, 3, 4, 4, 5, 6, 7, 8, 9, 10]


def _calls(
    core: DeskCore, start: datetime, waits: list[float | None], prefix: str, taker: Any
) -> Made:
    queue = list(waits)
    made, _ = core.store.write_sync(
        bulk_incidents,
        len(waits),
        start=start,
        span=timedelta(days=4),
        types=["MEDFALL"],
        takers=[taker],
        rng=random.Random(5),
        answer_s=lambda _r: queue.pop(0),
        prefix=prefix,
    )
    return made


def constructed_set(core: DeskCore, supervisor: Actor, now: datetime) -> dict[str, str]:
    """Two weeks (from MONDAY) of phone calls with known answer times (WEEK_1, WEEK_2), three
    evaluations (100 %, 60 %, 100 %), a text conversation and two live sessions in week 1."""
    calltaker = actor_for(core, "calltaker")
    dispatcher = actor_for(core, "dispatcher")
    week1 = _calls(core, MONDAY, WEEK_1, "W1", calltaker.user_id)
    week2 = _calls(core, MONDAY + timedelta(days=7), WEEK_2, "W2", dispatcher.user_id)
    core.store.write_sync(forms.ensure_default_form, supervisor, now)
    form = core.store.read_sync(forms.get_form, "Call taking")
    perfect = {q.id: (q.scale_max if q.kind == "scale" else "yes") for q in form.questions}
    poor = {
        **perfect,
        "address": "no",
        "callback": "no",
        "protocol": "no",
    }  # 3 + 2 + 3 of 20 lost: 60 %
    for incident_id, answers in (
        (week1.incident_ids[0], perfect),
        (week1.incident_ids[1], poor),
        (week2.incident_ids[0], perfect),
    ):
        core.store.write_sync(evaluate, supervisor, now, incident_id, form.id, answers)

    def sessions(session: Session) -> None:
        at = MONDAY + timedelta(days=1)
        session.add(
            SmsConversation(
                phone_e164="+16175550100",
                state="closed",
                started_by="caller",
                opened_at=at,
                last_at=at,
                workstation="w",
                updated_at=at,
            )
        )
        for n in range(2):
            session.add(
                CitizenSession(
                    incident_id=week1.incident_ids[n],
                    kind=InviteKind.VIDEO,
                    state=SessionState.ENDED,
                    token_hash=f"{n:064d}",
                    created_at=at,
                    expires_at=at,
                    workstation="w",
                    updated_at=at,
                )
            )

    core.store.write_sync(sessions)
    return {"calltaker": calltaker.display_name, "dispatcher": dispatcher.display_name}
