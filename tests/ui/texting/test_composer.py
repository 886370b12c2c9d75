"""The composer on its own: the live counter, Enter and Shift+Enter, presets by keyboard."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_desk.messaging.presets import DEFAULT_PRESETS
from tests.ui.conftest import keys, press
from ui.texting.composer import MAX_BODY_CHARS, Composer

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def type_any(text: str) -> None:
    """Type text that QTest cannot (it knows ASCII only), key by key, as a keyboard with
    Spanish layout or an input method would deliver it."""
    widget = QApplication.focusWidget()
    assert widget is not None
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            )


def _composer(qtbot: QtBot) -> Composer:
    composer = Composer(DEFAULT_PRESETS)
    qtbot.addWidget(composer)
    composer.resize(560, 140)
    composer.show()
    qtbot.waitExposed(composer)
    composer.activateWindow()
    composer.edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is composer.edit)
    return composer


def test_counter_follows_typing_and_says_why_ucs2(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    assert composer.counter.text() == "GSM-7 · 0/160 · 0 segments"
    keys(qtbot, "Where are you?")
    assert composer.counter.text() == "GSM-7 · 14/160 · 1 segment"
    assert composer.counter.property("kind") == ""
    type_any(" ¿Dónde está?")
    text = composer.counter.text()
    assert text.startswith("UCS-2 · 27/70 · 1 segment")
    assert "ó" in text and "á" in text
    assert composer.counter.property("kind") == "ucs2"


def test_counter_shows_the_second_segment(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    composer.set_text("x" * 161)
    assert composer.counter.text() == "GSM-7 · 8/153 · 2 segments"


def test_enter_sends_shift_enter_adds_a_line(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    keys(qtbot, "Are you hurt?")
    press(qtbot, Qt.Key.Key_Return, SHIFT)
    keys(qtbot, "Reply YES or NO")
    assert composer.text() == "Are you hurt?\nReply YES or NO"
    assert sent == []
    press(qtbot, Qt.Key.Key_Return)
    assert sent == ["Are you hurt?\nReply YES or NO"]
    assert composer.text() == "Are you hurt?\nReply YES or NO"  # kept until stored


def test_empty_or_blank_text_is_not_sent(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    press(qtbot, Qt.Key.Key_Return)
    keys(qtbot, "   ")
    press(qtbot, Qt.Key.Key_Return)
    assert sent == []


def test_ctrl_digit_inserts_a_preset_in_the_chosen_language(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    press(qtbot, Qt.Key.Key_1, CTRL)
    greeting = DEFAULT_PRESETS[0]
    assert composer.text() == greeting.en
    composer.set_text("")
    press(qtbot, Qt.Key.Key_E, CTRL)  # to Spanish
    assert composer.language == "es" and composer.language_button.text() == "ES"
    press(qtbot, Qt.Key.Key_3, CTRL)
    safe = next(p for p in DEFAULT_PRESETS if p.hotkey == 3)
    assert composer.text() == safe.es
    keys(qtbot, "!")
    assert composer.text() == safe.es + "!"  # the cursor is after the preset


def test_preset_goes_in_at_the_cursor_after_what_was_typed(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    keys(qtbot, "Thank you.")
    press(qtbot, Qt.Key.Key_9, CTRL)
    closing = next(p for p in DEFAULT_PRESETS if p.hotkey == 9)
    assert composer.text() == f"Thank you. {closing.en}"


def test_preset_picker_filters_and_enter_inserts(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    press(qtbot, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: composer.picker.isVisible())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is composer.picker.filter)
    keys(qtbot, "vehicle")
    assert composer.picker.list.count() == 1
    press(qtbot, Qt.Key.Key_Return)
    vehicle = next(p for p in DEFAULT_PRESETS if p.id == "police_vehicle")
    assert composer.text() == vehicle.en
    assert not composer.picker.isVisible()


def test_a_text_over_the_limit_is_refused_and_kept(qtbot: QtBot) -> None:
    composer = _composer(qtbot)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    long_text = "a" * (MAX_BODY_CHARS + 1)
    composer.set_text(long_text)
    press(qtbot, Qt.Key.Key_Return)
    assert sent == []
    assert composer.text() == long_text
    assert "Too long to send" in composer.counter.text()
    assert composer.counter.property("kind") == "error"
