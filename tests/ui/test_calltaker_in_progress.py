""" "In progress" on the intake form: it follows the incident type as it is chosen, Alt+G sets it
without moving the cursor, and what it says reaches the incident's texting rules."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_desk.messaging.texting_state import state_of
from tests.ui.conftest import Make, keys, press, sign_in

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
IN_PROGRESS = "Call in progress: no texts until it is not."


def _new_call(qtbot: QtBot, window, kind: str, n: int) -> None:  # type: ignore[no-untyped-def]
    press(qtbot, Qt.Key.Key_F2)
    keys(qtbot, f"(617) 555-016{n}")  # other callers at other places: no duplicate warning
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, f"{n}0 Oak Avenue")
    press(qtbot, Qt.Key.Key_T, ALT)
    keys(qtbot, kind)
    press(qtbot, Qt.Key.Key_R, ALT)
    keys(qtbot, "Someone trying car doors on the street.")


def _save(qtbot: QtBot, window):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.incident_saved, timeout=5000) as saved:
        press(qtbot, Qt.Key.Key_S, CTRL)
    return saved.args[0]


def _texting(window, incident):  # type: ignore[no-untyped-def]
    core = window.core
    state = core.store.read_sync(lambda s: state_of(s, incident.id))
    return state, core.store.read_sync(core.status_texts.state, incident.id).blocked


def test_in_progress_follows_the_type_until_the_call_taker_sets_it(
    qtbot: QtBot, make_desk: Make
) -> None:
    window = sign_in(qtbot, make_desk(), "calltaker", "calltaker-demo")
    form = window.form
    _new_call(qtbot, window, "SUSPP", 1)  # an in-progress type in the demo agency
    assert form.in_progress.isChecked() and form.draft().in_progress is None
    first = _save(qtbot, window)
    state, blocked = _texting(window, first)
    assert (state.in_progress, state.in_progress_set, blocked) == (True, False, IN_PROGRESS)

    _new_call(qtbot, window, "BURG", 2)
    assert not form.in_progress.isChecked()
    assert QApplication.focusWidget() is form.narrative
    press(qtbot, Qt.Key.Key_G, ALT)  # the call-taker hears it is still going on
    assert form.in_progress.isChecked()
    assert QApplication.focusWidget() is form.narrative  # typing carries on where it was
    keys(qtbot, " He is still here.")
    press(qtbot, Qt.Key.Key_T, ALT)
    form.incident_type.setCurrentText("")
    keys(qtbot, "MEDFALL")  # another type does not undo what the call-taker said
    assert form.in_progress.isChecked() and form.draft().in_progress is True
    second = _save(qtbot, window)
    state, blocked = _texting(window, second)
    assert (state.in_progress, state.in_progress_set, blocked) == (True, True, IN_PROGRESS)

    _new_call(qtbot, window, "SUSPP", 3)
    press(qtbot, Qt.Key.Key_G, ALT)  # cleared: the person left before the call
    assert not form.in_progress.isChecked() and form.draft().in_progress is False
    third = _save(qtbot, window)
    state, blocked = _texting(window, third)
    assert (state.in_progress, state.in_progress_set) == (False, True) and blocked != IN_PROGRESS
