"""The announcer's queue with the silent engine (a product mode): priority order, stale ones
dropped, mute, repeat last, withdrawal, and speech that follows the alert centre's rules."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.model import Phrase
from dispatch_desk.alerts.rules import SpeechRules
from dispatch_desk.alerts.speaker import AlertSpeaker
from dispatch_desk.config.settings import SpeechSettings
from dispatch_desk.domain.enums import Role
from dispatch_desk.speech.announcer import Announcer, AnnouncerEvent
from dispatch_desk.speech.engine import SilentEngine
from dispatch_desk.speech.voice import Voice
from tests.helpers.core import FakeClock


class Seconds:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def engine() -> SilentEngine:
    return SilentEngine()


@pytest.fixture
def announcer(engine: SilentEngine, seconds: Seconds) -> Iterator[Announcer]:
    made = Announcer(engine, Voice(), stale_after_s=30, clock=seconds, gather_s=0)
    yield made
    made.close()


def collect(announcer: Announcer) -> tuple[list[AnnouncerEvent], Callable[[int], None]]:
    """Events as they come (no loop: delivered on the worker thread) and a wait for N spoken."""
    events: list[AnnouncerEvent] = []
    spoken = threading.Condition()

    def listener(event: AnnouncerEvent) -> None:
        with spoken:
            events.append(event)
            spoken.notify_all()

    announcer.subscribe(listener)

    def wait_spoken(count: int) -> None:
        with spoken:
            ok = spoken.wait_for(
                lambda: sum(e.kind in ("spoken", "failed") for e in events) >= count, timeout=5
            )
        assert ok, f"only {[e.kind for e in events]}"

    return events, wait_spoken


def test_a_burst_from_several_sources_is_spoken_by_priority_without_duplicates_or_stale_ones(
    announcer: Announcer, engine: SilentEngine, seconds: Seconds
) -> None:
    clock = FakeClock()
    centre = AlertCentre(clock, repeat_window_s=60)
    rules = SpeechRules.from_settings(SpeechSettings(max_priority=3))
    speaker = AlertSpeaker(centre, announcer, rules, Role.SUPERVISOR)
    events, wait_spoken = collect(announcer)
    announcer.pause()  # held, as while the dispatcher transmits: the burst queues up
    announcer.start()
    centre.raise_alert("camera.lost", "Camera 4", phrase=Phrase("camera.lost", {"camera": "4"}))
    seconds.now += 25  # the camera alert has now waited 25 s
    centre.raise_alert(
        "text.inbound", "Text from 555-0101", phrase=Phrase("text.inbound", {}), priority=3
    )
    centre.raise_alert(
        "unit.no_response", "M7 no response", phrase=Phrase("unit.no_response", {"unit": "M7"})
    )
    centre.raise_alert(
        "unit.no_response", "M7 no response", phrase=Phrase("unit.no_response", {"unit": "M7"})
    )  # the same alert again: suppressed by the centre
    centre.raise_alert(
        "incident.new",
        "P2 Burglary",
        phrase=Phrase(
            "incident.new", {"priority": 2, "discipline": "police", "address": "48 Oak Ave"}
        ),
        priority=2,
    )
    seconds.now += 10  # camera: 35 s (stale), the others 10 s
    announcer.resume()
    wait_spoken(3)
    assert engine.said == [
        "Medic seven, no response to status check",
        "P two police, forty-eight Oak Avenue",
        "New text to nine one one",
    ]
    dropped = [(e.announcement.text, e.detail) for e in events if e.kind == "dropped"]
    assert dropped == [("Camera 4 offline", "stale after 35 s")]
    speaker.close()


def test_mute_drops_waiting_and_new_announcements_and_repeat_last_still_works(
    announcer: Announcer, engine: SilentEngine
) -> None:
    events, wait_spoken = collect(announcer)
    announcer.start()
    announcer.announce("first", 2)
    wait_spoken(1)
    announcer.pause()
    announcer.announce("waiting", 2)
    announcer.set_muted(True)
    assert announcer.announce("while muted", 1) is None
    announcer.resume()
    assert announcer.repeat_last() is not None  # asked for: spoken even while muted
    wait_spoken(2)
    assert engine.said == ["first", "first"]
    assert [(e.announcement.text, e.detail) for e in events if e.kind == "dropped"] == [
        ("waiting", "muted"),
        ("while muted", "muted"),
    ]
    announcer.set_muted(False)
    announcer.announce("after", 3)
    wait_spoken(3)
    assert engine.said[-1] == "after"


def test_an_alert_acknowledged_before_it_is_said_is_withdrawn(
    announcer: Announcer, engine: SilentEngine
) -> None:
    clock = FakeClock()
    centre = AlertCentre(clock)
    AlertSpeaker(centre, announcer, SpeechRules.from_settings(SpeechSettings()), Role.ADMIN)
    events, wait_spoken = collect(announcer)
    announcer.pause()
    announcer.start()
    seen = centre.raise_alert("camera.lost", "Cam 1", phrase=Phrase("camera.lost", {"camera": "1"}))
    centre.raise_alert("camera.lost", "Cam 2", phrase=Phrase("camera.lost", {"camera": "2"}))
    assert seen is not None
    centre.acknowledge(seen.id, "Sam")
    announcer.resume()
    wait_spoken(1)
    assert engine.said == ["Camera 2 offline"]
    assert [e.detail for e in events if e.kind == "dropped"] == ["withdrawn"]


def test_the_listener_language_decides_the_words(engine: SilentEngine, seconds: Seconds) -> None:
    announcer = Announcer(engine, Voice(language="es"), clock=seconds, gather_s=0)
    centre = AlertCentre(FakeClock())
    AlertSpeaker(centre, announcer, SpeechRules.from_settings(SpeechSettings()), Role.DISPATCHER)
    _, wait_spoken = collect(announcer)
    announcer.start()
    centre.raise_alert(
        "incident.new",
        "P1",
        phrase=Phrase(
            "incident.new", {"priority": 1, "discipline": "ems", "address": "400 N Main St"}
        ),
        priority=1,
    )
    wait_spoken(1)
    announcer.close()
    assert engine.said == ["Prioridad 1, médico, 400 North Main Street"]
