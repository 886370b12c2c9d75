"""Which alerts are spoken: per role, from this workstation's settings, up to a priority."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from dispatch_desk.alerts.model import Alert, Phrase
from dispatch_desk.alerts.rules import SpeechRules, parse_kinds
from dispatch_desk.config.settings import SpeechSettings
from dispatch_desk.domain.enums import Role


def alert(kind: str, priority: int) -> Alert:
    return Alert(
        uuid.uuid4(), kind, priority, "x", Phrase(kind), datetime(2026, 3, 14, tzinfo=UTC), "x"
    )


def test_default_rules_speak_by_role() -> None:
    rules = SpeechRules.from_settings(SpeechSettings())
    new_p1 = alert("incident.new", 1)
    text = alert("text.inbound", 2)
    assert rules.speaks(new_p1, Role.DISPATCHER)
    assert not rules.speaks(new_p1, Role.CALL_TAKER)  # call-takers made it; they need not hear
    assert rules.speaks(text, Role.CALL_TAKER)
    assert rules.speaks(alert("camera.lost", 2), Role.SUPERVISOR)  # "*"


def test_only_alerts_up_to_max_priority_are_spoken() -> None:
    rules = SpeechRules.from_settings(SpeechSettings(max_priority=1))
    assert rules.speaks(alert("incident.new", 1), Role.DISPATCHER)
    assert not rules.speaks(alert("incident.new", 2), Role.DISPATCHER)


def test_a_workstation_can_turn_speech_off_for_a_role() -> None:
    rules = SpeechRules.from_settings(SpeechSettings(speak_dispatcher=""))
    assert not rules.speaks(alert("unit.no_response", 1), Role.DISPATCHER)
    assert rules.speaks(alert("unit.no_response", 1), Role.SUPERVISOR)


def test_parse_kinds_accepts_lists_and_star_and_warns_of_unknown_names(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert parse_kinds(" text.inbound ;video.live,") == {"text.inbound", "video.live"}
    assert "unit.no_response" in parse_kinds("*")
    assert parse_kinds("") == frozenset()
    assert parse_kinds("text.inbound, txt.inbound", "speech.speak_admin") == {"text.inbound"}
    assert "txt.inbound" in caplog.text and "speech.speak_admin" in caplog.text
