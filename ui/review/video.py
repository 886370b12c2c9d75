"""RecordingPlayer: one recorded segment played from its file by libvlc, paused and sought at will.

The picture comes through :class:`~dispatch_desk.cameras.playback.Pipeline` as on the wall: VLC's
threads only hand over the frame's buffer and call ``notify``; the bytes are copied into a QImage
and painted here, on the GUI thread. The pipeline is subclassed only to reach the player's own
clock, pause and seek (a wall tile never needs them). A file that ends or cannot be played says
so in the pane; so does time outside any recording ("No recording at this time").
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QRect, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from dispatch_desk.cameras.playback import Event, Pipeline

NO_RECORDING = "No recording at this time"
BACKGROUND = QColor("#0b0e12")
TEXT = QColor("#8b96a5")


class FilePipeline(Pipeline):
    """A pipeline over a file, with the player's clock, pause and seek."""

    def time_ms(self) -> int:
        player = self._player
        return int(player.get_time()) if player is not None and not self.ended else -1

    def seek_ms(self, ms: int) -> None:
        player = self._player
        if player is not None and not self.ended:
            player.set_time(max(0, int(ms)))

    def set_pause(self, paused: bool) -> None:
        player = self._player
        if player is not None and not self.ended:
            player.set_pause(1 if paused else 0)

    def is_playing(self) -> bool:
        player = self._player
        return bool(player is not None and not self.ended and player.is_playing())


class _Relay(QObject):
    """Carries a pipeline's events from VLC's threads to the GUI thread."""

    event = Signal(object, str)


class RecordingPlayer(QWidget):
    """Plays one file at a time; ``frame_painted`` after each new picture is painted."""

    frame_painted = Signal()
    ended = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewVideo")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 150)
        self.pipeline: FilePipeline | None = None
        self.path: Path | None = None
        self.image: QImage | None = None
        self.message = NO_RECORDING
        self.painted_frames = 0
        self.last_frame_at = 0.0  # time.perf_counter() of the newest painted frame
        self._relay = _Relay()
        self._relay.event.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self._paused_wanted = True
        self._pending_seek: float | None = None  # asked for before the file had started
        self._started = False  # the current file has shown a picture

    # -- control

    def open(self, path: Path, *, paused: bool = True) -> None:
        """Play ``path`` (a new pipeline); ``paused`` stops it at its first picture."""
        self.close_file()
        self.path = path
        self.message = ""
        self._paused_wanted = paused
        self._pending_seek = None
        self._started = False
        box = (max(2, self.width()), max(2, self.height()))
        pipeline = FilePipeline(lambda event: self._notify(pipeline, event), box=box)
        self.pipeline = pipeline
        pipeline.play_url(path.as_uri())
        self.update()

    def _notify(self, pipeline: FilePipeline, event: Event) -> None:  # VLC's threads
        self._relay.event.emit(pipeline, str(event))

    def close_file(self, message: str = NO_RECORDING) -> None:
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None:
            pipeline.close()
        self.path = None
        self.image = None
        self.message = message
        self.update()

    def play(self) -> None:
        self._paused_wanted = False
        if self.pipeline is not None:
            self.pipeline.set_pause(False)

    def pause(self) -> None:
        self._paused_wanted = True
        if self.pipeline is not None:
            self.pipeline.set_pause(True)

    def seek(self, seconds: float) -> None:
        """Go to ``seconds`` into the file; before its first picture VLC ignores a seek, so it
        is kept and made then."""
        if self.pipeline is None:
            return
        if self._started:
            self.pipeline.seek_ms(round(seconds * 1000))
        else:
            self._pending_seek = seconds

    def position_s(self) -> float | None:
        """Where the file is playing, in seconds; None before it knows or once it ended."""
        if self.pipeline is None:
            return None
        if self._pending_seek is not None:
            return None  # not there yet
        ms = self.pipeline.time_ms()
        return ms / 1000 if ms >= 0 else None

    @property
    def playing(self) -> bool:
        return self.pipeline is not None and not self._paused_wanted

    @property
    def at_end(self) -> bool:
        return self.pipeline is not None and self.pipeline.ended

    # -- events on the GUI thread

    @Slot(object, str)
    def _on_event(self, pipeline: FilePipeline, event: str) -> None:
        if pipeline is not self.pipeline:
            return
        if event == str(Event.FRAME):
            frame = pipeline.take_frame()
            if frame is None:
                return
            size = frame.stride * frame.height
            self.image = QImage(
                bytes(memoryview(frame.data)[:size]),
                frame.width,
                frame.height,
                frame.stride,
                QImage.Format.Format_RGB32,
            ).copy()
            self.painted_frames += 1
            self.last_frame_at = time.perf_counter()
            self._started = True
            if self._pending_seek is not None:
                pipeline.seek_ms(round(self._pending_seek * 1000))
                self._pending_seek = None
            if self._paused_wanted and pipeline.is_playing():
                pipeline.set_pause(True)  # opened paused: stop at the first picture
            self.update()
            self.frame_painted.emit()
        elif event == str(Event.ENDED):
            end = pipeline.end
            if end is not None and "could not" in end.message:
                name = self.path.name if self.path is not None else "?"
                self.message = f"The recording could not be played ({name})."
            self.ended.emit()
            self.update()

    # -- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.image is not None and not self.image.isNull():
            target = _fit(self.image.width(), self.image.height(), self.rect())
            painter.drawImage(target, self.image)
        if self.message:
            painter.setPen(TEXT)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
        painter.end()

    def closeEvent(self, event: object) -> None:
        self.close_file()
        super().closeEvent(event)  # type: ignore[arg-type]


def _fit(width: int, height: int, box: QRect) -> QRect:
    if width <= 0 or height <= 0:
        return box
    scale = min(box.width() / width, box.height() / height)
    w, h = int(width * scale), int(height * scale)
    return QRect(box.x() + (box.width() - w) // 2, box.y() + (box.height() - h) // 2, w, h)
