"""Signing in, failing to, and the idle lock that hides the screen without losing the call."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_desk.storage.models import AuditEvent
from tests.ui.conftest import Make, keys, open_login, press, sign_in


def _audit(desk, action: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return desk.core.store.read_sync(
        lambda s: list(
            s.execute(
                select(AuditEvent.username, AuditEvent.outcome)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.at)
            )
        )
    )


def test_wrong_password_is_refused_and_audited(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    login = open_login(qtbot, desk)
    # Demo mode shows the demo accounts on the log-in screen (and only demo mode: see below).
    assert any("calltaker-demo" in label.text() for label in login.findChildren(QLabel))
    keys(qtbot, "dispatcher")
    press(qtbot, Qt.Key.Key_Return)
    keys(qtbot, "not-the-password")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(login.error.isVisible, timeout=5000)
    assert login.error.text() == "User name or password is wrong."
    assert login.password.text() == ""
    assert desk.window is None
    assert ("dispatcher", "failed") in _audit(desk, "login")


def test_idle_lock_hides_the_screen_and_keeps_the_call(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(session__lock_after_idle_s=1)
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    press(qtbot, Qt.Key.Key_F2)
    keys(qtbot, "(617) 555-0123")
    qtbot.waitUntil(lambda: desk.locked, timeout=4000)  # one idle second, no input
    overlay = desk._overlay
    assert overlay is not None
    assert overlay.isVisible() and overlay.geometry() == window.rect()
    assert not window.centralWidget().isEnabled()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is overlay.password)
    press(qtbot, Qt.Key.Key_F2)  # shortcuts do nothing while locked
    assert window.form.callback.text() == "(617) 555-0123"
    keys(qtbot, "wrong-password")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: overlay.error.text() == "Wrong password.", timeout=5000)
    assert desk.locked
    keys(qtbot, "calltaker-demo")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not desk.locked, timeout=5000)
    assert not overlay.isVisible() and window.centralWidget().isEnabled()
    assert window.form.callback.text() == "(617) 555-0123"
    assert _audit(desk, "screen.lock") == [("calltaker", "ok")]
    assert _audit(desk, "screen.unlock") == [("calltaker", "failed"), ("calltaker", "ok")]


def test_ctrl_l_locks_at_once(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    sign_in(qtbot, desk, "supervisor", "supervisor-demo")
    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert desk.locked


def test_real_agency_login_screen_shows_no_credentials(qtbot: QtBot) -> None:
    from dispatch_desk.domain.agency import DemoUser
    from dispatch_desk.domain.enums import Role
    from ui.login import LoginWindow

    with_demo = LoginWindow("Agency", "ws", (DemoUser("a", "A", Role.ADMIN, "secret-pass"),))
    without = LoginWindow("Agency", "ws", ())
    qtbot.addWidget(with_demo)
    qtbot.addWidget(without)
    assert any("secret-pass" in lbl.text() for lbl in with_demo.findChildren(QLabel))
    assert not any("Demo" in lbl.text() for lbl in without.findChildren(QLabel))
