"""Helpers for live-session tests: run a coroutine on the test's qasync loop, make a photo,
cut the desk's media path, read a recording back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot


def run(qtbot: QtBot, coro: Coroutine[Any, Any, Any], timeout_ms: int = 10000) -> Any:
    """Run ``coro`` on the loop pytest-qt keeps turning, and return its result."""
    task = asyncio.ensure_future(coro)
    try:
        qtbot.waitUntil(task.done, timeout=timeout_ms)
    finally:
        if not task.done():
            task.cancel()
    return task.result()


def jpeg_file(path: Path, width: int = 320, height: int = 240) -> Path:
    """A real JPEG photo (a gradient), as a phone's gallery would hold."""
    from fractions import Fraction

    import av

    frame = av.VideoFrame(width, height, "yuv420p")
    for index, plane in enumerate(frame.planes):
        row = bytes((x * 255 // max(1, plane.width) + index * 40) % 256 for x in range(plane.width))
        plane.update(row.ljust(plane.line_size, b"\0") * plane.height)
    context = av.CodecContext.create("mjpeg", "w")
    context.width, context.height = width, height
    context.pix_fmt = "yuvj420p"
    context.time_base = Fraction(1, 25)
    image = frame.reformat(format="yuvj420p")
    image.pts = 0
    data = b"".join(bytes(p) for p in [*context.encode(image), *context.encode(None)])
    path.write_bytes(data)
    return path


@contextlib.contextmanager
def media_blackout() -> Iterator[dict[str, bool]]:
    """While ``state["on"]``, every UDP datagram reaching this process's ICE sockets is lost
    (STUN checks and media alike), as when the caller's network drops."""
    from aioice import ice

    state = {"on": False}
    original = ice.StunProtocol.datagram_received

    def datagram_received(self: Any, data: Any, addr: Any) -> None:
        if not state["on"]:
            original(self, data, addr)

    ice.StunProtocol.datagram_received = datagram_received  # type: ignore[method-assign]
    try:
        yield state
    finally:
        ice.StunProtocol.datagram_received = original  # type: ignore[method-assign]


def decode_recording(path: Path) -> tuple[int, float]:
    """(video frames decoded, seconds from the first to the last frame) of a recording."""
    import av

    frames = 0
    first = last = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            frames += 1
            if frame.pts is not None:
                t = float(frame.pts * stream.time_base)
                first = t if first is None else first
                last = t
    return frames, (last or 0.0) - (first or 0.0)
