"""Alerts raised by today's call-taking: new P1/P2 incidents from the change notices, texts and
video offered, calls left ringing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.sources import CallAlerts, NewIncidentAlerts
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.calls import IncomingCall
from dispatch_desk.domain.enums import CallKind
from dispatch_desk.services.context import Actor
from tests.helpers.core import FakeClock, create_incident, valid_intake


async def _until(condition: object, timeout_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_new_p1_and_p2_incidents_raise_alerts_once(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    centre = core.alerts
    before = create_incident(core, dispatcher, incident_type="MEDCARD", address="1 Old Rd")
    clock.advance(seconds=1)

    async def scenario() -> None:
        source = NewIncidentAlerts(centre, core.store, core.incidents, core.catalog, core.clock)
        source.start(core.bus)
        now = core.clock()
        write = core.store.write
        p1 = await write(
            core.incidents.create,
            dispatcher,
            valid_intake(core, incident_type="MEDCARD", address="400 N Main St"),
            now,
        )
        await write(
            core.incidents.create,
            dispatcher,
            valid_intake(core, incident_type="MEDFALL", address="9 Elm Ct"),  # P3: no alert
            now,
        )
        p2 = await write(
            core.incidents.create,
            dispatcher,
            valid_intake(core, incident_type="BURG", address="48 Oak Ave"),
            now,
        )
        await _until(lambda: len(centre.alerts()) == 2)
        # A later change to the same incident does not announce it again, and an incident
        # made before the desk started listening is not news.
        await write(core.incidents.close, dispatcher, p1.id, "Transported", now)
        await write(core.incidents.close, dispatcher, before.id, "Transported", now)
        await asyncio.sleep(0.2)
        source.close()
        alerts = {a.incident_id: a for a in centre.alerts()}
        assert set(alerts) == {p1.id, p2.id}
        first = alerts[p1.id]
        assert (first.kind, first.priority, first.incident_number) == ("incident.new", 1, p1.number)
        assert first.phrase.fields == {
            "priority": 1,
            "discipline": "ems",
            "address": "400 N Main St",
        }
        assert alerts[p2.id].priority == 2 and alerts[p2.id].phrase.fields["discipline"] == "police"

    asyncio.run(scenario())


def test_text_and_video_calls_alert_at_once_phone_calls_do_not(clock: FakeClock) -> None:
    centre = AlertCentre(clock)
    calls = CallAlerts(centre)
    calls.offered(IncomingCall("(617) 555-0101", "", clock()))
    assert centre.alerts() == []
    calls.offered(IncomingCall("(617) 555-0102", "", clock(), kind=CallKind.TEXT))
    calls.offered(IncomingCall("(617) 555-0103", "", clock(), kind=CallKind.VIDEO))
    assert sorted(a.kind for a in centre.alerts()) == ["text.inbound", "video.live"]


def test_a_call_ringing_too_long_alerts_once(clock: FakeClock) -> None:
    centre = AlertCentre(clock, repeat_window_s=0)
    calls = CallAlerts(centre, unanswered_after_s=20)
    ringing = [IncomingCall("(617) 555-0101", "", clock())]
    calls.check_ringing(ringing, clock.advance(seconds=19))
    assert centre.alerts() == []
    calls.check_ringing(ringing, clock.advance(seconds=2))
    calls.check_ringing(ringing, clock.advance(seconds=5))
    [alert] = centre.alerts()
    assert alert.kind == "call.unanswered" and alert.phrase.fields == {"seconds": 21}
    # Answered, then another call: only the new one can alert.
    second = IncomingCall("(617) 555-0199", "", clock() - timedelta(seconds=30))
    calls.check_ringing([second], clock())
    assert len(centre.alerts()) == 2
