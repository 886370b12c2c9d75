"""CameraView: one camera stream painted in a widget, reconnecting by itself with backoff."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from dispatch_desk.cameras.streams import StreamCredentials, StreamState


class CameraView(QWidget):
    """Paints one camera stream; owns its player; reconnects by itself with backoff."""

    state_changed = Signal(object, str)  # (StreamState, human message for the tile)
    first_frame = Signal()  # once per play(), when the first frame is painted

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = StreamState.IDLE
        self._message = ""

    def play(self, url: str, credentials: StreamCredentials | None = None) -> None:
        """Replace what is playing (used to switch sub <-> main stream); never blocks the GUI."""
        raise NotImplementedError  # contract first; implementation follows

    def stop(self) -> None:
        """Idempotent; never blocks the GUI thread for long."""

    @property
    def state(self) -> StreamState:
        return self._state

    @property
    def message(self) -> str:
        return self._message

    def snapshot(self) -> QImage | None:
        """A copy of the newest frame, full resolution."""
        return None

    def frame_size(self) -> QSize:
        """Source resolution (0x0 before the first frame)."""
        return QSize(0, 0)
