"""RecordingPlayer: one recorded segment played from its file by libvlc, paused and sought at will.

Playing: the picture comes through :class:`~dispatch_desk.cameras.playback.Pipeline` as on the
wall: VLC's threads only hand over the frame's buffer and call ``notify``; the bytes are copied
into a QImage here, on the GUI thread. The pipeline is subclassed only to reach the player's own
clock, pause, rate and seek (a wall tile never needs them).

Seeking: libvlc seeks the desk's fragmented MP4 recordings to a sample, not to the key frame
before it, and shows grey until the next key frame (see :mod:`dispatch_desk.review.frames`). So
the picture at a sought instant is decoded by PyAV on a worker thread (newest request wins) and
shown as soon as it is ready, and libvlc is put back on the key frame before that instant and
run fast, unseen, until it reaches it, then goes on at normal speed (or stays paused there).

A file that ends or cannot be played says so in the pane; so does time outside any recording
("No recording at this time").
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QRect, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from dispatch_desk.cameras.playback import Event, Pipeline
from dispatch_desk.review import frames

log = logging.getLogger(__name__)

NO_RECORDING = "No recording at this time"
BACKGROUND = QColor("#0b0e12")
TEXT = QColor("#8b96a5")
CATCH_UP_RATE = 4.0  # libvlc's speed while it runs, unseen, from a key frame to the instant
LOCAL_CACHING_MS = 50  # a local file needs no network buffer


class FilePipeline(Pipeline):
    """A pipeline over a file, with the player's clock, pause, rate and seek."""

    def play_file(self, path: Path) -> None:
        media = self._vlc_media(path.as_uri())
        self._start(media)

    def _vlc_media(self, url: str):  # type: ignore[no-untyped-def]
        from dispatch_desk.cameras.playback import vlc_instance

        media = vlc_instance().media_new(url)
        media.add_option(f":file-caching={LOCAL_CACHING_MS}")
        return media

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

    def set_rate(self, rate: float) -> None:
        player = self._player
        if player is not None and not self.ended:
            player.set_rate(rate)

    def is_playing(self) -> bool:
        player = self._player
        return bool(player is not None and not self.ended and player.is_playing())


class _Relay(QObject):
    """Carries events from VLC's threads and the decoding thread to the GUI thread."""

    happened = Signal(object, str)
    still = Signal(int, object)  # generation, frames.Still | None
    keys = Signal(object, object)  # path, list of key frame times


class RecordingPlayer(QWidget):
    """Plays one file at a time."""

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
        self.shown_s: float | None = None  # the file time of the picture shown
        self.message = NO_RECORDING
        self.painted_frames = 0
        self._relay = _Relay()
        self._relay.happened.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self._relay.still.connect(self._on_still, Qt.ConnectionType.QueuedConnection)
        self._relay.keys.connect(self._on_keys, Qt.ConnectionType.QueuedConnection)
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-still")
        self._paused_wanted = True
        self._started = False  # libvlc has shown a picture of the current file
        self._keyframes: list[float] = []
        self._wanted_s: float | None = None  # where libvlc must be before it is seen again
        self._catching_up = False  # libvlc runs fast from a key frame to _wanted_s
        self._still_failed = False  # the decoder could not make the last still
        self._generation = 0

    # -- control

    def open(self, path: Path, *, paused: bool = True) -> None:
        """Play ``path`` (a new pipeline); ``paused`` stops it at its first picture."""
        self.close_file()
        self.path = path
        self.message = ""
        self._paused_wanted = paused
        self._started = False
        self._keyframes = []
        self._wanted_s = None
        self._catching_up = False
        box = (max(2, self.width()), max(2, self.height()))
        pipeline = FilePipeline(lambda event: self._notify(pipeline, event), box=box)
        self.pipeline = pipeline
        pipeline.play_file(path)
        self._decoder.submit(self._read_keys, path)
        self.update()

    def _notify(self, pipeline: FilePipeline, event: Event) -> None:  # VLC's threads
        self._relay.happened.emit(pipeline, str(event))

    def close_file(self, message: str = NO_RECORDING) -> None:
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None:
            pipeline.close()
        self._generation += 1
        self.path = None
        self.image = None
        self.shown_s = None
        self.message = message
        self.update()

    def play(self) -> None:
        self._paused_wanted = False
        if self.pipeline is None:
            return
        if self._wanted_s is not None and self._started and not self._catching_up:
            self._catch_up()
        self.pipeline.set_pause(False)

    def pause(self) -> None:
        self._paused_wanted = True
        if self.pipeline is not None and not self._catching_up:
            self.pipeline.set_pause(True)

    def seek(self, seconds: float) -> None:
        """Show the picture at ``seconds`` into the file, and play on from there."""
        if self.pipeline is None or self.path is None:
            return
        seconds = max(0.0, seconds)
        self._wanted_s = seconds
        self._still_failed = False
        self._generation += 1
        box = (max(2, self.width()), max(2, self.height()))
        self._decoder.submit(self._decode, self._generation, self.path, seconds, box)
        if self._started and not self._paused_wanted:
            self._catch_up()

    def _catch_up(self) -> None:
        """Put libvlc on the key frame before the wanted instant and run it there, unseen."""
        assert self.pipeline is not None and self._wanted_s is not None
        start = (
            frames.keyframe_before(self._keyframes, self._wanted_s)
            if self._keyframes
            else (self._wanted_s)
        )
        self._catching_up = True
        self.pipeline.set_rate(CATCH_UP_RATE)
        self.pipeline.seek_ms(round(start * 1000))
        self.pipeline.set_pause(False)

    def position_s(self) -> float | None:
        """Where the picture shown is in the file, in seconds (while playing, libvlc's clock);
        None before a picture is shown."""
        if self.pipeline is None:
            return None
        if self._wanted_s is not None or not self._started:
            return self.shown_s
        ms = self.pipeline.time_ms()
        return ms / 1000 if ms >= 0 else self.shown_s

    @property
    def playing(self) -> bool:
        return self.pipeline is not None and not self._paused_wanted

    @property
    def at_end(self) -> bool:
        return self.pipeline is not None and self.pipeline.ended

    # -- the decoding thread

    def _read_keys(self, path: Path) -> None:
        try:
            times = frames.keyframes(path)
        except Exception:  # an unreadable file: libvlc says so on its own
            times = []
        self._relay.keys.emit(path, times)

    def _decode(self, generation: int, path: Path, seconds: float, box: tuple[int, int]) -> None:
        if generation != self._generation:
            return  # a newer seek came in meanwhile
        try:
            still = frames.still_at(path, seconds, box)
        except Exception as exc:  # libvlc's own picture is shown instead
            log.warning("no still at %.2f s of %s: %s", seconds, path.name, exc)
            still = None
        self._relay.still.emit(generation, still)

    # -- events on the GUI thread

    @Slot(object, object)
    def _on_keys(self, path: Path, times: list[float]) -> None:
        if path == self.path:
            self._keyframes = times

    @Slot(int, object)
    def _on_still(self, generation: int, still: frames.Still | None) -> None:
        if generation != self._generation:
            return
        if still is None:  # PyAV could not: let libvlc run to the instant and show it
            self._still_failed = True
            if self.pipeline is not None and self._started and not self._catching_up:
                self._catch_up()
            return
        self._show(
            QImage(still.data, still.width, still.height, still.stride, QImage.Format.Format_RGB32),
            still.at_s,
        )

    def _show(self, image: QImage, at_s: float | None) -> None:
        self.image = image.copy()
        self.shown_s = at_s
        self.painted_frames += 1
        self.update()

    @Slot(object, str)
    def _on_event(self, pipeline: FilePipeline, event: str) -> None:
        if pipeline is not self.pipeline:
            return
        if event == str(Event.FRAME):
            frame = pipeline.take_frame()
            if frame is None:
                return
            at_ms = pipeline.time_ms()
            if not self._started:
                self._started = True
                if self._wanted_s is not None:  # sought before it could: do it now
                    if self._paused_wanted and not self._still_failed:
                        pipeline.set_pause(True)
                    else:
                        self._catch_up()
                    return
            if self._catching_up:
                assert self._wanted_s is not None
                if at_ms < 0 or at_ms < self._wanted_s * 1000 - 20:
                    return  # not there yet: the still stays on screen
                self._catching_up = False
                self._wanted_s = None
                pipeline.set_rate(1.0)
                if self._paused_wanted:
                    pipeline.set_pause(True)
                    return
            elif self._wanted_s is not None:
                return  # paused on a still; libvlc is put there when playing resumes
            if self._paused_wanted:
                # Opened paused: stop at the first picture. libvlc may not be "playing" yet at
                # its first picture and ignore one pause, so each picture asks again.
                pipeline.set_pause(True)
                if self.image is not None and self.painted_frames:
                    return  # a paused libvlc shows its picture again now and then
            # Straight on VLC's buffer: _show copies it, once, before the buffer goes back.
            image = QImage(
                frame.data, frame.width, frame.height, frame.stride, QImage.Format.Format_RGB32
            )
            self._show(image, at_ms / 1000 if at_ms >= 0 else None)
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

    def shutdown(self) -> None:
        self.close_file()
        self._decoder.shutdown(wait=False, cancel_futures=True)

    def closeEvent(self, event: object) -> None:
        self.close_file()
        super().closeEvent(event)  # type: ignore[arg-type]


def _fit(width: int, height: int, box: QRect) -> QRect:
    if width <= 0 or height <= 0:
        return box
    scale = min(1.0 * box.width() / width, 1.0 * box.height() / height)
    w, h = int(width * scale), int(height * scale)
    return QRect(box.x() + (box.width() - w) // 2, box.y() + (box.height() - h) // 2, w, h)
