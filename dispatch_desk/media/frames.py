"""Decoded video frames to RGB for the session window, off the GUI thread.

Conversion runs on one thread per session; while it is busy only the newest frame waits (an older
one would only be painted late). The result comes back on the event loop as an :class:`RgbFrame`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from av.video.reformatter import VideoReformatter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RgbFrame:
    width: int
    height: int
    stride: int  # bytes per row, padding included
    data: bytes  # RGB888 rows
    arrived: float  # time.monotonic() when the decoded frame reached the desk


def to_rgb(
    frame: Any, max_width: int = 1280, reformatter: VideoReformatter | None = None
) -> tuple[int, int, int, bytes]:
    """RGB rows of ``frame``, at most ``max_width`` wide. Each thread must bring its own
    ``reformatter``: ``frame.reformat`` keeps one on the frame itself, and the recorder's thread
    may be converting the same frame at the same moment (FFmpeg's scaler is not thread-safe)."""
    width, height = frame.width, frame.height
    if width > max_width:
        height = max(2, round(height * max_width / width) // 2 * 2)
        width = max_width
    rgb = (reformatter or VideoReformatter()).reformat(
        frame, width=width, height=height, format="rgb24"
    )
    plane = rgb.planes[0]
    return width, height, plane.line_size, bytes(plane)


class FrameConverter:
    """Converts on its own (daemon) thread: a converter stuck inside FFmpeg can never hold up
    the loop, nor the process at exit. Only the newest frame waits while one is converted."""

    def __init__(self, deliver: Callable[[RgbFrame], None], *, max_width: int = 1280) -> None:
        self._deliver = deliver
        self._max_width = max_width
        self._loop = asyncio.get_running_loop()
        self._ready = threading.Condition()
        self._waiting: tuple[Any, float] | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="frames", daemon=True)
        self._thread.start()

    def submit(self, frame: Any, arrived: float) -> None:
        """Called on the loop for each decoded frame."""
        with self._ready:
            if self._closed:
                return
            self._waiting = (frame, arrived)
            self._ready.notify()

    def _run(self) -> None:
        reformatter = VideoReformatter()  # this thread's own (see to_rgb)
        while True:
            with self._ready:
                while self._waiting is None and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                frame, arrived = self._waiting  # type: ignore[misc]
                self._waiting = None
            try:
                width, height, stride, data = to_rgb(frame, self._max_width, reformatter)
                rgb: RgbFrame | None = RgbFrame(width, height, stride, data, arrived)
            except Exception as exc:  # a frame FFmpeg cannot convert is skipped, not fatal
                logger.warning("a video frame could not be converted: %s", exc)
                rgb = None
            if rgb is not None:
                try:
                    self._loop.call_soon_threadsafe(self._hand_over, rgb)
                except RuntimeError:  # the loop is closed: nobody to show it to
                    return

    def _hand_over(self, rgb: RgbFrame) -> None:
        if not self._closed:
            self._deliver(rgb)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
