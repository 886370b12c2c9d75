"""Idle lock: after the configured idle time every window is covered until the user unlocks.

What was on screen (a half-typed call included) stays exactly as it was under the cover.

Signals (IdleWatcher): went_idle() once the idle time has passed without keyboard or mouse.
Signals (LockOverlay): unlock_requested(str) with the password typed.

A window of its own (review, audit trail) follows the lock with :class:`HiddenWhileLocked`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class HiddenWhileLocked(QObject):
    """Hides ``window`` while ``watched`` (the call-taker window's centre, which the lock
    disables) is disabled, and shows it again when it is enabled: nobody reads in the user's
    name at a locked desk, and the work is where it was left on unlock. ``on_hide`` runs first
    (a player stops, say)."""

    def __init__(
        self, window: QWidget, watched: QWidget, on_hide: Callable[[], None] | None = None
    ) -> None:
        super().__init__(window)
        self._window, self._watched, self._on_hide = window, watched, on_hide
        self._hidden = False
        watched.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._watched and event.type() == QEvent.Type.EnabledChange:
            if not self._watched.isEnabled() and self._window.isVisible():
                if self._on_hide is not None:
                    self._on_hide()
                self._hidden = True
                self._window.hide()
            elif self._watched.isEnabled() and self._hidden:
                self._hidden = False
                self._window.show()
        return False


class IdleWatcher(QObject):
    went_idle = Signal()

    def __init__(self, timeout_s: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True)
        self._timer.setInterval(max(1, timeout_s) * 1000)
        self._timer.timeout.connect(self.went_idle.emit)
        self.enabled = timeout_s > 0

    def start(self) -> None:
        if self.enabled:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False


class LockOverlay(QWidget):
    unlock_requested = Signal(str)

    def __init__(self, window: QWidget, who: str, with_password: bool) -> None:
        super().__init__(window)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        title = QLabel("Locked")
        title.setObjectName("incidentHeader")
        detail = QLabel(f"Signed in: {who}. Everything on screen is kept.")
        self.password = QLineEdit(objectName="unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password, then Enter")
        self.password.setMaximumWidth(280)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (title, detail, self.password, self.error):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.password.setVisible(with_password)
        self.password.returnPressed.connect(
            lambda: self.unlock_requested.emit(self.password.text())
        )
        window.installEventFilter(self)
        self.setGeometry(window.rect())

    def show_over(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.error.clear()
        self.password.clear()
        if self.password.isVisible():
            self.password.setFocus()

    def refuse(self) -> None:
        self.error.setText("Wrong password.")
        self.password.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False
