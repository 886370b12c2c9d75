"""The alert centre: one list, most urgent first; the same alert is not repeated in its window."""

from __future__ import annotations

import uuid

import pytest

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.model import AlertEvent, Phrase
from tests.helpers.core import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def centre(clock: FakeClock) -> AlertCentre:
    return AlertCentre(clock, repeat_window_s=60)


def test_alerts_are_listed_unacknowledged_first_then_by_priority_then_newest(
    centre: AlertCentre, clock: FakeClock
) -> None:
    camera = centre.raise_alert("camera.lost", "Camera 4 offline", priority=3)
    clock.advance(seconds=1)
    p1 = centre.raise_alert("incident.new", "P1 Cardiac", priority=1, incident_id=uuid.uuid4())
    clock.advance(seconds=1)
    text = centre.raise_alert("text.inbound", "Text from 555-0101")
    clock.advance(seconds=1)
    later_p1 = centre.raise_alert("unit.no_response", "M7 no response")
    assert camera and p1 and text and later_p1
    assert text.priority == 2 and later_p1.priority == 1  # the kind's own priority
    assert [a.id for a in centre.alerts()] == [later_p1.id, p1.id, text.id, camera.id]
    centre.acknowledge(later_p1.id, "Dana Reyes")
    assert [a.id for a in centre.alerts()] == [p1.id, text.id, camera.id, later_p1.id]
    assert [a.id for a in centre.unacknowledged()] == [p1.id, text.id, camera.id]


def test_the_same_alert_within_the_window_is_counted_not_repeated(
    centre: AlertCentre, clock: FakeClock
) -> None:
    events: list[AlertEvent] = []
    centre.subscribe(events.append)
    incident = uuid.uuid4()
    first = centre.raise_alert("video.live", "Video live", incident_id=incident)
    clock.advance(seconds=30)
    assert centre.raise_alert("video.live", "Video live", incident_id=incident) is None
    clock.advance(seconds=29)
    assert centre.raise_alert("video.live", "Video live", incident_id=incident) is None
    # Another incident, or another kind, is not the same alert.
    assert centre.raise_alert("video.live", "Video live", incident_id=uuid.uuid4()) is not None
    assert centre.raise_alert("text.inbound", "Video live", incident_id=incident) is not None
    assert first is not None
    shown = centre.get(first.id)
    assert shown is not None and shown.repeats == 2
    assert [e.change for e in events] == ["raised", "repeated", "repeated", "raised", "raised"]
    # Once the window has passed since it was shown, it is a new alert again.
    clock.advance(seconds=2)
    again = centre.raise_alert("video.live", "Video live", incident_id=incident)
    assert again is not None and again.id != first.id
    assert len(centre.alerts()) == 4


def test_acknowledge_records_who_and_when_and_tells_listeners_once(
    centre: AlertCentre, clock: FakeClock
) -> None:
    events: list[AlertEvent] = []
    alert = centre.raise_alert("camera.lost", "Camera 2 offline", key="cam-2")
    assert alert is not None
    unsubscribe = centre.subscribe(events.append)
    clock.advance(seconds=5)
    done = centre.acknowledge(alert.id, "Dana Reyes")
    assert done is not None and done.acknowledged_by == "Dana Reyes"
    assert done.acknowledged_at == clock.now
    assert centre.acknowledge(alert.id, "Someone Else") is None  # already acknowledged
    unsubscribe()
    centre.raise_alert("camera.lost", "Camera 3 offline", key="cam-3")
    assert [e.change for e in events] == ["acknowledged"]


def test_acknowledge_all(centre: AlertCentre) -> None:
    for n in range(3):
        centre.raise_alert("camera.lost", f"Camera {n} offline")
    assert centre.acknowledge_all("Sam") == 3
    assert centre.unacknowledged() == []
    assert centre.acknowledge_all("Sam") == 0


def test_an_unknown_kind_is_refused(centre: AlertCentre) -> None:
    with pytest.raises(ValueError, match=r"unknown alert kind 'cat\.stuck'"):
        centre.raise_alert("cat.stuck", "Cat in tree")


def test_the_list_is_bounded_and_drops_acknowledged_alerts_first(clock: FakeClock) -> None:
    centre = AlertCentre(clock, keep=3)
    old = centre.raise_alert("camera.lost", "Camera 1 offline")
    assert old is not None
    centre.acknowledge(old.id, "Sam")
    for n in range(2, 5):
        clock.advance(seconds=1)
        centre.raise_alert("camera.lost", f"Camera {n} offline")
    texts = sorted(a.text for a in centre.alerts())
    assert texts == ["Camera 2 offline", "Camera 3 offline", "Camera 4 offline"]


@pytest.mark.allow_error_logs
def test_a_failing_listener_does_not_stop_the_others(
    centre: AlertCentre, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    def broken(_event: AlertEvent) -> None:
        raise RuntimeError("boom")

    centre.subscribe(broken)
    centre.subscribe(lambda e: seen.append(e.alert.text))
    centre.raise_alert("camera.lost", "Camera 9 offline", phrase=Phrase("camera.lost", {}))
    assert seen == ["Camera 9 offline"]
    assert any("alert listener" in r.getMessage() for r in caplog.records)
