"""One tile of the wall: a camera (or a sequence of cameras) with its name and state badge.

The tile knows what it shows and how it looks; whether a camera may be shown, and the audit
record of it being shown, are the window's (through ``WallTile.host``): a tile never plays a
camera whose viewing has not been opened.

Signals:
    cameras_dropped(tile, ids, append): camera ids dropped on it (append: Ctrl held).
    enlarge_requested(tile): double-clicked.
    chosen(tile): clicked (the window's current tile for a still).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from dispatch_desk.cameras.registry import CameraEntry
from dispatch_desk.cameras.streams import StreamState
from ui.theme import restyle
from ui.wall.mime import camera_ids_from
from ui.wall.player import CameraView

BADGES = {
    StreamState.IDLE: ("", "idle"),
    StreamState.CONNECTING: ("CONNECTING", "connecting"),
    StreamState.LIVE: ("LIVE", "live"),
    StreamState.LOST: ("LOST", "lost"),
    StreamState.RECONNECTING: ("RECONNECTING", "reconnecting"),
    StreamState.FAILED: ("FAILED", "failed"),
}

STYLE = """
WallTile { background: #0b0d10; border: 1px solid #2a313b; }
WallTile[current="true"] { border: 1px solid #4c9be8; }
WallTile[dropping="true"] { border: 2px dashed #4c9be8; }
QLabel#tileName { color: #d9dfe7; font-weight: 600; padding: 1px 4px; }
QLabel#tileSeq { color: #8b96a5; padding: 1px 4px; }
QLabel#tileBadge { border-radius: 3px; padding: 0 5px; font-weight: 700; color: #0b0d10; }
QLabel#tileBadge[state="live"] { background: #57ab5a; }
QLabel#tileBadge[state="connecting"] { background: #c8b43c; }
QLabel#tileBadge[state="reconnecting"] { background: #e0823d; }
QLabel#tileBadge[state="lost"] { background: #e5534b; }
QLabel#tileBadge[state="failed"] { background: #e5534b; }
QLabel#tileBadge[state="refused"] { background: #8b96a5; }
QLabel#tileBadge[state="idle"] { background: transparent; }
QLabel#tileMessage { color: #d9dfe7; background: rgba(11, 13, 16, 200); padding: 6px; }
QLabel#tileMessage[kind="error"] { color: #f0a09b; }
"""


class TileHost(Protocol):
    def show_on(self, tile: WallTile, camera: CameraEntry) -> None: ...
    def stop_on(self, tile: WallTile) -> None: ...
    def main_stream_min_px(self) -> int: ...


class WallTile(QFrame):
    cameras_dropped = Signal(object, object, bool)
    enlarge_requested = Signal(object)
    chosen = Signal(object)

    def __init__(self, index: int, host: TileHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.host = host
        self.setObjectName(f"wallTile{index}")
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMinimumSize(160, 100)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setStyleSheet(STYLE)
        self.view = CameraView(self)
        self.view.setAcceptDrops(False)
        self.view.installEventFilter(self)
        self.name = QLabel("", objectName="tileName")
        self.seq = QLabel("", objectName="tileSeq")
        self.badge = QLabel("", objectName="tileBadge")
        restyle(self.badge, "state", "idle")
        self.message = QLabel(self.view, objectName="tileMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.hide()
        header = QHBoxLayout()
        header.setContentsMargins(2, 1, 2, 1)
        header.setSpacing(4)
        header.addWidget(self.name, 1)
        header.addWidget(self.seq)
        header.addWidget(self.badge)
        column = QVBoxLayout(self)
        column.setContentsMargins(1, 1, 1, 1)
        column.setSpacing(0)
        column.addLayout(header)
        column.addWidget(self.view, 1)
        self.view.state_changed.connect(self._on_state)

        self.sequence: list[CameraEntry] = []
        self.dwell_s = 10.0
        self.position = 0
        self.camera: CameraEntry | None = None  # what is shown now (its viewing is open)
        self.stream = ""  # "sub" or "main" while playing
        self._rotate = QTimer(self)
        self._rotate.timeout.connect(self.next_in_sequence)
        self._placeholder()

    # -- what the tile shows

    def set_cameras(self, cameras: Sequence[CameraEntry], dwell_s: float | None = None) -> None:
        """One camera, or several to rotate through; empty clears the tile."""
        self._rotate.stop()
        self.sequence = list(cameras)
        if dwell_s is not None:
            self.dwell_s = dwell_s
        self.position = 0
        if not self.sequence:
            self.clear()
            return
        self.host.show_on(self, self.sequence[0])
        if len(self.sequence) > 1:
            self._rotate.start(int(self.dwell_s * 1000))
        self._show_sequence_label()

    def next_in_sequence(self) -> None:
        if len(self.sequence) < 2:
            return
        self.position = (self.position + 1) % len(self.sequence)
        self.host.show_on(self, self.sequence[self.position])
        self._show_sequence_label()

    def clear(self) -> None:
        self._rotate.stop()
        self.sequence = []
        self.host.stop_on(self)
        self._placeholder()

    @property
    def camera_ids(self) -> list[uuid.UUID]:
        return [c.id for c in self.sequence]

    def _show_sequence_label(self) -> None:
        count = len(self.sequence)
        self.seq.setText(f"{self.position + 1}/{count} · {self.dwell_s:g}s" if count > 1 else "")

    def _placeholder(self) -> None:
        self.camera = None
        self.stream = ""
        self.name.setText(f"{self.index + 1}")
        self.seq.setText("")
        self._badge(StreamState.IDLE)
        self.show_message("Drop a camera here", error=False)

    # -- called by the window

    def showing(self, camera: CameraEntry) -> None:
        """The window opened a viewing of ``camera`` for this tile; it is about to play."""
        self.camera = camera
        self.name.setText(camera.name)
        self.name.setToolTip(f"{camera.name}\n{camera.near}" if camera.near else camera.name)
        self.message.hide()

    def refused(self, camera: CameraEntry, why: str) -> None:
        self.camera = None
        self.stream = ""
        self.name.setText(camera.name)
        self.badge.setText("NOT SHOWN")
        restyle(self.badge, "state", "refused")
        self.show_message(why, error=True)

    def wanted_stream(self) -> str:
        threshold = self.host.main_stream_min_px()
        return "main" if self.view.width() >= threshold > 0 else "sub"

    def show_message(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        restyle(self.message, "kind", "error" if error else "info")
        self.message.setVisible(bool(text))
        self._place_message()

    def set_current(self, current: bool) -> None:
        restyle(self, "current", "true" if current else "false")

    # -- state from the player

    def _on_state(self, state: StreamState, message: str) -> None:
        if self.camera is None:
            return
        self._badge(state)
        if state == StreamState.LIVE:
            self.message.hide()
        elif message:
            self.show_message(message, error=state in (StreamState.FAILED, StreamState.LOST))

    def _badge(self, state: StreamState) -> None:
        text, key = BADGES[state]
        self.badge.setText(text)
        restyle(self.badge, "state", key)

    # -- size: sub-stream small, main stream large

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_message()
        if self.camera is not None and self.stream and self.wanted_stream() != self.stream:
            # Deferred: a layout change resizes every tile at once; switch after it settles.
            QTimer.singleShot(0, self._switch_stream)

    def _switch_stream(self) -> None:
        if self.camera is not None and self.stream and self.wanted_stream() != self.stream:
            self.host.show_on(self, self.camera)

    def _place_message(self) -> None:
        width = max(120, self.view.width() - 16)
        self.message.setFixedWidth(width)
        self.message.adjustSize()
        self.message.move(8, max(0, (self.view.height() - self.message.height()) // 2))

    # -- mouse and drops

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.MouseButtonDblClick:
            self.enlarge_requested.emit(self)
            return True
        if watched is self.view and event.type() == QEvent.Type.MouseButtonPress:
            self.chosen.emit(self)
        return super().eventFilter(watched, event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.chosen.emit(self)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.enlarge_requested.emit(self)
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if camera_ids_from(event.mimeData()):
            event.acceptProposedAction()
            restyle(self, "dropping", "true")
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QEvent) -> None:
        restyle(self, "dropping", "false")
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        restyle(self, "dropping", "false")
        ids = camera_ids_from(event.mimeData())
        if not ids:
            event.ignore()
            return
        append = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        event.acceptProposedAction()
        self.cameras_dropped.emit(self, ids, append)
