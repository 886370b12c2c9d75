"""Asking for a live session from the call-taker window, without a phone: the dialog, copying the
link instead of texting it, a refusal shown where the dispatcher is looking, and the session
windows hidden while the workstation is locked or nobody is signed in."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_desk.domain.citizen import SessionState
from tests.helpers.core import FakeClock, create_incident
from tests.helpers.live import run
from tests.ui.conftest import Make, press, sign_in

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_live_video_needs_an_incident_in_hand(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    press(qtbot, Qt.Key.Key_V, CTRL | SHIFT)
    assert "Save the incident first" in window.form.banner.text()
    assert desk.live.dialog is None and not desk.live.sessions.started


def test_a_copied_link_is_not_texted_and_a_closed_incident_is_refused_in_the_dialog(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    core = desk.core
    incident = create_incident(core, desk.actor)
    run(qtbot, window._open_incident(incident.id))
    press(qtbot, Qt.Key.Key_V, CTRL | SHIFT)
    qtbot.waitUntil(lambda: desk.live.dialog is not None and desk.live.dialog.isVisible())
    dialog = desk.live.dialog
    dialog.kinds.buttons()[1].setChecked(True)  # location only
    with qtbot.waitSignal(desk.live.window_opened, timeout=10000) as opened:
        qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    session = opened.args[0]
    qtbot.waitUntil(lambda: desk.live.dialog is None)
    url = desk.live.sessions.url_of(session.session_id)
    assert url and QGuiApplication.clipboard().text() == url
    # No link was texted (the caller's status texts, a confirmation, may go out meanwhile).
    assert not [m for m in core.sms.sent if "/s/" in m.body or url in m.body]
    assert session.view_state.state == SessionState.INVITED
    assert session.view_state.kind.value == "location"
    assert "Link copied" in session.message.text()
    assert not session.still_button.isEnabled()  # no video asked for

    # The same incident again: its live session window comes forward, no second invite.
    session.hide()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.form.narrative.setFocus()
    press(qtbot, Qt.Key.Key_V, CTRL | SHIFT)
    qtbot.waitUntil(session.isVisible)
    assert desk.live.dialog is None

    # A closed incident: the dialog stays open and says why.
    closed = create_incident(core, desk.actor, address="9 Elm Street")
    core.store.write_sync(core.incidents.close, desk.actor, closed.id, "Report taken", core.clock())
    desk.live.request_invite(desk.actor, closed.id, window)
    qtbot.waitUntil(lambda: desk.live.dialog is not None and desk.live.dialog.isVisible())
    dialog = desk.live.dialog
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "is closed" in dialog.error.text())
    assert dialog.isVisible() and dialog.send_button.isEnabled()
    dialog.reject()


@pytest.mark.parametrize("how", ["lock", "sign-out"])
def test_session_windows_are_hidden_while_locked_or_signed_out(
    qtbot: QtBot, make_desk: Make, how: str
) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    incident = create_incident(desk.core, desk.actor)
    invitation = run(
        qtbot,
        desk.live.invite(desk.actor, incident.id, _video(), phone_e164=None, send_sms=False),
    )
    session = desk.live.windows[invitation.view.id]
    qtbot.waitUntil(session.isVisible)
    if how == "lock":
        window.lock_requested.emit()
        assert not session.isVisible()
        assert run(qtbot, desk.unlock("dispatcher-demo"))
        assert session.isVisible()
    else:
        run(qtbot, desk.sign_out())
        assert not session.isVisible() and desk.live.actor is None
        assert run(qtbot, desk.sign_in("supervisor", "supervisor-demo")) is not None
        qtbot.waitUntil(session.isVisible)
        assert desk.live.actor is not None and desk.live.actor.username == "supervisor"


def _video():  # type: ignore[no-untyped-def]
    from dispatch_desk.domain.citizen import InviteKind

    return InviteKind.VIDEO
