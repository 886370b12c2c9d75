"""Status texts end to end on the real store with a controllable clock: the SPIDR sequence for a
burglary report, the texts that must never go, delay notices, STOP / START, the survey across a
restart, Spanish. Texts are read back from the outbox (``sms_message``) in the order queued."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import UnitStatus
from dispatch_desk.domain.texting import SmsDirection
from dispatch_desk.messaging import inbound, status_texts
from dispatch_desk.services.incidents import IncidentSummary
from dispatch_desk.storage.models import NarrativeEntry, SmsMessage, Survey, TextTimer
from tests.helpers.core import FakeClock, actor_for, create_incident, free_units, make_core

PHONE = "+16175550101"
AGENCY = {"texting__sender_name": "Riverton 911"}
OTHER = "Para español, responda ES."


def texts(core: DeskCore, phone: str = PHONE) -> list[tuple[str, str]]:
    """(rule, body) of every text queued to ``phone``, in the order queued."""

    def read(session: Any) -> list[tuple[str, str]]:
        rows = session.scalars(
            select(SmsMessage)
            .where(SmsMessage.to_e164 == phone, SmsMessage.direction == SmsDirection.OUT)
            .order_by(SmsMessage.created_at)
        )
        return [(status_texts.rule_of_key(m.idempotency_key), m.body) for m in rows]

    return core.store.read_sync(read)


async def drain(core: DeskCore) -> None:
    while await core.outbox.run_once():
        pass


def rules(core: DeskCore, phone: str = PHONE) -> list[str]:
    return [rule for rule, _ in texts(core, phone)]


_sids = itertools.count(1)


def reply(core: DeskCore, body: str, phone: str = PHONE) -> inbound.Received:
    """A text from ``phone`` to the status number, through the inbound path the webhooks use,
    with the rules' survey answers first."""
    texting = core.settings.texting
    received, _ = core.store.write_sync(
        inbound.receive,
        inbound.InboundText(f"SM{next(_sids):032d}", phone, texting.status_number, body),
        now=core.clock(),
        text911_number=texting.text911_number,
        status_number=texting.status_number,
        conversations=core.conversations,
        agency=core.status_texts.config.agency,
        try_answer=core.status_texts.try_answer,
    )
    return received


def sweep(core: DeskCore) -> int:
    queued, _ = core.store.write_sync(core.status_texts.sweep, core.clock())
    return queued


def new_incident(core: DeskCore, **fields: Any) -> IncidentSummary:
    fields.setdefault("incident_type", "BURG")
    fields.setdefault("class_of_service", "WPH2")
    summary = create_incident(core, actor_for(core, "calltaker"), **fields)
    sweep(core)
    return summary


def step(core: DeskCore, unit: Any, status: UnitStatus) -> None:
    core.store.write_sync(
        core.units.set_status, actor_for(core, "dispatcher"), unit, status, core.clock()
    )
    sweep(core)


def assign(core: DeskCore, incident: IncidentSummary) -> Any:
    unit = next(u.id for u in free_units(core, 6) if u.call_sign.startswith("P"))
    core.store.write_sync(
        core.units.assign, actor_for(core, "dispatcher"), unit, incident.id, core.clock()
    )
    sweep(core)
    return unit


def close(core: DeskCore, incident: IncidentSummary, disposition: str = "Report taken") -> None:
    core.store.write_sync(
        core.incidents.close, actor_for(core, "dispatcher"), incident.id, disposition, core.clock()
    )
    sweep(core)


@pytest.fixture
def core(tmp_path: Path) -> Any:
    desk = make_core(tmp_path, **AGENCY)
    yield desk
    desk.close()


def test_the_spidr_sequence_for_a_burglary_report(core: DeskCore) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    incident = new_incident(core)
    n = incident.number
    clock.advance(minutes=2)
    unit = assign(core, incident)
    clock.advance(minutes=1)
    step(core, unit, UnitStatus.EN_ROUTE)
    clock.advance(minutes=6)
    step(core, unit, UnitStatus.ON_SCENE)
    clock.advance(minutes=30)  # past both delay times: a unit is there, so no delay notice
    sweep(core)
    close(core, incident)
    clock.advance(hours=23, minutes=59)
    sweep(core)
    assert rules(core)[-1] == "outcome"  # not yet
    clock.advance(minutes=1)
    sweep(core)
    sweep(core)
    assert rules(core)[-2:] == ["outcome", "survey"]  # once
    answered, _ = core.store.write_sync(
        core.status_texts.try_answer, from_e164=PHONE, body="5 quick and kind", now=clock()
    )
    assert answered

    expected = [
        (
            "confirm",
            f"Riverton 911: we received your burglary report, number {n}. "
            f"We will text you updates here. {OTHER}",
        ),
        (
            "dispatched",
            f"Riverton 911: an officer has been assigned to your burglary report {n}. {OTHER}",
        ),
        (
            "en_route",
            f"Riverton 911: an officer is on the way for your burglary report {n}. {OTHER}",
        ),
        ("on_scene", f"Riverton 911: an officer has arrived for your burglary report {n}. {OTHER}"),
        (
            "outcome",
            f"Riverton 911: your burglary report {n} is closed: Report taken. "
            f"Your case number is {n}. {OTHER}",
        ),
        (
            "survey",
            f"Riverton 911: how did we do on your burglary report {n}? Reply with a "
            f"number from 1 (poor) to 5 (excellent), and a comment if you like. {OTHER}",
        ),
        (
            "survey_thanks",
            f"Riverton 911: thank you for your feedback on your burglary report {n}.",
        ),
    ]
    assert texts(core) == expected
    # The outbox hands them to the (loopback) provider in the same order, once each.
    asyncio.run(drain(core))
    asyncio.run(drain(core))
    loopback = core.sms.sent  # type: ignore[attr-defined]
    assert [(m.to_e164, m.body) for m in loopback if m.to_e164 == PHONE] == [
        (PHONE, body) for _, body in expected
    ]
    survey = core.store.read_sync(
        lambda s: s.scalar(select(Survey).where(Survey.incident_id == incident.id))
    )
    assert (survey.state, survey.score, survey.comment) == ("answered", 5, "quick and kind")
    # The delay timers were cancelled, not left to fire.
    timers = core.store.read_sync(
        lambda s: s.scalars(select(TextTimer).where(TextTimer.incident_id == incident.id)).all()
    )
    assert sorted((t.rule, t.outcome) for t in timers) == [
        ("delay_15", "cancelled"),
        ("delay_30", "cancelled"),
    ]


def test_a_second_unit_does_not_text_again(core: DeskCore) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    incident = new_incident(core)
    first = assign(core, incident)
    clock.advance(minutes=1)
    second = assign(core, incident)
    step(core, second, UnitStatus.ON_SCENE)
    step(core, first, UnitStatus.EN_ROUTE)  # after on scene: nothing to tell
    step(core, first, UnitStatus.ON_SCENE)
    assert [rule for rule, _ in texts(core)] == ["confirm", "dispatched", "on_scene"]


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"incident_type": "DOMV"}, "Sensitive call type"),
        ({"incident_type": "SUICTH"}, "Sensitive call type"),
        ({"incident_type": "ROBB"}, "Sensitive call type"),
        ({"incident_type": "SUSPP"}, "Call in progress"),
        ({"in_progress": True}, "Call in progress"),
        ({"class_of_service": "RESD"}, "Not a mobile number"),
        ({"class_of_service": "VOIP"}, "Not a mobile number"),
    ],
)
def test_never_texted(core: DeskCore, fields: dict[str, Any], why: str) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    incident = new_incident(core, **fields)
    unit = assign(core, incident)
    step(core, unit, UnitStatus.ON_SCENE)
    clock.advance(minutes=40)
    sweep(core)
    close(core, incident)
    clock.advance(hours=25)
    sweep(core)
    assert texts(core) == []
    state = core.store.read_sync(core.status_texts.state, incident.id)
    assert state.blocked.startswith(why)
    assert state.texts == ()
    survey = core.store.read_sync(
        lambda s: s.scalar(select(Survey.id).where(Survey.incident_id == incident.id))
    )
    assert survey is None


def test_a_call_reclassified_as_domestic_stops_texting(core: DeskCore) -> None:
    from dispatch_desk.services.incidents import IncidentEdit

    incident = new_incident(core)
    core.store.write_sync(
        core.incidents.update,
        actor_for(core, "calltaker"),
        incident.id,
        IncidentEdit(type_code="DOMNV"),
        core.clock(),
    )
    assign(core, incident)
    assert [rule for rule, _ in texts(core)] == ["confirm"]


def test_dispatcher_suppresses_one_incident_and_allows_it_again(core: DeskCore) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    dispatcher = actor_for(core, "dispatcher")
    incident = new_incident(core)
    core.store.write_sync(
        status_texts.set_suppressed, dispatcher, incident.id, True, clock(), "caller asked"
    )
    clock.advance(minutes=1)
    unit = assign(core, incident)
    clock.advance(minutes=20)
    sweep(core)
    assert [rule for rule, _ in texts(core)] == ["confirm"]
    state = core.store.read_sync(core.status_texts.state, incident.id)
    assert state.suppressed and state.suppressed_by == "Dana Reyes"
    assert state.blocked == "Texts suppressed by Dana Reyes."
    lines = core.store.read_sync(
        lambda s: s.scalars(
            select(NarrativeEntry.text).where(NarrativeEntry.incident_id == incident.id)
        ).all()
    )
    assert "Status texts to the caller suppressed: caller asked" in lines
    core.store.write_sync(status_texts.set_suppressed, dispatcher, incident.id, False, clock())
    step(core, unit, UnitStatus.ON_SCENE)
    assert [rule for rule, _ in texts(core)] == ["confirm", "on_scene"]


def test_in_progress_lifted_by_the_call_taker_starts_texts(core: DeskCore) -> None:
    incident = new_incident(core, in_progress=True)
    assert texts(core) == []
    core.store.write_sync(
        status_texts.set_in_progress,
        actor_for(core, "calltaker"),
        incident.id,
        False,
        core.clock(),
    )
    sweep(core)
    assert [rule for rule, _ in texts(core)] == ["confirm"]


def test_delay_notices_at_15_and_30_minutes(core: DeskCore) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    incident = new_incident(core)
    clock.advance(minutes=14, seconds=59)
    sweep(core)
    assert rules(core) == ["confirm"]
    clock.advance(seconds=1)
    sweep(core)
    assert rules(core) == ["confirm", "delay_15"]
    clock.advance(minutes=15)
    sweep(core)
    clock.advance(minutes=30)
    sweep(core)
    n = incident.number
    delay = (
        f"Riverton 911: we have not forgotten your burglary report {n}. All units are still "
        f"busy; help is coming. If things get worse, call 911. {OTHER}"
    )
    assert texts(core)[1:] == [("delay_15", delay), ("delay_30", delay)]


def test_no_delay_notice_when_a_unit_arrived_at_14_minutes(core: DeskCore) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    incident = new_incident(core)
    unit = assign(core, incident)
    clock.advance(minutes=14)
    step(core, unit, UnitStatus.ON_SCENE)
    clock.advance(minutes=1)
    sweep(core)
    clock.advance(minutes=20)
    sweep(core)
    assert [rule for rule, _ in texts(core)] == ["confirm", "dispatched", "on_scene"]


def test_a_desk_off_past_both_delays_sends_the_later_notice_once(tmp_path: Path) -> None:
    clock = FakeClock()
    core = make_core(tmp_path, clock=clock, **AGENCY)
    try:
        new_incident(core)
    finally:
        core.close()
    clock.advance(minutes=34)  # off from 0 to 34 minutes
    core = make_core(tmp_path, clock=clock, **AGENCY)
    try:
        sweep(core)
        sweep(core)
        assert [rule for rule, _ in texts(core)] == ["confirm", "delay_30"]
    finally:
        core.close()


def test_stop_then_a_new_incident_then_start(core: DeskCore) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    first = new_incident(core)
    close(core, first)
    assert reply(core, "STOP").kind == "keyword"  # as a webhook would hand it over
    clock.advance(minutes=5)
    second = new_incident(core)
    unit = assign(core, second)
    step(core, unit, UnitStatus.ON_SCENE)
    close(core, second)
    clock.advance(hours=25)
    sweep(core)  # the first incident's survey falls due too: not sent either
    assert [rule for rule, _ in texts(core) if rule != "auto"] == ["confirm", "outcome"]
    state = core.store.read_sync(core.status_texts.state, second.id)
    assert state.blocked == "The number replied STOP."
    # Not even queued as a failed row: nothing of the second incident is in the outbox.
    assert state.texts == ()
    clock.advance(minutes=1)
    assert reply(core, "start").kind == "keyword"
    third = new_incident(core)
    assert [rule for rule, _ in texts(core) if rule != "auto"] == ["confirm", "outcome", "confirm"]
    assert third.number in texts(core)[-1][1]


def test_survey_24_hours_after_close_survives_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    core = make_core(tmp_path, clock=clock, **AGENCY)
    try:
        incident = new_incident(core)
        unit = assign(core, incident)
        step(core, unit, UnitStatus.ON_SCENE)
        close(core, incident)
    finally:
        core.close()
    clock.advance(hours=30)  # the desk was off when the survey fell due
    for _ in range(2):  # two restarts after the due time: one survey
        core = make_core(tmp_path, clock=clock, **AGENCY)
        try:
            sweep(core)
            rules = [rule for rule, _ in texts(core)]
        finally:
            core.close()
        assert rules == ["confirm", "dispatched", "on_scene", "outcome", "survey"]


def test_spanish_texts_and_the_switch_to_english(core: DeskCore) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    incident = new_incident(core, language="es")
    n = incident.number
    unit = assign(core, incident)
    step(core, unit, UnitStatus.EN_ROUTE)
    step(core, unit, UnitStatus.ON_SCENE)
    close(core, incident, "False alarm")
    clock.advance(hours=24)
    sweep(core)
    other = "For English, reply EN."
    assert texts(core) == [
        (
            "confirm",
            f"Riverton 911: recibimos su denuncia de robo, numero {n}. Le enviaremos "
            f"novedades por este medio. {other}",
        ),
        (
            "dispatched",
            f"Riverton 911: una patrulla fue asignada a su denuncia de robo {n}. {other}",
        ),
        (
            "en_route",
            f"Riverton 911: una patrulla va en camino por su denuncia de robo {n}. {other}",
        ),
        (
            "on_scene",
            f"Riverton 911: una patrulla se encuentra en el lugar por su denuncia de "
            f"robo {n}. {other}",
        ),
        (
            "outcome",
            f"Riverton 911: su denuncia de robo {n} fue cerrada: falsa alarma. "
            f"Referencia del caso: {n}. {other}",
        ),
        (
            "survey",
            f"Riverton 911: califique nuestro servicio por su denuncia de robo {n}. "
            "Responda con una cifra del 1 (malo) al 5 (excelente) y, si quiere, un comentario. "
            f"{other}",
        ),
    ]


def test_a_reply_of_es_switches_the_language_of_what_follows(core: DeskCore) -> None:
    incident = new_incident(core)
    switched, _ = core.store.write_sync(
        core.status_texts.try_answer, from_e164=PHONE, body="es", now=core.clock()
    )
    assert switched
    assign(core, incident)
    rules = texts(core)
    assert [r for r, _ in rules] == ["confirm", "language", "dispatched"]
    assert rules[1][1] == "Riverton 911: de ahora en adelante le escribiremos en español."
    assert rules[2][1].startswith("Riverton 911: una patrulla fue asignada")
    # A number the rules never texted gets the fixed answer instead.
    unknown, _ = core.store.write_sync(
        core.status_texts.try_answer, from_e164="+16175550199", body="ES", now=core.clock()
    )
    assert not unknown


def test_the_runner_follows_the_bus_and_a_sync_like_change(tmp_path: Path) -> None:
    """Through the real runner: a change published on the bus (as the store and the sync engine
    publish) is evaluated at once, without waiting for the sweep."""
    core = make_core(tmp_path, **AGENCY)
    runner = core.status_text_runner
    runner.poll_s = 3600.0  # only the first sweep; everything after comes from the bus

    async def scenario() -> list[str]:
        await runner.start()
        try:
            await asyncio.sleep(0.2)  # the start-up sweep
            actor = actor_for(core, "calltaker")
            from tests.helpers.core import valid_intake

            incident = await core.store.write(
                core.incidents.create,
                actor,
                valid_intake(core, incident_type="BURG", class_of_service="WPH1"),
                core.clock(),
            )
            assert await runner.idle()
            unit = next(u.id for u in free_units(core, 6) if u.call_sign.startswith("P"))
            dispatcher = actor_for(core, "dispatcher")
            await core.store.write(core.units.assign, dispatcher, unit, incident.id, core.clock())
            assert await runner.idle()
            await core.store.write(
                core.units.set_status, dispatcher, unit, UnitStatus.ON_SCENE, core.clock()
            )
            assert await runner.idle()
            return [rule for rule, _ in texts(core)]
        finally:
            await runner.stop()

    try:
        assert asyncio.run(scenario()) == ["confirm", "dispatched", "on_scene"]
    finally:
        core.close()


def test_replies_to_the_status_number_answer_the_survey_or_get_the_fixed_reply(
    core: DeskCore,
) -> None:
    clock: FakeClock = core.clock  # type: ignore[assignment]
    incident = new_incident(core)
    clock.advance(minutes=1)
    assert reply(core, "who is this?").kind == "auto_reply"  # no survey out: fixed answer
    close(core, incident)
    clock.advance(hours=24)
    sweep(core)
    clock.advance(minutes=5)
    assert reply(core, "4 - came fast, thanks").kind == "survey"
    assert reply(core, "5").kind == "auto_reply"  # one answer per survey
    survey = core.store.read_sync(
        lambda s: s.scalar(select(Survey).where(Survey.incident_id == incident.id))
    )
    assert (survey.score, survey.comment) == (4, "came fast, thanks")
    # Nothing of it opened a text-to-911 conversation.
    assert core.store.read_sync(core.conversations.waiting) == []
    assert rules(core)[:1] == ["confirm"] and "survey_thanks" in rules(core)


def test_a_caller_texting_911_gets_no_status_texts(core: DeskCore) -> None:
    """Someone who texted because they cannot speak safely is answered in the conversation,
    never buzzed by automatic texts from another number."""
    from dispatch_desk.domain.enums import CallKind

    texted = new_incident(core, call_kind=CallKind.TEXT)
    state = core.store.read_sync(core.status_texts.state, texted.id)
    assert state.blocked == (
        "The caller is texting with the centre: updates go in that conversation."
    )
    # A phone call's incident that a conversation with the caller is then tied to stops too.
    called = new_incident(core, address="9 Elm Street")
    taker = actor_for(core, "calltaker")
    conversation, _ = core.store.write_sync(core.conversations.start, taker, PHONE, core.clock())
    core.store.write_sync(
        core.conversations.attach, taker, conversation.id, called.id, core.clock()
    )
    core.clock.advance(minutes=1)  # type: ignore[attr-defined]
    assign(core, called)
    assert [r for r in rules(core)] == ["confirm"]
    assert texts(core)[0][1].startswith(
        f"Riverton 911: we received your burglary report, number {called.number}"
    )


def test_a_queued_text_is_not_sent_once_the_rules_say_no(core: DeskCore) -> None:
    # Confirmations wait in the outbox (a queue, a 429 back-off); meanwhile the dispatcher
    # suppresses one, another is reclassified as sensitive, a third is marked in progress and
    # a fourth caller replies STOP. None of those goes; the untouched one does.
    def incident(last: str) -> IncidentSummary:
        number = f"(617) 555-014{last}"
        return new_incident(core, callback_number=number, ani=number)

    from dispatch_desk.services.incidents import IncidentEdit

    dispatcher, taker = actor_for(core, "dispatcher"), actor_for(core, "calltaker")
    now = core.clock()
    suppressed, sensitive, busy, _stopped, _fine = (incident(n) for n in "23456")
    core.store.write_sync(status_texts.set_suppressed, dispatcher, suppressed.id, True, now)
    edit = IncidentEdit(type_code="DOMNV")
    core.store.write_sync(core.incidents.update, taker, sensitive.id, edit, now)
    core.store.write_sync(status_texts.set_in_progress, taker, busy.id, True, now)
    assert reply(core, "STOP", "+16175550145").kind == "keyword"
    asyncio.run(drain(core))
    errors = core.store.read_sync(
        lambda s: dict(
            s.execute(
                select(SmsMessage.to_e164, SmsMessage.error_message).where(
                    SmsMessage.idempotency_key.like("status:%"),
                    SmsMessage.to_e164.like("+1617555014_"),
                )
            ).all()
        )
    )
    assert errors == {
        "+16175550142": "Not sent: Texts suppressed by Dana Reyes.",
        "+16175550143": "Not sent: Sensitive call type: texting the caller could endanger them.",
        "+16175550144": "Not sent: Call in progress: no texts until it is not.",
        "+16175550145": "Not sent: The number replied STOP.",
        "+16175550146": "",
    }
    to = [m.to_e164 for m in core.sms.sent]  # type: ignore[attr-defined]
    assert to.count("+16175550146") == 1 and "+16175550142" not in to
    assert "+16175550143" not in to and "+16175550144" not in to
    assert to.count("+16175550145") == 1  # only the answer to STOP
    assert [a for a in core.alerts.alerts() if a.kind == "text.failed"] == []


def test_in_progress_follows_the_current_type_unless_the_call_taker_set_it(
    core: DeskCore,
) -> None:
    from dispatch_desk.services.incidents import IncidentEdit

    taker = actor_for(core, "calltaker")

    def incident(last: str, **fields: Any) -> IncidentSummary:
        number = f"(617) 555-015{last}"
        return new_incident(core, callback_number=number, ani=number, **fields)

    def retype(summary: IncidentSummary, code: str) -> None:
        edit = IncidentEdit(type_code=code)
        core.store.write_sync(core.incidents.update, taker, summary.id, edit, core.clock())
        sweep(core)

    def blocked(summary: IncidentSummary) -> str:
        return core.store.read_sync(core.status_texts.state, summary.id).blocked

    became = incident("1")  # a burglary report, then it turns out to be happening now
    retype(became, "SUSPP")  # SUSPP is an in-progress type in the demo agency
    assert blocked(became) == "Call in progress: no texts until it is not."
    assign(core, became)
    assert rules(core, "+16175550151") == ["confirm"]
    stopped = incident("2", incident_type="SUSPP")
    assert rules(core, "+16175550152") == [] and blocked(stopped).startswith("Call in progress")
    retype(stopped, "BURG")
    assert blocked(stopped) == "" and rules(core, "+16175550152") == ["confirm"]
    said = incident("3", incident_type="SUSPP", in_progress=False)  # the call-taker cleared it
    assert rules(core, "+16175550153") == ["confirm"]
    retype(said, "SUSPP")
    assert blocked(said) == ""
    core.store.write_sync(status_texts.set_in_progress, taker, said.id, True, core.clock())
    retype(said, "BURG")
    assert blocked(said).startswith("Call in progress")


def test_a_callback_other_than_the_calling_mobile_gets_no_status_texts(core: DeskCore) -> None:
    # The class of service is the calling phone's (WPH2 here); texts go to the callback number.
    other = new_incident(core, callback_number="(617) 555-0171")
    assert rules(core, "+16175550171") == [] and rules(core) == []
    state = core.store.read_sync(core.status_texts.state, other.id)
    assert (state.phone_e164, state.mobile) == ("+16175550171", False)
    assert state.blocked == (
        "Not known to be a mobile: the callback number is not the number that called "
        "(only the calling phone's kind is known)."
    )
    # The same number typed another way is the calling phone: texted.
    same = new_incident(core, callback_number="617-555-0101", address="9 Elm Street")
    assert rules(core) == ["confirm"]
    assert core.store.read_sync(core.status_texts.state, same.id).blocked == ""
