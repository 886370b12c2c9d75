"""The alert dock's contents and the status-bar counter.

The panel lists the workstation's alerts; Enter (or a double-click) jumps to the alert's
incident, Space acknowledges, F8 repeats the last announcement, Ctrl+M mutes. The counter shows
how many alerts wait unacknowledged, red while a priority-1 alert is among them.

Signals (AlertPanel):
    incident_chosen(uuid.UUID): the dispatcher asked to open this alert's incident.
    voice_requested(): the dispatcher asked for the voice settings.
    muted_changed(bool): announcements were muted or turned back on.
Signals (AlertCounter, a QPushButton): clicked().
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.model import AlertEvent
from dispatch_desk.speech.announcer import Announcer, AnnouncerEvent
from ui.alerts.model import AlertModel
from ui.models import setup_list_table
from ui.theme import restyle

STYLE = """
QLabel#alertSaid { color: #8b96a5; padding: 1px 2px; }
QLabel#alertSaid[state="failed"] { color: #ff938a; }
QToolBar#alertTools { border: 0; spacing: 3px; padding: 0; }
QToolBar#alertTools QToolButton {
  background: #262d36; border: 1px solid #343d49; border-radius: 3px; padding: 1px 7px;
}
QToolBar#alertTools QToolButton:hover { background: #2d3540; }
QToolButton#alertMute:checked { background: #4a1f1f; border: 1px solid #8e3a34; color: #ffd2cc; }
"""

COUNTER_STYLE = """
QPushButton#alertCounter { border: 0; padding: 0 8px; color: #8b96a5; background: transparent; }
QPushButton#alertCounter[level="new"] { color: #ffe3b0; background: #47361a; }
QPushButton#alertCounter[level="urgent"] { color: #ffffff; background: #8e3a34; font-weight: 700; }
"""


class AlertView(QTableView):
    """Enter opens the incident, Space acknowledges."""

    chosen = Signal(QModelIndex)
    acknowledge_requested = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        if index.isValid() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit(index)
            return
        if index.isValid() and event.key() == Qt.Key.Key_Space:
            self.acknowledge_requested.emit(index)
            return
        super().keyPressEvent(event)


class AlertPanel(QWidget):
    incident_chosen = Signal(object)
    voice_requested = Signal()
    muted_changed = Signal(bool)

    def __init__(
        self,
        centre: AlertCentre,
        who: str,
        announcer: Announcer | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alertPanel")
        self.setStyleSheet(STYLE)
        self.centre = centre
        self.announcer = announcer
        self._who = who
        self.model = AlertModel(key=lambda a: a.id)
        self.view = AlertView()
        self.view.setObjectName("alertView")
        self.view.setModel(self.model)
        setup_list_table(self.view, (26, 66, 300, 82, 62), stretch=2, row_height=22)

        self.summary = QLabel()
        self.summary.setObjectName("sectionTitle")
        self.summary.setMinimumWidth(40)
        # A tool bar folds what does not fit behind its » button when the dock is narrow.
        self.tools = QToolBar()
        self.tools.setObjectName("alertTools")
        self.tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.ack_action = self.tools.addAction("Acknowledge")
        self.ack_action.setToolTip("Acknowledge the selected alert (Space)")
        self.ack_all_action = self.tools.addAction("All seen")
        self.ack_all_action.setToolTip("Acknowledge every alert")
        self.repeat_action = self.tools.addAction("Repeat")
        self.repeat_action.setToolTip("Say the last announcement again (F8)")
        self.mute_action = self.tools.addAction("Mute")
        self.mute_action.setCheckable(True)
        self.mute_action.setToolTip("Stop spoken announcements on this workstation (Ctrl+M)")
        self.voice_action = self.tools.addAction("Voice")
        self.voice_action.setToolTip("Language, voice, rate and volume")
        mute_button = self.tools.widgetForAction(self.mute_action)
        mute_button.setObjectName("alertMute")
        self.said = QLabel()
        self.said.setObjectName("alertSaid")
        self.said.setTextFormat(Qt.TextFormat.PlainText)
        self.said.setMinimumWidth(40)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(4)
        top.addWidget(self.summary)
        top.addWidget(self.said, 1)
        top.addWidget(self.tools)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self.view.chosen.connect(self._on_chosen)
        self.view.doubleClicked.connect(self._on_chosen)
        self.view.acknowledge_requested.connect(self._on_acknowledge_requested)
        self.ack_action.triggered.connect(self.acknowledge_selected)
        self.ack_all_action.triggered.connect(self.acknowledge_all)
        self.repeat_action.triggered.connect(self.repeat_last)
        self.mute_action.toggled.connect(self.set_muted)
        self.voice_action.triggered.connect(self.voice_requested.emit)
        self._unsubscribe: list[Callable[[], None]] = [centre.subscribe(self._on_alert)]
        if announcer is not None:
            self._unsubscribe.append(announcer.subscribe(self._on_announcer))
            self.mute_action.setChecked(announcer.muted)
        else:
            for action in (self.repeat_action, self.mute_action, self.voice_action):
                action.setEnabled(False)
        self.said.setText("Spoken alerts are off." if announcer is None else "Nothing said yet.")
        self._refresh()

    # -- what the dispatcher does

    def acknowledge_selected(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self._on_acknowledge_requested(index)

    def acknowledge_all(self) -> None:
        self.centre.acknowledge_all(self._who)

    def repeat_last(self) -> None:
        if self.announcer is None:
            return
        if self.announcer.repeat_last() is None:
            self._show_said("Nothing to repeat yet.")

    def set_muted(self, muted: bool) -> None:
        if self.announcer is None:
            return
        self.announcer.set_muted(muted)
        if self.mute_action.isChecked() != muted:
            self.mute_action.setChecked(muted)
        self.mute_action.setText("Muted" if muted else "Mute")
        self._show_said("Announcements muted." if muted else "Announcements on.")
        self.muted_changed.emit(muted)

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # -- following the centre and the announcer

    def _on_alert(self, event: AlertEvent) -> None:
        self._refresh()

    def _on_announcer(self, event: AnnouncerEvent) -> None:
        if event.kind == "started":
            self._show_said(f"Saying: {event.announcement.text}")
        elif event.kind == "spoken":
            self._show_said(f"Said: {event.announcement.text}")
        elif event.kind == "failed":
            self._show_said(f"Not said ({event.detail}): {event.announcement.text}", "failed")

    def _show_said(self, text: str, state: str = "") -> None:
        self.said.setText(text)
        if self.said.property("state") != state:
            restyle(self.said, "state", state)

    def _refresh(self) -> None:
        current = self.view.currentIndex()
        selected = self.model.row(current.row()).id if current.isValid() else None
        self.model.set_rows(self.centre.alerts())
        if selected is not None:
            row = self.model.index_of(selected)
            if row is not None:
                self.view.setCurrentIndex(self.model.index(row, 0))
        waiting = self.centre.unacknowledged()
        self.summary.setText(f"{len(waiting)} new" if waiting else "No new alerts")

    def _on_chosen(self, index: QModelIndex) -> None:
        alert = self.model.row(index.row())
        self.centre.acknowledge(alert.id, self._who)
        if alert.incident_id is not None:
            self.incident_chosen.emit(alert.incident_id)

    def _on_acknowledge_requested(self, index: QModelIndex) -> None:
        self.centre.acknowledge(self.model.row(index.row()).id, self._who)


class AlertCounter(QPushButton):
    """How many alerts wait unacknowledged; red while a priority-1 alert is among them."""

    def __init__(self, centre: AlertCentre, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertCounter")
        self.setStyleSheet(COUNTER_STYLE)
        self.setFlat(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip("Unacknowledged alerts (F7 shows the list)")
        self.centre = centre
        self.muted = False
        self._unsubscribe = centre.subscribe(lambda _event: self.refresh())
        self.refresh()

    def detach(self) -> None:
        self._unsubscribe()

    def refresh(self) -> None:
        waiting = self.centre.unacknowledged()
        urgent = sum(1 for a in waiting if a.priority == 1)
        text = f"{len(waiting)} alert{'s' if len(waiting) != 1 else ''}" if waiting else "No alerts"
        if urgent:
            text += f" · {urgent} P1"
        if self.muted:
            text += " · MUTED"
        self.setText(text)
        level = "urgent" if urgent else "new" if waiting else "none"
        if self.property("level") != level:
            restyle(self, "level", level)

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        self.refresh()
