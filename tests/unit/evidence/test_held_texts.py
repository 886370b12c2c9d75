"""A legal hold cannot be slipped by moving a held incident's text-to-911 conversation (and its
texts) to another incident: the move is refused, the refusal is on the audit trail, and the
texts stay with the held incident through retention."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.texting import Purpose, SmsDirection, SmsStatus
from dispatch_desk.evidence import holds
from dispatch_desk.evidence.retention import run_retention
from dispatch_desk.evidence.writes import direct_writer
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, RuleViolation
from dispatch_desk.storage.models import SmsConversation, SmsMessage
from tests.helpers.core import FakeClock, create_incident


def _conversation(core: DeskCore, incident_id: uuid.UUID, now: object) -> uuid.UUID:
    conversation_id = uuid.uuid4()

    def seed(session: Session) -> None:
        session.add(
            SmsConversation(
                id=conversation_id,
                phone_e164="+16175550101",
                state="closed",
                incident_id=incident_id,
                started_by="caller",
                opened_at=now,
                last_at=now,
                closed_at=now,
                updated_at=now,
            )
        )
        for i in range(3):
            session.add(
                SmsMessage(
                    direction=SmsDirection.IN,
                    purpose=Purpose.CONVERSATION,
                    from_e164="+16175550101",
                    to_e164="+15005550911",
                    body=f"text {i}",
                    status=SmsStatus.RECEIVED,
                    idempotency_key=f"in:{uuid.uuid4()}",
                    incident_id=incident_id,
                    conversation_id=conversation_id,
                    created_at=now,
                    updated_at=now,
                )
            )

    core.store.write_sync(seed)
    return conversation_id


def _texts_of(core: DeskCore, incident_id: uuid.UUID) -> int:
    return core.store.read_sync(
        lambda s: s.scalar(
            select(func.count())
            .select_from(SmsMessage)
            .where(SmsMessage.incident_id == incident_id)
        )
    )


def test_a_held_incidents_conversation_cannot_be_moved_away(
    core: DeskCore, clock: FakeClock, calltaker: Actor, supervisor: Actor
) -> None:
    held = create_incident(core, calltaker, address="1 Held St")
    other = create_incident(core, calltaker, address="2 Other St")
    for incident in (held, other):
        core.store.write_sync(
            core.incidents.close, supervisor, incident.id, core.profile.dispositions[0], clock()
        )
    conversation_id = _conversation(core, held.id, clock())
    core.store.write_sync(holds.place_hold, supervisor, held.id, "homicide investigation", clock())

    for actor in (calltaker, supervisor):  # nobody moves held records, whatever their role
        with pytest.raises(RuleViolation, match=f"{held.number} is on legal hold"):
            core.store.write_sync(
                core.conversations.attach, actor, conversation_id, other.id, clock()
            )
    summary = core.store.read_sync(core.conversations.get, conversation_id)
    assert summary.incident_id == held.id
    assert (_texts_of(core, held.id), _texts_of(core, other.id)) == (3, 0)
    refused = core.store.read_sync(audit.list_events, action="conversation.attach")
    assert [(e.username, e.outcome) for e in refused] == [
        (calltaker.username, "refused"),
        (supervisor.username, "refused"),
    ]
    assert refused[0].detail["held_incident"] == str(held.id)
    assert refused[0].detail["incident"] == str(other.id)

    clock.advance(days=400)
    report = run_retention(
        direct_writer(core.store),
        core.system_actor(),
        core.settings.retention,
        clock(),
        workstation=core.workstation,
        media_dir=core.paths.media_dir,
    )
    assert report.kinds["chat"].held == 3 and _texts_of(core, held.id) == 3

    # Released, it may move again (and then goes by the other incident's rules).
    core.store.write_sync(holds.release_hold, supervisor, held.id, "case closed", clock())
    core.store.write_sync(core.conversations.attach, calltaker, conversation_id, other.id, clock())
    assert (_texts_of(core, held.id), _texts_of(core, other.id)) == (0, 3)


def test_a_conversation_may_still_be_attached_to_a_held_incident(
    core: DeskCore, clock: FakeClock, calltaker: Actor, supervisor: Actor
) -> None:
    # Moving records INTO a held incident keeps more, never less: allowed.
    loose = create_incident(core, calltaker, address="3 Loose St")
    held = create_incident(core, calltaker, address="4 Held St")
    conversation_id = _conversation(core, loose.id, clock())
    core.store.write_sync(holds.place_hold, supervisor, held.id, "court order", clock())
    core.store.write_sync(core.conversations.attach, calltaker, conversation_id, held.id, clock())
    assert _texts_of(core, held.id) == 3
