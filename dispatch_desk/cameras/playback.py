"""One stream played by libvlc, its frames copied out for a widget to paint.

A :class:`Pipeline` is one attempt at playing one address: a libvlc media player, fed either by
VLC itself (files, http, demo clips) or by an :class:`~dispatch_desk.cameras.relay.RtspRelay`
(RTSP). VLC decodes and scales to the size the tile asked for (libvlc's video callbacks), in
I420 that :mod:`~dispatch_desk.cameras.yuv` converts to BGRA (or in RV32 where libswscale cannot
be loaded); the callbacks run on VLC's threads and only fill a buffer and call ``notify``. Whoever
paints takes the newest frame with :meth:`Pipeline.take_frame` on its own thread.

Stopping a libvlc player can block (it joins VLC's threads), so :meth:`Pipeline.close` hands the
teardown to a background thread and returns at once; after it, no callback reaches ``notify``.
All pipelines still open when the interpreter exits are stopped first (atexit).

Qt-free: ``notify`` is a plain callable; ``ui/wall/player.py`` turns it into a queued signal.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import vlc

from dispatch_desk.cameras import native, yuv
from dispatch_desk.cameras.relay import EndKind, RelayEnd, RtspRelay
from dispatch_desk.cameras.streams import StreamCredentials, redact_url

log = logging.getLogger(__name__)

SMALL_TILE_PX = 1280 * 720
NEAR_SCALE = 0.97  # a box this close under the source's size: no scaling in VLC (fit_size)
CACHING_MS = 300  # VLC's buffer: less drops frames on a loaded machine
VLC_ARGS = (
    "--quiet",
    "--no-xlib",
    "--no-video-title-show",
    "--no-osd",
    "--no-snapshot-preview",
    "--no-stats",
    "--no-audio",
    "--no-sub-autodetect-file",
    # Fast bilinear: the tiles' downscale costs a third less than bicubic, looks the same.
    "--swscale-mode=0",
)


class Event(StrEnum):
    FRAME = "frame"  # a new frame is waiting in take_frame()
    ENDED = "ended"  # the stream stopped: Pipeline.end says why


@dataclass(frozen=True, slots=True)
class Frame:
    data: ctypes.Array[ctypes.c_char]  # BGRA (QImage's RGB32), rows of ``stride`` bytes
    width: int
    height: int
    stride: int


_instance: vlc.Instance | None = None
_instance_lock = threading.Lock()
_open: set[Pipeline] = set()
_open_lock = threading.Lock()


class _Workers:
    """Two daemon threads for slow libvlc calls (stopping, releasing, making players). Not an
    executor: the interpreter joins those at exit before atexit handlers run, and then refuses
    new work, just when every player must still be stopped."""

    def __init__(self, count: int) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._count = count
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            while len(self._threads) < self._count:
                thread = threading.Thread(target=self._work, name="vlc-worker", daemon=True)
                thread.start()
                self._threads.append(thread)
        self._queue.put(job)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                job()
            except Exception:
                log.exception("camera player clean-up failed")


_reaper = _Workers(2)

# A ctypes callback on a thread Python did not start makes a Python thread state for the call
# and throws it away after (with its frame stack: an mmap, page faults and an munmap whose TLB
# shoot-down interrupts the other cores), twice a frame per tile. Holding one PyGILState_Ensure
# from VLC's format callback to its cleanup callback (both on the thread that then calls lock
# and display) keeps that thread's state for the callbacks in between.
_gil_ensure = ctypes.pythonapi.PyGILState_Ensure
_gil_ensure.restype = ctypes.c_int
_gil_ensure.argtypes = []
_gil_release = ctypes.pythonapi.PyGILState_Release
_gil_release.restype = None
_gil_release.argtypes = [ctypes.c_int]


def vlc_instance() -> vlc.Instance:
    """The one libvlc instance of the process (making one loads every plugin: slow)."""
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = vlc.Instance(list(VLC_ARGS))
            if _instance is None:
                raise RuntimeError("libvlc could not start (is libvlc5 installed?)")
        return _instance


class _PlayerPool:
    """Media players made ahead on a background thread: making one takes ~5 ms, and a wall
    switching 16 tiles would otherwise spend them all on the GUI thread."""

    def __init__(self, spare: int) -> None:
        self.spare = spare
        self._ready: list[vlc.MediaPlayer] = []
        self._lock = threading.Lock()
        self._filling = False

    def take(self) -> vlc.MediaPlayer:
        with self._lock:
            player = self._ready.pop() if self._ready else None
            fill = not self._filling
            self._filling = True
        if fill:
            _reaper.submit(self._fill)
        return player if player is not None else vlc_instance().media_player_new()

    def _fill(self) -> None:
        try:
            while True:
                with self._lock:
                    if len(self._ready) >= self.spare:
                        return
                player = vlc_instance().media_player_new()
                with self._lock:
                    self._ready.append(player)
        finally:
            with self._lock:
                self._filling = False


_players = _PlayerPool(spare=16)


# libvlc_video_format_cb: python-vlc declares the chroma as c_char_p, which cannot be written.
_SetupCb = ctypes.CFUNCTYPE(
    ctypes.c_uint,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.POINTER(ctypes.c_char),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
)
_CleanupCb = vlc.CallbackDecorators.VideoCleanupCb
_set_format_callbacks = vlc.dll.libvlc_video_set_format_callbacks
_set_format_callbacks.argtypes = [ctypes.c_void_p, _SetupCb, _CleanupCb]
_set_format_callbacks.restype = None
# The same libvlc call taking C function pointers (the C callbacks): indexing the library
# makes a new function object, so python-vlc's own (ctypes callback argtypes) is left alone.
_set_native_callbacks = vlc.dll["libvlc_video_set_callbacks"]
_set_native_callbacks.argtypes = [ctypes.c_void_p] * 5
_set_native_callbacks.restype = None


def fit_size(
    source: tuple[int, int], box: tuple[int, int], max_upscale: float = 2.0
) -> tuple[int, int]:
    """The output size for a source shown in a box: its shape kept, even widths and heights,
    at least 16x16. VLC scales (up to ``max_upscale``), so that the widget paints the frame as
    it comes, pixel for pixel: scaling in the painter costs more than in VLC's converter.

    Except a box just under the source's size (at least :data:`NEAR_SCALE` of it, as a 3x3
    wall of 640x360 streams on a 1080p screen): then VLC converts at the source's size, which
    skips libswscale's scaling stages (a third of its work), and the painter drops the few
    extra rows and columns (nearest pixel, 3 of 640 say), which costs less and looks the same.

    And a scaled width is moved to a multiple of 16 when one is that near (a 4x4 wall's 474
    becomes 480): libswscale's scaler takes a fifth less time on such widths (122 against
    150 us a 640x360 frame here); the painter crops the few extra pixels, or centres the few
    missing ones, as above."""
    sw, sh = source
    bw, bh = box
    if sw <= 0 or sh <= 0:
        return (max(16, bw) & ~1, max(16, bh) & ~1)
    scale = min(bw / sw, bh / sh, max_upscale)
    if NEAR_SCALE <= scale < 1.0:
        scale = 1.0
    width = max(16, int(sw * scale)) & ~1
    height = max(16, int(sh * scale)) & ~1
    if scale != 1.0 and width % 16:
        up, down = (width + 15) & ~15, width & ~15
        for aligned in sorted((up, down), key=lambda w: abs(w - width)):
            if aligned >= 16 and NEAR_SCALE <= aligned / width <= 1 / NEAR_SCALE:
                return aligned, max(16, round(sh * aligned / sw)) & ~1
    return width, height


class Pipeline:
    """One attempt at playing one stream. Not restartable: a reconnect makes a new one."""

    def __init__(
        self,
        notify: Callable[[Event], None],
        *,
        box: tuple[int, int],
        source_hint: tuple[int, int] = (0, 0),
        frame_events: bool = True,
    ) -> None:
        self._notify = notify
        # False: no FRAME event (no call out of VLC's thread per frame); whoever paints polls
        # :attr:`has_frame` instead, as a wall does for all its tiles on one timer.
        self._frame_events = frame_events
        self._box = box
        self._hint = source_hint
        self._closed = False
        self._ended = False
        self._lock = threading.Lock()
        self._ring: list[ctypes.Array[ctypes.c_char]] = []
        self._addresses: tuple[int, ...] = ()
        self._held = self._published = -1
        self._size = (0, 0)
        self._kept_states: dict[int, int] = {}  # VLC thread -> its PyGILState_Ensure
        self._yuv_in: yuv.I420Picture | None = None  # what VLC writes, when we convert
        self._converter: yuv.I420ToBgra | None = None
        self._converters: list[yuv.I420ToBgra] = []
        self._targets: tuple[ctypes.Array[ctypes.c_void_p], ...] = ()
        self._frames = 0  # frames VLC handed over
        self._replaced = 0  # of those, replaced by a newer one before anyone took them
        # Lock and display in C when nobody wants a FRAME event per frame (a wall polls):
        # no Python on VLC's threads per frame (cameras/_native/frames.c: why).
        self._native: native.NativeTile | None = None
        if not frame_events and native.available() and yuv.available():
            self._native = native.NativeTile()
        self.source_size = (0, 0)
        self.end: RelayEnd | None = None
        self.relay: RtspRelay | None = None
        self._player: vlc.MediaPlayer | None = None
        self._media: vlc.Media | None = None
        # The ctypes callbacks must live as long as the player may call them.
        self._callbacks = (
            vlc.CallbackDecorators.VideoLockCb(self._on_lock),
            vlc.CallbackDecorators.VideoDisplayCb(self._on_display),
            _SetupCb(self._on_setup),
            _CleanupCb(self._on_cleanup),
        )

    # -- starting

    def play_url(self, url: str, *, loop: bool = False) -> None:
        """Let VLC open the address itself (file, http, a demo clip)."""
        media = vlc_instance().media_new(url)
        media.add_option(f":file-caching={CACHING_MS}")
        media.add_option(f":network-caching={CACHING_MS}")
        if loop:
            media.add_option(":input-repeat=65535")
        self._start(media)

    def play_rtsp(
        self, url: str, credentials: StreamCredentials | None, *, transport: str = "tcp"
    ) -> None:
        """Pull the RTSP stream with the relay; VLC reads its MPEG-TS from a pipe."""
        self.relay = RtspRelay(
            url, credentials, transport=transport, on_end=self._relay_ended, on_open=self._opened
        )
        fd = self.relay.start()
        media = vlc_instance().media_new_fd(fd)
        media.add_option(":demux=ts")
        media.add_option(f":file-caching={CACHING_MS}")
        self._start(media)

    def _start(self, media: vlc.Media) -> None:
        if self._box[0] * self._box[1] <= SMALL_TILE_PX:
            # A small tile: one decoding thread per stream. A wall has parallelism in its many
            # streams already; frame threads in each only add hand-overs (~10% of the CPU).
            media.add_option(":avcodec-threads=1")
        with _open_lock:
            _open.add(self)
        player = _players.take()
        player.set_media(media)
        if self._native is not None:
            _set_native_callbacks(
                player,
                native.lock_callback(),
                None,
                native.display_callback(),
                self._native.address,
            )
        else:
            lock, display = self._callbacks[:2]
            player.video_set_callbacks(lock, None, display, None)  # no unlock: one call less
        _set_format_callbacks(player, *self._callbacks[2:])
        events = player.event_manager()
        events.event_attach(vlc.EventType.MediaPlayerEndReached, self._vlc_ended)
        events.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._vlc_error)
        self._player, self._media = player, media
        if player.play() != 0:
            self._finish(RelayEnd(EndKind.ENDED, "The player could not start"))

    # -- VLC's threads: copy, note, never touch the caller's objects beyond notify()

    def _on_setup(self, opaque, chroma, width, height, pitches, lines):  # type: ignore[no-untyped-def]
        thread = threading.get_ident()
        if thread not in self._kept_states:
            self._kept_states[thread] = _gil_ensure()
        source = self._hint if self._hint[0] > 0 else (width[0], height[0])
        self.source_size = source
        out_w, out_h = fit_size(source, self._box)
        width[0], height[0] = out_w, out_h
        yuv_in: yuv.I420Picture | None = None
        converter: yuv.I420ToBgra | None = None
        if yuv.available():
            # VLC scales in YUV and hands over I420; we convert it unscaled (yuv.py: why).
            yuv_in = yuv.I420Picture(out_w, out_h)
            converter = yuv.I420ToBgra(yuv_in)
            ctypes.memmove(chroma, b"I420", 4)
            for plane in range(3):
                pitches[plane] = yuv_in.pitches[plane]
                lines[plane] = yuv_in.lines[plane]
            size = yuv.I420ToBgra.buffer_size(out_w, out_h)
        else:
            ctypes.memmove(chroma, b"RV32", 4)
            pitches[0] = out_w * 4
            lines[0] = out_h
            size = out_w * 4 * out_h
        with self._lock:
            # Three buffers, no copies: one being written (by VLC, or by the converter), one
            # waiting for the painter, one the painter holds and nobody writes.
            self._ring = [ctypes.create_string_buffer(size) for _ in range(3)]
            self._addresses = tuple(ctypes.addressof(buffer) for buffer in self._ring)
            self._held = self._published = -1
            self._size = (out_w, out_h)
            self._yuv_in = yuv_in
            if converter is not None:
                self._converters.append(converter)  # freed with the pipeline
                self._targets = tuple(converter.target(a) for a in self._addresses)
            self._converter = converter
            if self._native is not None and converter is not None and yuv_in is not None:
                self._native.configure(
                    converter.scale_address, converter.context, yuv_in.planes,
                    yuv_in.pitches, self._addresses, converter.stride, out_h,
                )  # fmt: skip
        return 1  # one picture in VLC's pool: lock, unlock and display come in turn

    def _on_cleanup(self, opaque):  # type: ignore[no-untyped-def]
        # The buffers stay until the pipeline goes: the painter may still hold one.
        state = self._kept_states.pop(threading.get_ident(), None)
        if state is not None:
            _gil_release(state)  # the thread state goes when this callback returns

    def _on_lock(self, opaque, planes):  # type: ignore[no-untyped-def]
        # Called for every frame, holding the GIL: as little Python as possible.
        yuv_in = self._yuv_in
        if yuv_in is not None:
            planes[0], planes[1], planes[2] = yuv_in.planes
            return 1
        with self._lock:
            index = self._free_index()
            planes[0] = self._addresses[index]
        return index + 1  # the picture's id, given back to display()

    def _free_index(self) -> int:
        """The ring's buffer neither waiting nor held by the painter (under the lock)."""
        busy = (self._held, self._published)
        return 0 if 0 not in busy else 1 if 1 not in busy else 2

    def _on_display(self, opaque, picture):  # type: ignore[no-untyped-def]
        if self._closed or not self._ring or not picture:
            return
        converter = self._converter
        if converter is not None:
            with self._lock:
                index = self._free_index()
            # Only this thread writes the buffers, and the painter never takes this one.
            converter.convert(self._targets[index])
        else:
            index = picture - 1
        with self._lock:
            if self._published >= 0:
                self._replaced += 1  # the last one was never taken: shown by the counters
            first_waiting = self._published < 0
            self._published = index
            self._frames += 1
        if first_waiting and self._frame_events and not self._closed:
            self._notify(Event.FRAME)

    def _opened(self, width: int, height: int) -> None:
        if width > 0 and height > 0:
            self._hint = (width, height)

    def _relay_ended(self, end: RelayEnd) -> None:
        if end.kind is not EndKind.STOPPED:
            self._finish(end)

    def _vlc_ended(self, event: object) -> None:
        self._finish(RelayEnd(EndKind.ENDED, "Stream ended"))

    def _vlc_error(self, event: object) -> None:
        self._finish(RelayEnd(EndKind.ENDED, "The stream could not be played"))

    def _finish(self, end: RelayEnd) -> None:
        with self._lock:
            if self._ended or self._closed:
                return
            if self.relay is not None and self.relay.end is not None:
                end = self.relay.end if self.relay.end.kind is not EndKind.STOPPED else end
            self._ended = True
            self.end = end
        self._notify(Event.ENDED)

    # -- the caller's thread

    @property
    def native(self) -> bool:
        """VLC's per-frame callbacks are the C ones."""
        return self._native is not None

    @property
    def frames(self) -> int:
        """Frames VLC handed over."""
        return self._native.counts()[0] if self._native is not None else self._frames

    @property
    def replaced(self) -> int:
        """Of those, replaced by a newer one before anyone took them."""
        return self._native.counts()[1] if self._native is not None else self._replaced

    @property
    def has_frame(self) -> bool:
        """A frame is waiting (a hint read without the lock: take_frame() decides)."""
        if self._native is not None:
            return self._native.waiting()
        return self._published >= 0

    def take_frame(self) -> Frame | None:
        """The newest frame not yet taken, if any. Its bytes are VLC's buffer itself, left
        alone by VLC until the next take_frame(): paint from it, do not keep it longer."""
        with self._lock:
            if self._native is not None:
                index = self._native.take()
            else:
                index = self._published
                if index >= 0:
                    self._held, self._published = index, -1
            if index < 0:
                return None
            width, height = self._size
            return Frame(self._ring[index], width, height, width * 4)

    def take_snapshot(self, path: str) -> bool:
        """The current picture at the source's full size, as a PNG; False if there is none."""
        player = self._player
        if player is None or self._closed or self.frames == 0:
            return False
        return player.video_take_snapshot(0, path, 0, 0) == 0 and os.path.exists(path)

    def video_size(self) -> tuple[int, int]:
        """The picture's size as VLC shows it (0, 0 before it knows)."""
        player = self._player
        if player is None or self._closed:
            return (0, 0)
        size = player.video_get_size(0)
        return (int(size[0]), int(size[1])) if size else (0, 0)

    @property
    def ended(self) -> bool:
        return self._ended

    def close(self) -> None:
        """Stop, on a background thread; returns at once. No ``notify`` after this returns."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._native is not None:
            self._native.close()
        if self.relay is not None:
            self.relay.stop()
        _reaper.submit(self._teardown)

    def _teardown(self) -> None:
        player, media = self._player, self._media
        try:
            if player is not None:
                player.stop()
                player.release()
            if media is not None:
                media.release()
            for converter in self._converters:  # no callback can come any more
                converter.close()
            if self._native is not None:
                self._native.free()
        finally:
            if self.relay is not None:
                self.relay.close_reader()
                if not self.relay.join(10):
                    log.warning("relay for %s did not stop", redact_url(self.relay.url))
            with _open_lock:
                _open.discard(self)


def open_pipelines() -> int:
    with _open_lock:
        return len(_open)


def close_all(timeout: float = 10.0) -> bool:
    """Stop every pipeline and wait until they are down (the interpreter is leaving, or a test
    ends): no VLC callback may outlive the objects it calls. False if some did not stop."""
    with _open_lock:
        pipelines = list(_open)
    for pipeline in pipelines:
        pipeline.close()
    deadline = time.monotonic() + timeout
    while open_pipelines() and time.monotonic() < deadline:
        time.sleep(0.01)
    return open_pipelines() == 0


atexit.register(close_all)
