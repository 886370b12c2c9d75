"""A realistic incident worked through the real services, for the EIDO tests: two calls (the
second from another caller), the carrier's ALI and a phone GPS trail, the GPS point accepted,
two units moving through their statuses, narrative, a status text out and a text back, a live
session's chat, then closed with a disposition."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.citizen import Direction, InviteKind, MediaKind
from dispatch_desk.domain.enums import LocationSource, UnitStatus
from dispatch_desk.domain.location import Position
from dispatch_desk.domain.texting import Purpose, SmsDirection, SmsStatus
from dispatch_desk.gateway import tokens
from dispatch_desk.messaging import outbox
from dispatch_desk.services.citizen import CitizenService, caller_actor
from dispatch_desk.storage.models import CitizenMedia, Location, SmsMessage
from tests.helpers.core import actor_for, create_incident, free_units, valid_intake

RECORDING_SHA256 = hashlib.sha256(b"webm").hexdigest()
TRAIL = [(42.3601, -71.0589, 12.0), (42.3604, -71.0585, 9.0), (42.3607, -71.0581, 6.0)]


def worked_incident(core: DeskCore) -> uuid.UUID:
    clock = core.clock
    calltaker = actor_for(core, "calltaker")
    dispatcher = actor_for(core, "dispatcher")
    incident = create_incident(
        core,
        calltaker,
        address="480 N Main St",
        narrative="Man collapsed outside the pharmacy, breathing, not responding.",
        received_at=clock() - timedelta(seconds=75),
        answered_at=clock() - timedelta(seconds=70),
        carrier_position=Position(42.3598, -71.0601, 800.0),
        position=Position(42.3605, -71.0583),
    )
    write = core.store.write_sync

    clock.advance(seconds=40)
    write(
        core.incidents.add_call,
        calltaker,
        incident.id,
        valid_intake(
            core,
            callback_number="(617) 555-0199",
            ani="(617) 555-0199",
            caller_name="Dana Witness",
            ali="VOIP · 22 ELM ST",
            address="480 N Main St",
            narrative="Second caller: bystander doing CPR now.",
            received_at=clock() - timedelta(seconds=30),
            answered_at=clock() - timedelta(seconds=22),
        ),
        clock(),
    )

    def trail(session: object) -> None:
        for n, (lat, lon, acc) in enumerate(TRAIL):
            session.add(  # type: ignore[attr-defined]
                Location(
                    incident_id=incident.id,
                    source=LocationSource.DEVICE,
                    latitude=lat,
                    longitude=lon,
                    uncertainty_m=acc,
                    accepted=False,
                    recorded_at=clock() + timedelta(seconds=5 * n),
                )
            )

    write(trail)
    clock.advance(seconds=20)
    lat, lon, acc = TRAIL[-1]
    write(
        core.incidents.place,
        calltaker,
        incident.id,
        Position(lat, lon, acc),
        LocationSource.DEVICE,
        clock(),
    )

    units = free_units(core, 2)
    for unit in units:
        clock.advance(seconds=15)
        write(core.units.assign, dispatcher, unit.id, incident.id, clock())
    for status in (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE):
        clock.advance(minutes=3)
        write(core.units.set_status, dispatcher, units[0].id, status, clock())
    clock.advance(minutes=1)
    write(core.units.set_status, dispatcher, units[1].id, UnitStatus.EN_ROUTE, clock())

    clock.advance(seconds=30)
    write(
        outbox.enqueue,
        to_e164="+16175550101",
        body="Riverton 911: help is on the way.",
        purpose=Purpose.STATUS,
        key=f"test:{incident.id}:dispatched",
        now=clock(),
        incident_id=incident.id,
        user_id=dispatcher.user_id,
    )
    clock.advance(seconds=50)

    def reply(session: object) -> None:
        now = clock()
        session.add(  # type: ignore[attr-defined]
            SmsMessage(
                direction=SmsDirection.IN,
                purpose=Purpose.STATUS,
                from_e164="+16175550101",
                to_e164="+16175550000",
                body="Thank you, he is breathing better",
                status=SmsStatus.RECEIVED,
                provider_sid=f"SM{uuid.uuid4().hex}",
                idempotency_key=f"in:{uuid.uuid4().hex}",
                incident_id=incident.id,
                created_at=now,
                updated_at=now,
            )
        )

    write(reply)

    citizen = CitizenService(core.incidents)
    now = clock()
    view, _ = write(
        citizen.invite,
        calltaker,
        incident.id,
        InviteKind.LOCATION,
        tokens.token_hash(tokens.new_token()),
        now,
        now + timedelta(minutes=30),
        phone_e164="+16175550101",
        language="en",
        sent_by_sms=False,
    )
    clock.advance(seconds=10)
    write(
        citizen.add_message,
        caller_actor(core.workstation),
        view.id,
        Direction.FROM_CALLER,
        "We are at the side door <b>now</b>",
        clock(),
    )
    clock.advance(seconds=5)
    write(citizen.add_message, calltaker, view.id, Direction.TO_CALLER, "Stay there.", clock())

    def recording(session: object) -> None:
        session.add(  # type: ignore[attr-defined]
            CitizenMedia(
                session_id=view.id,
                incident_id=incident.id,
                kind=MediaKind.RECORDING,
                mime="video/webm",
                size_bytes=4,
                sha256=RECORDING_SHA256,
                file_name="session-1/recording-001.webm",
                workstation=core.workstation,
                duration_s=12.5,
                at=clock(),
            )
        )

    write(recording)
    clock.advance(minutes=20)
    write(core.incidents.close, dispatcher, incident.id, core.profile.dispositions[0], clock())
    return incident.id
