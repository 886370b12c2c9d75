"""What alerts add to a main window: the Alerts dock, the status-bar counter and their keys.

F7 shows the list, F8 repeats the last announcement, Ctrl+M mutes; the Alert&s menu (Alt+S)
holds them with "All seen" and the voice dialog.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QMainWindow

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.session import SpokenAlerts
from dispatch_desk.speech.voice import Voice
from ui.alerts.panel import AlertCounter, AlertPanel
from ui.alerts.voice import VoiceDialog
from ui.calltaker.dialogs import await_dialog

Spawn = Callable[[Coroutine[Any, Any, Any], str], object]


class AlertsDock:
    def __init__(
        self,
        window: QMainWindow,
        centre: AlertCentre,
        who: str,
        speech: SpokenAlerts | None,
        *,
        beside: QDockWidget,
        open_incident: Callable[[uuid.UUID], None],
        spawn: Spawn,
    ) -> None:
        self.window = window
        self.centre = centre
        self.speech = speech
        self._spawn = spawn
        self.panel = AlertPanel(centre, who, speech.announcer if speech else None)
        self.dock = QDockWidget("Alerts", window)
        self.dock.setObjectName("alertsDock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        window.splitDockWidget(beside, self.dock, Qt.Orientation.Horizontal)
        window.resizeDocks([beside, self.dock], [1, 1], Qt.Orientation.Horizontal)
        self.counter = AlertCounter(centre)
        window.statusBar().addPermanentWidget(self.counter)

        self.panel.incident_chosen.connect(open_incident)
        self.panel.muted_changed.connect(self.counter.set_muted)
        self.panel.voice_requested.connect(self.edit_voice)
        self.counter.clicked.connect(self.show)

        menu = window.menuBar().addMenu("Alert&s")
        entries: list[tuple[str, str, Callable[[], None]]] = [
            ("Show alerts", "F7", self.show),
            ("Repeat last announcement", "F8", self.panel.repeat_last),
            ("Mute announcements", "Ctrl+M", self._toggle_mute),
            ("All alerts seen", "", self.panel.acknowledge_all),
            ("Voice…", "", self.edit_voice),
        ]
        for text, keys, slot in entries:
            action = QAction(text, window)
            if keys:
                action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            if speech is None and slot in (self.panel.repeat_last, self._toggle_mute):
                action.setEnabled(False)
            menu.addAction(action)
            window.addAction(action)
        menu.addAction(self.dock.toggleViewAction())

    def show(self) -> None:
        self.dock.show()
        self.dock.raise_()
        view = self.panel.view
        view.setFocus()
        if not view.currentIndex().isValid() and self.panel.model.rowCount() > 0:
            view.setCurrentIndex(self.panel.model.index(0, 0))

    def _toggle_mute(self) -> None:
        if self.speech is not None:
            self.panel.set_muted(not self.speech.announcer.muted)

    def edit_voice(self) -> None:
        if self.speech is not None:
            self._spawn(self._edit_voice(self.speech), "voice")

    async def _edit_voice(self, speech: SpokenAlerts) -> Voice | None:
        dialog = VoiceDialog(speech.announcer.voice, self.window)
        self.voice_dialog = dialog
        dialog.test_requested.connect(
            lambda voice, text: speech.announcer.announce(text, 1, voice=voice)
        )
        result = await await_dialog(dialog)
        chosen = dialog.chosen()
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return None
        speech.set_voice(chosen)
        return chosen

    def close(self) -> None:
        self.panel.detach()
        self.counter.detach()
