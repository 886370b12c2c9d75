"""One window per live session: the caller's video, the chat, the files, the caller's position.

Keyboard: Ctrl+G grab a still, Ctrl+Shift+C copy the link, Ctrl+E end (press twice), Alt+M the
message field, Alt+F the file list, Ctrl+W hide the window (the session goes on).

Signals:
    chat_requested(str): send this text to the caller.
    still_requested(): grab the frame on screen into the incident.
    end_requested(): end the session (or cancel the link before the caller agreed).
    copy_link_requested(): put the link on the clipboard.
    media_open_requested(MediaView): the dispatcher chose to look at a file.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.domain.citizen import InviteKind, SessionState
from dispatch_desk.domain.phone import format_phone
from dispatch_desk.media.frames import RgbFrame
from dispatch_desk.services.citizen import MediaView, MessageView, SessionView
from dispatch_desk.services.locations import Fix
from ui.live.chat import ChatPanel
from ui.live.media import MediaPanel
from ui.live.video import VideoView
from ui.theme import restyle

NOTES = {
    SessionState.INVITED: "Link sent; waiting for the caller to open it",
    SessionState.OPENED: "The caller has the page open; waiting for consent",
    SessionState.CONSENTED: "The caller agreed; connecting…",
    SessionState.LIVE: "",
    SessionState.DARK: "Video continues",
    SessionState.RECONNECTING: "Connection lost; the phone is reconnecting…",
    SessionState.PAUSED: "The caller stopped sharing (they can agree again)",
    SessionState.ENDED: "Session ended",
    SessionState.DECLINED: "The caller declined",
    SessionState.EXPIRED: "The link expired unused",
    SessionState.REVOKED: "The link was cancelled",
}


class SessionWindow(QWidget):
    chat_requested = Signal(str)
    still_requested = Signal()
    end_requested = Signal()
    copy_link_requested = Signal()
    media_open_requested = Signal(object)

    def __init__(
        self,
        view: SessionView,
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("sessionWindow")
        self._now = now
        self.session_id = view.id
        self.view_state = view
        self._confirming_end = False
        self.viewer: QWidget | None = None

        self.state_badge = QLabel(objectName="liveState")
        self.title = QLabel(objectName="liveTitle")
        self.clock = QLabel(objectName="liveClock")
        for label in (self.state_badge, self.title, self.clock):
            label.setTextFormat(Qt.TextFormat.PlainText)
        header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(self.state_badge)
        header.addWidget(self.title, 1)
        header.addWidget(self.clock)

        self.video = VideoView()
        self.gps = QLineEdit(objectName="liveGps", readOnly=True, placeholderText="No GPS yet")
        self.gps.setToolTip("The caller's GPS, as text to read out or paste")
        self.copy_gps = QPushButton("Copy", objectName="liveCopyGps")
        self.copy_gps.clicked.connect(self._copy_gps)
        gps_row = QHBoxLayout()
        gps_row.setSpacing(4)
        gps_row.addWidget(QLabel("Caller GPS"))
        gps_row.addWidget(self.gps, 1)
        gps_row.addWidget(self.copy_gps)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.setSpacing(4)
        left_column.addWidget(self.video, 1)
        left_column.addLayout(gps_row)

        self.chat = ChatPanel(view.language)
        self.chat.send_requested.connect(self.chat_requested)
        self.files = MediaPanel()
        self.files.open_requested.connect(self.media_open_requested)
        chat_box = self._box("Chat", self.chat)
        files_box = self._box("Files", self.files)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(chat_box)
        right.addWidget(files_box)
        right.setSizes([380, 180])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([720, 400])

        self.still_button = QPushButton("Grab still  Ctrl+G", objectName="liveStill")
        self.still_button.clicked.connect(self.still_requested)
        self.link_button = QPushButton("Copy link  Ctrl+Shift+C", objectName="liveCopyLink")
        self.link_button.clicked.connect(self.copy_link_requested)
        self.end_button = QPushButton(objectName="liveEnd")
        self.end_button.clicked.connect(self._on_end_clicked)
        self.message = QLabel(objectName="liveMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.still_button)
        buttons.addWidget(self.link_button)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.end_button)

        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        column.addLayout(header)
        column.addWidget(split, 1)
        column.addLayout(buttons)

        for keys, slot in (
            ("Ctrl+G", self.still_requested.emit),
            ("Ctrl+Shift+C", self.copy_link_requested.emit),
            ("Ctrl+E", self._on_end_clicked),
            ("Alt+M", self.chat.input.setFocus),
            ("Alt+F", self.files.list.setFocus),
            ("Ctrl+W", self.hide),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        self._end_timer = QTimer(self, singleShot=True, interval=3000)
        self._end_timer.timeout.connect(self._reset_end)
        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(self._tick)
        self.resize(1180, 640)
        self.show_session(view)

    @staticmethod
    def _box(title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(widget)
        return box

    # -- what the session tells

    def show_session(self, view: SessionView) -> None:
        self.view_state = view
        phone = format_phone(view.phone_e164) if view.phone_e164 else "link copied"
        self.setWindowTitle(f"Live — {view.incident_number} — {view.kind.label}")
        self.title.setText(f"{view.incident_number} · {view.kind.label} · caller {phone}")
        self.state_badge.setText(view.state.label.upper())
        restyle(self.state_badge, "state", view.state.value)
        badge = "CALLER DARK" if view.state == SessionState.DARK else ""
        note = NOTES[view.state]
        if view.kind != InviteKind.VIDEO and view.state == SessionState.LIVE:
            note = "No video asked for: chat and " + (
                "location" if view.kind == InviteKind.LOCATION else "photos"
            )
        self.video.set_note(note, badge)
        over = view.state.final
        self.still_button.setEnabled(not over and view.kind == InviteKind.VIDEO)
        self.chat.setEnabled(not over)
        self.link_button.setEnabled(not over)
        self._reset_end()
        self.end_button.setEnabled(not over)
        self._tick()

    def show_frame(self, frame: RgbFrame) -> None:
        self.video.show_frame(frame)

    def add_chat(self, message: MessageView) -> None:
        self.chat.add(message)

    def delivered(self, message_id: uuid.UUID) -> None:
        self.chat.delivered(message_id)

    def add_media(self, media: MediaView) -> None:
        self.files.add(media)

    def show_fix(self, fix: Fix) -> None:
        self.gps.setText(f"{fix.position.text()}  at {fix.at.astimezone():%H:%M:%S}")

    def show_viewer(self, viewer: QWidget) -> None:
        """Open a file the dispatcher chose to look at (one at a time)."""
        if self.viewer is not None:
            self.viewer.close()
            self.viewer.deleteLater()
        self.viewer = viewer
        viewer.show()

    def say(self, text: str) -> None:
        """A short result line under the video (plain text)."""
        self.message.setText(text)

    # -- actions

    def _copy_gps(self) -> None:
        text = self.gps.text().split("  at ")[0]
        if text:
            QGuiApplication.clipboard().setText(text)
            self.say("GPS copied.")

    def _on_end_clicked(self) -> None:
        if self.view_state.state.final:
            return
        if not self._confirming_end:
            self._confirming_end = True
            self.end_button.setText("Press again to end")
            self._end_timer.start()
            return
        self._reset_end()
        self.end_requested.emit()

    def _reset_end(self) -> None:
        self._confirming_end = False
        before_consent = self.view_state.state in (SessionState.INVITED, SessionState.OPENED)
        self.end_button.setText("Cancel link  Ctrl+E" if before_consent else "End session  Ctrl+E")

    def _tick(self) -> None:
        view = self.view_state
        start = view.consented_at or view.created_at
        end = view.ended_at or self._now()
        seconds = max(0, int((end - start).total_seconds()))
        self.clock.setText(f"{seconds // 60:02d}:{seconds % 60:02d}")

    def showEvent(self, event: QShowEvent) -> None:
        self._ticker.start()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing only hides: the session (and its recording) go on until someone ends it.
        self._ticker.stop()
        super().closeEvent(event)
