"""CameraView: one camera stream painted in a widget, reconnecting by itself with backoff.

The picture comes from a :class:`~dispatch_desk.cameras.playback.Pipeline` (libvlc; RTSP through
the PyAV relay). VLC's threads only copy each frame and poke :data:`_hub`, a QObject living on
the GUI thread; the QImage is built and painted here, on the GUI thread. A stream that stops
(server gone, no frame for ``STALL_S``) is LOST, then RECONNECTING with backoff; a stream that
cannot ever play (no such path, refused credentials, unknown host) is FAILED and left alone.

Closing or destroying the view stops its player on a background thread; events of a pipeline
that is no longer the view's are dropped.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from typing import NamedTuple

import shiboken6
from PySide6.QtCore import QObject, QPoint, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from dispatch_desk.cameras import demo_clips
from dispatch_desk.cameras.playback import NEAR_SCALE, Event, Pipeline, fit_size
from dispatch_desk.cameras.relay import EndKind, RelayEnd
from dispatch_desk.cameras.streams import (
    BadStreamAddress,
    SourceKind,
    StreamCredentials,
    StreamSource,
    StreamState,
    parse_source,
    redact,
)

log = logging.getLogger(__name__)

STALL_S = 2.0  # no frame for this long while live: the signal is lost
CONNECT_TIMEOUT_S = 10.0  # no first frame for this long: give up this attempt
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)  # then 4 s for ever: back within ~4.5 s of the camera
# The GUI takes waiting frames once a 60 Hz screen refresh: painting more often shows nothing
# more. A 25 fps frame waits 40 ms for the next, so the GUI thread may be ~24 ms late before one
# is replaced unpainted. Measured at 9 tiles: 8 ms polls cost the GUI thread 7.0 % of a core,
# 16 ms ones 5.5 %, and replaced 2-4 frames in 2,700 (8 ms: 0-2).
FRAME_POLL_MS = 16
REFIT_FACTOR = 1.15  # tile this much larger/smaller than what VLC scales to: ask again

MSG_CONNECTING = "Connecting…"
MSG_PREPARING = "Preparing demo clip…"
MSG_RECONNECTING = "Reconnecting…"


class _Hub(QObject):
    """Carries pipeline events from VLC's and the relay's threads to the GUI thread.

    Frames are not events: VLC's threads only leave each frame in its pipeline (no signal, no
    wake-up per frame), and ONE timer on the GUI thread, at the screen's pace, takes every
    waiting frame of every tile in one go, so Qt paints all new tiles in one pass. A 25 fps
    stream has a new frame every 40 ms and the timer comes every 16 ms: each frame is taken
    (``Pipeline.replaced`` counts any that were not, e.g. while the GUI thread was busy).
    """

    event = Signal(int, str)
    call = Signal(object)  # a callable to run on the GUI thread

    def __init__(self) -> None:
        super().__init__()
        self._views: dict[int, weakref.ref[CameraView]] = {}
        self._playing: dict[int, Pipeline] = {}
        self._next = 0
        self._timer = QTimer(self, interval=FRAME_POLL_MS, timeout=self._frames)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.event.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self.call.connect(self._call, Qt.ConnectionType.QueuedConnection)

    def register(self, view: CameraView) -> int:
        self._next += 1
        self._views[self._next] = weakref.ref(view)
        return self._next

    def watch(self, key: int, pipeline: Pipeline) -> None:
        """Take this pipeline's frames on the timer until :meth:`forget`."""
        self._playing[key] = pipeline
        if not self._timer.isActive():
            self._timer.start()

    def forget(self, key: int) -> None:
        self._views.pop(key, None)
        self._playing.pop(key, None)
        if not self._playing:
            self._timer.stop()

    def notifier(self, key: int):  # type: ignore[no-untyped-def]
        def notify(event: Event) -> None:  # on VLC's or the relay's thread
            if event is not Event.FRAME:
                self.event.emit(key, str(event))

        return notify

    def _view(self, key: int) -> CameraView | None:
        ref = self._views.get(key)
        view = ref() if ref is not None else None
        return view if view is not None and shiboken6.isValid(view) else None

    @Slot()
    def _frames(self) -> None:
        for key, pipeline in list(self._playing.items()):
            if pipeline.has_frame:
                view = self._view(key)
                if view is not None:
                    view._pipeline_event(key, Event.FRAME)

    @Slot(int, str)
    def _dispatch(self, key: int, event: str) -> None:
        view = self._view(key)
        if view is not None:
            view._pipeline_event(key, Event(event))

    @Slot(object)
    def _call(self, fn: object) -> None:
        fn()  # type: ignore[operator]


_hub: _Hub | None = None


def _the_hub() -> _Hub:
    global _hub
    if _hub is None:
        _hub = _Hub()
    return _hub


@dataclass
class _Owned:
    """What a view owns outside Qt, so it can be let go when the C++ widget dies."""

    pipelines: dict[int, Pipeline] = field(default_factory=dict)

    def close(self, key: int) -> None:
        pipeline = self.pipelines.pop(key, None)
        if pipeline is not None:
            pipeline.close()
        if _hub is not None:
            _hub.forget(key)

    def close_all(self, *_: object) -> None:
        for key in list(self.pipelines):
            self.close(key)


class CameraView(QWidget):
    """Paints one camera stream; owns its player; reconnects by itself with backoff."""

    state_changed = Signal(object, str)  # (StreamState, human message for the tile)
    first_frame = Signal()  # once per play(), when the first frame is painted

    def __init__(self, parent: QWidget | None = None, *, transport: str = "auto") -> None:
        super().__init__(parent)
        self.setObjectName("cameraView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(64, 36)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.transport = transport  # RTSP: "tcp", "udp", or "auto" (TCP, then UDP)
        self._hub = _the_hub()
        self._owned = _Owned()
        self.destroyed.connect(functools.partial(_Owned.close_all, self._owned))
        self._state = StreamState.IDLE
        self._message = ""
        self._url = ""
        self._credentials: StreamCredentials | None = None
        self._source: StreamSource | None = None
        self._play_path = ""  # what VLC opens for file and demo sources
        self._known_size = (0, 0)  # the picture's size, once VLC told it (files, http)
        self._current = 0  # key of the pipeline on screen
        self._refit = 0  # key of a pipeline started at a new size, shown once it has a frame
        self._image: QImage | None = None
        self._images: dict[int, QImage] = {}
        self._buffers: dict[int, object] = {}
        # Sizes as plain tuples, so painting a frame asks Qt for none of them.
        self._widget_wh = (0, 0)
        self._image_wh = (0, 0)
        self._source_wh = (0, 0)
        self._plan_key: tuple[tuple[int, int], ...] = ()
        self._plan = _Plan(QRect(), QPoint(), [], _COPY, QRect())
        self._first_pending = False  # first frame of this play() not yet painted
        self._first_done = False
        self._last_frame = 0.0
        self._attempt_started = 0.0
        self._failures = 0
        self._why = ""  # why the last attempt ended
        self._retry_at = 0.0
        self._generation = 0  # bumps on every play()/stop(): late callbacks check it
        self.frames_shown = 0
        self._retry = QTimer(self, singleShot=True, timeout=self._reconnect)
        self._tick = QTimer(self, interval=250, timeout=self._on_tick)
        self._refit_timer = QTimer(self, singleShot=True, interval=300, timeout=self._start_refit)

    # -- the contract

    def play(self, url: str, credentials: StreamCredentials | None = None) -> None:
        """Replace what is playing (used to switch sub <-> main stream); never blocks the GUI."""
        self._halt()
        self._generation += 1
        self._url, self._credentials = url, credentials
        self._known_size = (0, 0)
        self._failures = 0
        self._first_done = False
        self._first_pending = False
        try:
            self._source = parse_source(url)
        except BadStreamAddress as exc:
            self._source = None
            self._set_state(StreamState.FAILED, str(exc))
            return
        source = self._source
        if source.kind is SourceKind.FILE and not os.path.isfile(source.path):
            self._set_state(StreamState.FAILED, f"No such file: {os.path.basename(source.path)}")
            return
        if source.kind is SourceKind.DEMO:
            clips = demo_clips.default_library()
            path = clips.clip_path(source.path, sub=source.sub)
            if not clips.ready(source.path, sub=source.sub):
                self._set_state(StreamState.CONNECTING, MSG_PREPARING)
                clips.prepare(
                    source.path,
                    sub=source.sub,
                    on_done=functools.partial(_later, weakref.ref(self), self._generation),
                )
                return
            self._play_path = path.as_uri()
        elif source.kind is SourceKind.FILE:
            self._play_path = source.url
        self._set_state(StreamState.CONNECTING, MSG_CONNECTING)
        self._current = self._start_pipeline()

    def stop(self) -> None:
        """Idempotent; never blocks the GUI thread for long."""
        self._halt()
        self._generation += 1
        self._image = None
        self._images.clear()
        self._buffers.clear()
        self._source_wh = self._image_wh = (0, 0)
        self._set_state(StreamState.IDLE, "")
        self.update()

    @property
    def state(self) -> StreamState:
        return self._state

    @property
    def message(self) -> str:
        return self._message

    def snapshot(self) -> QImage | None:
        """A copy of the newest frame, full resolution (VLC's snapshot of the decoded picture;
        the tile-sized frame when VLC cannot give one)."""
        pipeline = self._owned.pipelines.get(self._current)
        if pipeline is not None and self._state is StreamState.LIVE:
            handle, path = tempfile.mkstemp(prefix="dispatch-desk-still-", suffix=".png")
            os.close(handle)
            try:
                if pipeline.take_snapshot(path):
                    image = QImage(path)
                    if not image.isNull():
                        return image
            finally:
                os.unlink(path)
        return self._image.copy() if self._image is not None else None

    @property
    def frames_replaced(self) -> int:
        """Frames of the pipelines playing now that were replaced before being painted."""
        return sum(p.replaced for p in self._owned.pipelines.values())

    def frame_size(self) -> QSize:
        """Source resolution (0x0 before the first frame)."""
        return QSize(*self._source_wh)

    # -- playing

    @property
    def url(self) -> str:
        """The address playing, without credentials."""
        return self._source.url if self._source is not None else ""

    def _box(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        return (max(16, int(self.width() * ratio)), max(16, int(self.height() * ratio)))

    def _start_pipeline(self) -> int:
        source = self._source
        assert source is not None
        key = self._hub.register(self)
        hint = self._known_size
        if source.kind is SourceKind.DEMO:
            hint = demo_clips.SUB_SIZE if source.sub else demo_clips.MAIN_SIZE
        pipeline = Pipeline(
            self._hub.notifier(key), box=self._box(), source_hint=hint, frame_events=False
        )
        self._owned.pipelines[key] = pipeline
        self._hub.watch(key, pipeline)
        self._attempt_started = time.monotonic()
        self._tick.start()
        if source.kind is SourceKind.RTSP:
            pipeline.play_rtsp(self._url, self._credentials, transport=self.transport)
        elif source.kind is SourceKind.HTTP:
            pipeline.play_url(self._url)
        else:
            pipeline.play_url(self._play_path, loop=True)
        log.debug("camera %s: playing (pipeline %d)", source.url, key)
        return key

    def _halt(self) -> None:
        self._retry.stop()
        self._tick.stop()
        self._refit_timer.stop()
        self._owned.close_all()
        self._current = self._refit = 0

    def _demo_ready(self, generation: int, ok: bool, why: str) -> None:
        if generation != self._generation or self._source is None:
            return  # played something else meanwhile
        if not ok:
            self._set_state(StreamState.FAILED, why or "The demo clip could not be made")
            return
        clips = demo_clips.default_library()
        self._play_path = clips.clip_path(self._source.path, sub=self._source.sub).as_uri()
        self._current = self._start_pipeline()

    def _pipeline_event(self, key: int, event: Event) -> None:
        pipeline = self._owned.pipelines.get(key)
        if pipeline is None:
            return
        if event is Event.FRAME:
            if key == self._refit:
                self._owned.close(self._current)
                self._current, self._refit = key, 0
            if key == self._current:
                self._show_frame(pipeline)
        elif event is Event.ENDED:
            end = pipeline.end or RelayEnd(EndKind.ENDED, "Stream ended")
            if key == self._refit:
                self._owned.close(key)
                self._refit = 0
            elif key == self._current:
                self._lost(end)

    def _show_frame(self, pipeline: Pipeline) -> None:
        frame = pipeline.take_frame()
        if frame is None:
            return
        # The QImage paints straight from VLC's buffer (one of three, reused): make one
        # QImage per buffer, not one per frame.
        image = self._images.get(id(frame.data))
        frame_wh = (frame.width, frame.height)
        if image is None or frame_wh != self._image_wh:
            if image is None and len(self._images) >= 6:  # an older pipeline's or size's
                self._images.clear()
                self._buffers.clear()
            if image is None or image.size().toTuple() != frame_wh:
                image = QImage(frame.data, *frame_wh, frame.stride, QImage.Format.Format_RGB32)
                image.setDevicePixelRatio(self.devicePixelRatioF())  # VLC scaled to device px
                self._images[id(frame.data)] = image
                self._buffers[id(frame.data)] = frame.data  # keeps the memory while painted
            self._image_wh = frame_wh
        self._image = image
        source_wh = pipeline.source_size
        if self._state is not StreamState.LIVE and source_kind_needs_check(self._source):
            # VLC's format callback gives the coded size; ask for the picture's.
            true_w, true_h = pipeline.video_size()
            if true_w > 0 and true_h > 0 and (true_w, true_h) != source_wh:
                self._known_size = (true_w, true_h)
                source_wh = (true_w, true_h)
                if abs(true_w / true_h - frame.width / frame.height) > 0.02:
                    self._refit_timer.start()
        self._source_wh = source_wh
        self._last_frame = time.monotonic()
        self.frames_shown += 1
        if self._state is not StreamState.LIVE:
            self._failures = 0
            self._set_state(StreamState.LIVE, "")
            if not self._first_done:
                self._first_done = True
                self._first_pending = True
        if self._first_pending and not self.isVisible():
            self._first_pending = False
            self.first_frame.emit()
        self.update()

    def _lost(self, end: RelayEnd) -> None:
        self._owned.close(self._current)
        self._current = 0
        source = self._source
        permanent = not end.retry or (source is not None and source.kind is SourceKind.FILE)
        if permanent:
            self._tick.stop()
            self._set_state(StreamState.FAILED, end.message)
            log.info("camera %s: failed: %s", source.url if source else "?", end.message)
            return
        self._why = end.message
        delay = BACKOFF_S[min(self._failures, len(BACKOFF_S) - 1)]
        self._failures += 1
        self._retry_at = time.monotonic() + delay
        if self._state is StreamState.LIVE:
            self._set_state(StreamState.LOST, f"Signal lost – {end.message.lower()}")
            log.info("camera %s: signal lost: %s", source.url if source else "?", end.message)
        self._set_state(StreamState.RECONNECTING, self._countdown())
        self._retry.start(int(delay * 1000))

    def _reconnect(self) -> None:
        if self._source is None or self._current:
            return
        self._set_state(StreamState.RECONNECTING, MSG_RECONNECTING)
        self._current = self._start_pipeline()

    def _countdown(self) -> str:
        left = max(1, round(max(0.0, self._retry_at - time.monotonic())))
        if not self._first_done:  # never had a picture since play(): nothing was lost
            return f"{self._why} – retrying in {left} s"
        return f"Signal lost – reconnecting in {left} s"

    def _on_tick(self) -> None:
        now = time.monotonic()
        if self._state is StreamState.LIVE and now - self._last_frame > STALL_S:
            self._lost(RelayEnd(EndKind.ENDED, "No picture"))
        elif self._current and self._state is not StreamState.LIVE:
            if now - self._attempt_started > CONNECT_TIMEOUT_S:
                self._lost(RelayEnd(EndKind.UNREACHABLE, "Camera not answering"))
        elif self._retry.isActive():
            self._set_state(StreamState.RECONNECTING, self._countdown())

    # -- a new size for VLC to scale to, when the tile changed much

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._widget_wh = event.size().toTuple()
        pipeline = self._owned.pipelines.get(self._current)
        if pipeline is None or self._image is None or self._state is not StreamState.LIVE:
            return
        source_w, source_h = pipeline.source_size
        box = self._box()
        want_w, _ = fit_size((source_w, source_h), box)
        out_w = self._image.width()
        if want_w > out_w * REFIT_FACTOR or want_w * REFIT_FACTOR < out_w:
            self._refit_timer.start()

    def _start_refit(self) -> None:
        if self._state is not StreamState.LIVE or self._refit or not self._current:
            return
        self._refit = self._start_pipeline()

    # -- painting

    def target_rect(self) -> QRect:
        """Where the picture goes: as large as fits, its shape kept, centred. A frame VLC
        already scaled to (nearly) that size is painted as it is, pixel for pixel."""
        if self._image is None:
            return QRect()
        return QRect(self._paint_plan().target)

    def _paint_plan(self) -> _Plan:
        """How to paint the current frame, worked out again only when a size changed."""
        key = (self._widget_wh, self._image_wh, self._source_wh)
        if key != self._plan_key:
            target = self._fit_target()
            bars, how, part = self._bars(target)
            self._plan = _Plan(target, target.topLeft(), bars, how, part)
            self._plan_key = key
        return self._plan

    def _fit_target(self) -> QRect:
        assert self._image is not None
        ratio = self.devicePixelRatioF()
        source = QSize(*self._source_wh)
        shape = source if not source.isEmpty() else self._image.size()
        size = shape.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        own = self._image.size() / ratio
        if (
            own.width() <= self.width()
            and own.height() <= self.height()
            and own.width() >= size.width() * NEAR_SCALE
            and own.height() >= size.height() * NEAR_SCALE
        ):
            size = own  # a few pixels under the box (fit_size): centred as it is
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    def _bars(self, target: QRect) -> tuple[list[QRect], int, QRect]:
        """The black bars around the picture, how to draw it (_COPY, _SMOOTH), and the part of
        the frame drawn."""
        width, height = self.width(), self.height()
        bars = []
        if target.top() > 0:
            bars.append(QRect(0, 0, width, target.top()))
        if target.bottom() < height - 1:
            bars.append(QRect(0, target.bottom() + 1, width, height))
        if target.left() > 0:
            bars.append(QRect(0, target.top(), target.left(), target.height()))
        if target.right() < width - 1:
            bars.append(QRect(target.right() + 1, target.top(), width, target.height()))
        assert self._image is not None
        image = self._image.size()
        size = target.size() * self.devicePixelRatioF()
        if size == image:
            return bars, _COPY, QRect(QPoint(0, 0), image)
        if (
            size.width() <= image.width()
            and size.height() <= image.height()
            and min(size.width() / image.width(), size.height() / image.height()) >= NEAR_SCALE
        ):
            # A frame VLC left at the source's size for a box a few pixels smaller
            # (fit_size): the middle of it, pixel for pixel, a plain copy like _COPY. A
            # resampled draw (even the nearest pixel) costs several times that, to drop the
            # same few rows and columns, spread over the picture instead of at its edges.
            left = (image.width() - size.width()) // 2
            top = (image.height() - size.height()) // 2
            return bars, _COPY, QRect(left, top, size.width(), size.height())
        return bars, _SMOOTH, QRect(QPoint(0, 0), image)

    def paintEvent(self, event: QPaintEvent) -> None:
        # Runs for every frame of every tile: the layout is worked out once per size.
        painter = QPainter(self)
        image = self._image
        if image is None:
            painter.fillRect(self.rect(), _BLACK)
        else:
            plan = self._paint_plan()
            for bar in plan.bars:  # only the bars around the picture: it covers the rest
                painter.fillRect(bar, _BLACK)
            if plan.how == _COPY:
                painter.drawImage(plan.corner, image, plan.part)  # pixel for pixel: a copy
            else:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(plan.target, image)
            if self._state is not StreamState.LIVE:
                painter.fillRect(plan.target, QColor(0, 0, 0, 150))
        if self._state is not StreamState.LIVE and self._message:
            self._paint_message(painter)
        painter.end()
        if self._first_pending and self._image is not None:
            self._first_pending = False
            self.first_frame.emit()

    def _paint_message(self, painter: QPainter) -> None:
        colour = "#e5a54b" if self._state is StreamState.FAILED else "#aeb7c2"
        painter.setPen(QColor(colour))
        margin = 6
        box = self.rect().adjusted(margin, margin, -margin, -margin)
        painter.drawText(
            box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message
        )

    # -- state

    def _set_state(self, state: StreamState, message: str) -> None:
        message = redact(message, self._credentials)
        if (state, message) == (self._state, self._message):
            return
        self._state, self._message = state, message
        self.setToolTip(message)
        self.update()
        self.state_changed.emit(state, message)


_BLACK = QColor("#000000")


class _Plan(NamedTuple):
    target: QRect  # where the picture goes
    corner: QPoint  # its top left
    bars: list[QRect]  # black around it
    how: int  # _COPY or _SMOOTH
    part: QRect  # of the frame, for _COPY


_COPY, _SMOOTH = range(2)  # how paintEvent draws the frame


def source_kind_needs_check(source: StreamSource | None) -> bool:
    return source is not None and source.kind in (SourceKind.FILE, SourceKind.HTTP)


def _later(view_ref: weakref.ref[CameraView], generation: int, ok: bool, why: str) -> None:
    """From the demo clip maker's thread: hand the result to the view on the GUI thread."""

    def deliver() -> None:
        view = view_ref()
        if view is not None and shiboken6.isValid(view):
            view._demo_ready(generation, ok, why)

    _the_hub().call.emit(deliver)
