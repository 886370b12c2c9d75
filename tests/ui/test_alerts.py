"""Alerts on the call-taker window: the list and its counter, acknowledge, jump to the incident,
mute and repeat, and the voice dialog; speech through the silent engine (a product mode)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from dispatch_desk.alerts.model import Phrase
from dispatch_desk.speech.engine import SilentEngine
from tests.helpers.core import FakeClock
from tests.ui.conftest import Make, keys, press, sign_in

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _take_p1_call(qtbot: QtBot, window) -> object:  # type: ignore[no-untyped-def]
    press(qtbot, Qt.Key.Key_F2)
    keys(qtbot, "(617) 555-0142")
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, "400 N Main St")
    press(qtbot, Qt.Key.Key_T, ALT)
    keys(qtbot, "MEDCARD")
    press(qtbot, Qt.Key.Key_R, ALT)
    keys(qtbot, "Husband, 67, chest pain.")
    with qtbot.waitSignal(window.incident_saved, timeout=5000) as saved:
        press(qtbot, Qt.Key.Key_S, CTRL)
    return saved.args[0]


def test_a_new_p1_is_listed_counted_spoken_and_opens_from_the_list(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    assert desk.speech is not None
    engine = desk.speech.engine
    assert isinstance(engine, SilentEngine)
    panel, counter = window.alerts.panel, window.alerts.counter
    assert counter.text() == "No alerts"

    incident = _take_p1_call(qtbot, window)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    alert = panel.model.row(0)
    assert (alert.kind, alert.priority, alert.incident_id) == ("incident.new", 1, incident.id)
    assert counter.text() == "1 alert · 1 P1" and counter.property("level") == "urgent"
    qtbot.waitUntil(lambda: engine.said == ["P one medical, four hundred North Main Street"])
    qtbot.waitUntil(lambda: panel.said.text().startswith("Said: P one medical"))

    # A new blank call, then F7 to the list and Enter: the incident opens, the alert is seen.
    press(qtbot, Qt.Key.Key_F2)
    assert window.form.incident_id is None
    press(qtbot, Qt.Key.Key_F7)
    assert QApplication.focusWidget() is panel.view
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.form.incident_id == incident.id)
    assert desk.core.alerts.unacknowledged() == []
    assert counter.text() == "No alerts" and counter.property("level") == "none"
    assert panel.model.data(panel.model.index(0, 4)).startswith("✓")


def test_space_acknowledges_the_selected_alert(qtbot: QtBot, make_desk: Make) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    centre, panel, counter = desk.core.alerts, window.alerts.panel, window.alerts.counter
    camera = centre.raise_alert("camera.lost", "Camera 4 (Main & 3rd) offline", priority=2)
    clock.advance(seconds=3)
    text = centre.raise_alert("text.inbound", "Text to 911 from (617) 555-0101", priority=2)
    assert camera and text
    assert counter.text() == "2 alerts" and counter.property("level") == "new"
    press(qtbot, Qt.Key.Key_F7)
    assert panel.model.row(panel.view.currentIndex().row()).id == text.id  # newest first
    press(qtbot, Qt.Key.Key_Space)
    assert [a.id for a in centre.unacknowledged()] == [camera.id]
    seen = centre.get(text.id)
    assert seen is not None and seen.acknowledged_by == "Casey Morgan"
    assert counter.text() == "1 alert"
    # The acknowledged alert moved below; the one still new is on top.
    assert panel.model.row(0).id == camera.id
    window.alerts.panel.ack_all_action.trigger()
    assert centre.unacknowledged() == [] and counter.text() == "No alerts"


def test_mute_silences_announcements_and_f8_repeats_the_last(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "supervisor", "supervisor-demo")
    assert desk.speech is not None
    engine, announcer = desk.speech.engine, desk.speech.announcer
    assert isinstance(engine, SilentEngine)
    centre, counter = desk.core.alerts, window.alerts.counter

    centre.raise_alert("unit.no_response", "M7", phrase=Phrase("unit.no_response", {"unit": "M7"}))
    qtbot.waitUntil(lambda: engine.said == ["Medic seven, no response to status check"])

    press(qtbot, Qt.Key.Key_M, CTRL)
    assert announcer.muted and window.alerts.panel.mute_action.isChecked()
    assert counter.text().endswith("· MUTED")
    centre.raise_alert("camera.lost", "Cam 2", phrase=Phrase("camera.lost", {"camera": "2"}))
    assert len(centre.alerts()) == 2  # still listed, not spoken
    press(qtbot, Qt.Key.Key_F8)  # asked for: repeated even while muted
    qtbot.waitUntil(lambda: len(engine.said) == 2)
    assert engine.said[-1] == "Medic seven, no response to status check"

    press(qtbot, Qt.Key.Key_M, CTRL)
    assert not announcer.muted and "MUTED" not in counter.text()
    centre.raise_alert("camera.lost", "Cam 3", phrase=Phrase("camera.lost", {"camera": "3"}))
    qtbot.waitUntil(lambda: len(engine.said) == 3)
    assert engine.said[-1] == "Camera 3 offline"


def test_an_unanswered_demo_call_raises_an_alert(qtbot: QtBot, make_desk: Make) -> None:
    from dispatch_desk.demo.calls import DemoCallFeed

    clock = FakeClock()
    desk = make_desk(clock)
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    window.offer_call(DemoCallFeed(clock, seed=4).next_call())
    clock.advance(seconds=25)
    qtbot.waitUntil(lambda: desk.core.alerts.alerts() != [], timeout=3000)  # the 1 s ticker
    [alert] = desk.core.alerts.alerts()
    assert alert.kind == "call.unanswered" and "ringing 25 s" in alert.text
    assert desk.speech is not None
    qtbot.waitUntil(
        lambda: desk.speech.engine.said == ["Call not answered, ringing twenty-five seconds"]
    )


def test_the_voice_dialog_keeps_each_users_choice(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    assert desk.speech is not None
    window.alerts.panel.voice_action.trigger()
    qtbot.waitUntil(lambda: getattr(window.alerts, "voice_dialog", None) is not None)
    dialog = window.alerts.voice_dialog
    qtbot.waitExposed(dialog)
    dialog.language.setCurrentIndex(dialog.language.findData("es"))
    dialog.rate.setValue(150)
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    save.click()
    qtbot.waitUntil(lambda: desk.speech.announcer.voice.language == "es")
    assert desk.speech.announcer.voice.rate == 150
    stored = json.loads((desk.core.paths.config_dir / "voices.json").read_text(encoding="utf-8"))
    assert stored["dispatcher"]["language"] == "es" and stored["dispatcher"]["rate"] == 150

    engine = desk.speech.engine
    assert isinstance(engine, SilentEngine)
    desk.core.alerts.raise_alert(
        "unit.no_response", "M7", phrase=Phrase("unit.no_response", {"unit": "M7"})
    )
    qtbot.waitUntil(lambda: engine.said == ["Médico 7, sin respuesta al control de estado"])
