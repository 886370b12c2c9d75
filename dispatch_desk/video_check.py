"""The self-test's video check: can libVLC, with the plugins this install carries, decode H.264
into frames the way the camera wall takes them (video callbacks)?

A bundle that lost a plugin plays nothing and says nothing; this check catches that at install
time rather than in front of a camera wall.
"""

from __future__ import annotations

import ctypes
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

WIDTH, HEIGHT, FRAMES = 64, 48, 25


def write_probe_clip(path: Path) -> None:
    """One second of H.264 in MPEG-TS, made with PyAV (the same FFmpeg the desk carries)."""
    import av

    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=FRAMES)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = Fraction(1, FRAMES)
        for i in range(FRAMES):
            frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
            edge = (i * 2) % WIDTH  # a bar that moves, so every frame differs
            for plane, shade in zip(frame.planes, (40, 128, 128), strict=True):
                width = plane.line_size
                rows = plane.buffer_size // width
                luma = plane is frame.planes[0]
                row = bytes(shade + (150 if luma and x >= edge else 0) for x in range(width))
                plane.update(row * rows)
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def decode_one_frame(clip: Path, timeout_s: float = 10.0) -> tuple[str, float]:
    """Play ``clip`` into a memory buffer; return libVLC's version and seconds to the first frame.
    Raises when no frame arrives."""
    import vlc

    instance = vlc.Instance(["--no-audio", "--no-video-title-show", "--quiet"])
    if instance is None:
        raise RuntimeError("libVLC did not start (its plugins were not found)")
    buffer = ctypes.create_string_buffer(WIDTH * HEIGHT * 4)
    got = threading.Event()

    @vlc.CallbackDecorators.VideoLockCb
    def lock(_opaque, planes):  # type: ignore[no-untyped-def]
        planes[0] = ctypes.cast(buffer, ctypes.c_void_p)
        return None

    @vlc.CallbackDecorators.VideoUnlockCb
    def unlock(_opaque, _picture, _planes):  # type: ignore[no-untyped-def]
        return None

    @vlc.CallbackDecorators.VideoDisplayCb
    def display(_opaque, _picture):  # type: ignore[no-untyped-def]
        got.set()

    player = instance.media_player_new()
    try:
        player.video_set_callbacks(lock, unlock, display, None)
        player.video_set_format("RV32", WIDTH, HEIGHT, WIDTH * 4)
        player.set_media(instance.media_new_path(str(clip)))
        started = time.perf_counter()
        player.play()
        if not got.wait(timeout_s):
            raise RuntimeError(f"libVLC decoded no H.264 frame in {timeout_s:.0f} s")
        elapsed = time.perf_counter() - started
    finally:
        player.stop()
        player.release()
        instance.release()
    return vlc.libvlc_get_version().decode(), elapsed


def check_video() -> str:
    with tempfile.TemporaryDirectory(prefix="dd-video-") as scratch:
        clip = Path(scratch) / "probe.ts"
        write_probe_clip(clip)
        version, elapsed = decode_one_frame(clip)
    from dispatch_desk.cameras import native, yuv

    frames = (
        "the wall's frame callbacks in C"
        if native.available() and yuv.available()
        else "the wall's frame callbacks in Python (more CPU: the C ones are not built)"
    )
    return (
        f"libVLC {version} decodes H.264 into frames (first in {elapsed * 1000:.0f} ms); {frames}"
    )
