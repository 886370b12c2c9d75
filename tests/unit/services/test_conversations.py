"""Text-to-911 conversations on the real store: the queue, the limit, replies through the outbox,
attaching to an incident, the centre starting one, closing; and the alert for a new one."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import Role
from dispatch_desk.domain.texting import Purpose, SmsStatus
from dispatch_desk.messaging import inbound
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, RuleViolation
from dispatch_desk.services.conversations import ConversationLimitReached
from dispatch_desk.storage.models import NarrativeEntry, SmsMessage
from tests.helpers.core import actor_for, create_incident, make_core

CENTRE = "+15005550911"
_sids = itertools.count(1)


@pytest.fixture
def core(tmp_path: Path) -> Any:
    desk = make_core(tmp_path)
    yield desk
    desk.close()


def receive(core: DeskCore, phone: str, body: str, *, media: int = 0, sid: str = "") -> Any:
    core.clock.advance(seconds=1)  # type: ignore[attr-defined]  # texts a second apart
    conversation_id, changes = core.store.write_sync(
        core.conversations.receive,
        from_e164=phone,
        to_e164=CENTRE,
        body=body,
        media_count=media,
        sid=sid or f"SM{next(_sids):032d}",
        now=core.clock(),
    )
    core.bus.publish(changes)  # as store.write does once the transaction is in
    return conversation_id


def test_a_text_from_a_new_number_waits_and_raises_an_alert(core: DeskCore) -> None:
    conversation_id = receive(core, "+16175550111", "help, someone is in my house")
    waiting = core.store.read_sync(core.conversations.waiting)
    assert [(c.id, c.state, c.phone_e164, c.started_by) for c in waiting] == [
        (conversation_id, "waiting", "+16175550111", "caller")
    ]
    assert waiting[0].unread == 1
    assert waiting[0].preview == "help, someone is in my house"
    alerts = [a for a in core.alerts.alerts() if a.kind == "text.inbound"]
    assert [a.text for a in alerts] == ["Text to 911 from +16175550111"]
    # A second text from the same number joins the same conversation, with no second alert.
    assert receive(core, "+16175550111", "upstairs") == conversation_id
    assert len([a for a in core.alerts.alerts() if a.kind == "text.inbound"]) == 1
    messages = core.store.read_sync(core.conversations.messages, conversation_id)
    assert [(m.direction, m.body, m.author) for m in messages] == [
        ("in", "help, someone is in my house", "Caller"),
        ("in", "upstairs", "Caller"),
    ]


def test_the_same_message_sid_is_stored_once(core: DeskCore) -> None:
    first = receive(core, "+16175550112", "hello", sid="SMrepeat")
    again = receive(core, "+16175550112", "hello", sid="SMrepeat")
    assert first == again
    assert len(core.store.read_sync(core.conversations.messages, first)) == 1


def test_claim_up_to_the_limit_then_the_fourth_stays_waiting(core: DeskCore) -> None:
    taker = actor_for(core, "calltaker")
    ids = [receive(core, f"+1617555012{i}", f"text {i}") for i in range(4)]
    for conversation_id in ids[:3]:
        held, _ = core.store.write_sync(
            core.conversations.claim, taker, conversation_id, core.clock()
        )
        assert (held.state, held.holder_name) == ("active", "Casey Morgan")
    with pytest.raises(ConversationLimitReached) as refused:
        core.store.write_sync(core.conversations.claim, taker, ids[3], core.clock())
    assert refused.value.limit == 3
    assert "3 text conversations" in str(refused.value)
    assert [c.id for c in core.store.read_sync(core.conversations.waiting)] == [ids[3]]
    assert [c.id for c in core.store.read_sync(core.conversations.held_by, taker.user_id)] == ids[
        :3
    ]
    # Another call-taker may take it; closing one frees a place.
    other = actor_for(core, "dispatcher")
    core.store.write_sync(core.conversations.claim, other, ids[3], core.clock())
    core.store.write_sync(core.conversations.close, taker, ids[0], core.clock())
    assert len(core.store.read_sync(core.conversations.held_by, taker.user_id)) == 2


def test_the_limit_comes_from_settings(tmp_path: Path) -> None:
    core = make_core(tmp_path, texting__conversation_limit=1)
    try:
        taker = actor_for(core, "calltaker")
        a, b = receive(core, "+16175550131", "a"), receive(core, "+16175550132", "b")
        core.store.write_sync(core.conversations.claim, taker, a, core.clock())
        with pytest.raises(ConversationLimitReached):
            core.store.write_sync(core.conversations.claim, taker, b, core.clock())
    finally:
        core.close()


def test_a_reply_goes_to_the_outbox(core: DeskCore) -> None:
    taker = actor_for(core, "calltaker")
    conversation_id = receive(core, "+16175550141", "can't talk")
    with pytest.raises(RuleViolation, match="Take this conversation first"):
        core.store.write_sync(
            core.conversations.reply, taker, conversation_id, "hello", core.clock()
        )
    core.store.write_sync(core.conversations.claim, taker, conversation_id, core.clock())
    core.clock.advance(seconds=5)  # type: ignore[attr-defined]
    view, _ = core.store.write_sync(
        core.conversations.reply, taker, conversation_id, "  Are you safe? 🙂 ", core.clock()
    )
    assert (view.direction, view.body, view.status, view.author) == (
        "out",
        "Are you safe? 🙂",
        "queued",
        "Casey Morgan",
    )
    assert view.notices == ("Emoji or symbols may not reach the caller: some carriers drop them.",)
    row = core.store.read_sync(lambda s: s.get(SmsMessage, view.id))
    assert (row.to_e164, row.purpose, row.status, row.conversation_id, row.user_id) == (
        "+16175550141",
        Purpose.CONVERSATION,
        SmsStatus.QUEUED,
        conversation_id,
        taker.user_id,
    )
    assert row.from_e164 == CENTRE
    summary = core.store.read_sync(core.conversations.get, conversation_id)
    assert summary.unread == 0 and summary.preview == "Are you safe? 🙂"
    with pytest.raises(RuleViolation, match="at most 1,600"):
        core.store.write_sync(
            core.conversations.reply, taker, conversation_id, "x" * 1601, core.clock()
        )


def test_media_and_emoji_notices_on_inbound_texts(core: DeskCore) -> None:
    conversation_id = receive(core, "+16175550151", "look 🔥🔥", media=2)
    (message,) = core.store.read_sync(core.conversations.messages, conversation_id)
    assert message.notices == (
        "The caller sent 2 pictures or files; text-to-911 carries text only, so it is not here.",
        "This text held emoji or symbols; some carriers drop them on the way to 911.",
    )
    rtl = receive(core, "+16175550152", "مرحبا، أحتاج مساعدة")
    (message,) = core.store.read_sync(core.conversations.messages, rtl)
    assert message.body == "مرحبا، أحتاج مساعدة" and message.notices == ()


def test_attach_to_an_incident_adds_a_narrative_line(core: DeskCore) -> None:
    taker = actor_for(core, "calltaker")
    conversation_id = receive(core, "+16175550161", "man with a knife at 12 Main")
    core.store.write_sync(core.conversations.claim, taker, conversation_id, core.clock())
    incident = create_incident(core, taker, incident_type="ASLT")
    core.store.write_sync(
        core.conversations.attach, taker, conversation_id, incident.id, core.clock()
    )
    summary = core.store.read_sync(core.conversations.get, conversation_id)
    assert (summary.incident_id, summary.incident_number) == (incident.id, incident.number)
    lines = core.store.read_sync(
        lambda s: s.scalars(
            select(NarrativeEntry.text).where(NarrativeEntry.incident_id == incident.id)
        ).all()
    )
    assert "Text-to-911 conversation with +16175550161 attached (1 text so far)." in lines
    # Texts before and after belong to the incident.
    receive(core, "+16175550161", "he left north")
    incident_texts = core.store.read_sync(
        lambda s: s.scalars(
            select(SmsMessage.body).where(SmsMessage.incident_id == incident.id)
        ).all()
    )
    assert sorted(incident_texts) == ["he left north", "man with a knife at 12 Main"]
    events = core.store.read_sync(audit.list_events, action="conversation.attach")
    assert len(events) == 1 and "+16175550161" not in events[0].detail


def test_the_centre_starts_a_conversation(core: DeskCore) -> None:
    taker = actor_for(core, "calltaker")
    started, _ = core.store.write_sync(
        core.conversations.start, taker, "+1 (617) 555-0171", core.clock()
    )
    assert (started.state, started.started_by, started.phone_e164, started.holder_id) == (
        "active",
        "centre",
        "+16175550171",
        taker.user_id,
    )
    core.store.write_sync(
        core.conversations.reply, taker, started.id, "This is 911. Text us here.", core.clock()
    )
    # The caller's answer lands in it, not in a new waiting conversation.
    assert receive(core, "+16175550171", "ok") == started.id
    assert core.store.read_sync(core.conversations.waiting) == []
    with pytest.raises(RuleViolation, match="international form"):
        core.store.write_sync(core.conversations.start, taker, "not a number", core.clock())


def test_a_conversation_the_centre_starts_comes_back_to_it(core: DeskCore) -> None:
    # Start -> the text goes out -> the caller answers the number it came from -> the answer
    # joins that conversation (not the status line's "not monitored" reply).
    taker = actor_for(core, "calltaker")
    started, _ = core.store.write_sync(
        core.conversations.start, taker, "+16175550172", core.clock()
    )
    core.store.write_sync(
        core.conversations.reply, taker, started.id, "This is 911. Are you safe?", core.clock()
    )
    assert asyncio.run(core.outbox.run_once()) == 1
    [sent] = core.sms.sent  # type: ignore[attr-defined]
    texting = core.settings.texting
    assert sent.from_e164 == texting.text911_number
    answer = inbound.InboundText(
        "SM" + "7" * 32, "+16175550172", sent.from_e164 or texting.status_number, "yes, upstairs"
    )
    received, _ = core.store.write_sync(
        inbound.receive,
        answer,
        now=core.clock(),
        text911_number=texting.text911_number,
        status_number=texting.status_number,
        conversations=core.conversations,
        try_answer=core.status_texts.try_answer,
    )
    assert (received.kind, received.conversation_id) == ("conversation", started.id)
    assert core.store.read_sync(core.conversations.waiting) == []
    assert len(core.sms.sent) == 1  # type: ignore[attr-defined]  # no auto-reply


def test_starting_counts_against_the_limit(core: DeskCore) -> None:
    taker = actor_for(core, "calltaker")
    for i in range(3):
        core.store.write_sync(core.conversations.start, taker, f"+1617555018{i}", core.clock())
    with pytest.raises(ConversationLimitReached):
        core.store.write_sync(core.conversations.start, taker, "+16175550189", core.clock())


def test_close_and_a_new_text_opens_a_new_conversation(core: DeskCore) -> None:
    taker = actor_for(core, "calltaker")
    first = receive(core, "+16175550191", "hi")
    core.store.write_sync(core.conversations.claim, taker, first, core.clock())
    other = Actor(None, "other", "Other Taker", Role.CALL_TAKER, core.workstation)
    with pytest.raises(RuleViolation, match="Casey Morgan has this conversation"):
        core.store.write_sync(core.conversations.close, other, first, core.clock())
    core.store.write_sync(core.conversations.close, taker, first, core.clock())
    assert core.store.read_sync(core.conversations.get, first).state == "closed"
    with pytest.raises(RuleViolation, match="closed"):
        core.store.write_sync(core.conversations.reply, taker, first, "still there?", core.clock())
    second = receive(core, "+16175550191", "me again")
    assert second != first
    assert [c.id for c in core.store.read_sync(core.conversations.waiting)] == [second]
