"""Recording one leg of a live session: video and sound to a fragmented MP4, on its own thread.

Fragmented MP4 (an empty moov, then a fragment at every key frame, one a second) is playable up
to its last complete fragment, so a workstation killed mid-session loses about a second. Frames
are stamped with the time they reached the desk, so gaps (a stalled network) stay gaps.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.video.reformatter import VideoReformatter

logger = logging.getLogger(__name__)

VIDEO_TB = Fraction(1, 1000)
AUDIO_RATE = 48000
# Fragments at key frames, written out at once; a silent phone (no sound packets) must not
# hold the picture back waiting to interleave, so at most half a second is buffered.
MP4_OPTIONS = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
    "flush_packets": "1",
    "max_interleave_delta": "500000",
}


@dataclass(frozen=True)
class Recording:
    path: Path
    size_bytes: int
    sha256: str
    duration_s: float
    video_frames: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SegmentRecorder:
    """Feed with :meth:`video` and :meth:`audio` from the loop; :meth:`finish` (blocking: run it
    in an executor) closes the file and returns its hash and length."""

    def __init__(self, path: Path, *, queue_limit: int = 240) -> None:
        self.path = path
        self._queue: queue.Queue[tuple[str, Any, float] | None] = queue.Queue(queue_limit)
        self._thread = threading.Thread(target=self._run, name=f"recorder-{path.stem}", daemon=True)
        self._t0: float | None = None
        self._last_at = 0.0
        self._frames = 0
        self._dropped = 0
        self._error: BaseException | None = None
        self._finished: Recording | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def video(self, frame: Any, at: float) -> None:
        self._put("video", frame, at)

    def audio(self, frame: Any, at: float) -> None:
        self._put("audio", frame, at)

    def _put(self, kind: str, frame: Any, at: float) -> None:
        if self._t0 is None:
            if kind != "video":
                return  # start with the picture, so the file opens on a frame
            self._t0 = at
        try:
            self._queue.put_nowait((kind, frame, at - self._t0))
        except queue.Full:
            self._dropped += 1  # the disk is slower than the stream: lose frames, not the loop

    def finish(self) -> Recording | None:
        """Close the file; None when nothing was recorded."""
        if self._finished is not None:
            return self._finished
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=5)
        self._thread.join(timeout=30)
        if self._error is not None:
            logger.warning("recording %s failed: %s", self.path.name, self._error)
        if not self.path.exists() or self._frames == 0:
            self.path.unlink(missing_ok=True)
            return None
        if self._dropped:
            logger.warning("recording %s dropped %d frames", self.path.name, self._dropped)
        self._finished = Recording(
            self.path, self.path.stat().st_size, sha256_of(self.path), self._last_at, self._frames
        )
        return self._finished

    def _run(self) -> None:
        container = None
        video = audio = resampler = None
        size: tuple[int, int] | None = None
        last_pts = -1
        next_audio = 0
        scaler = VideoReformatter()
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    break
                kind, frame, at = item
                if container is None:
                    container = av.open(str(self.path), mode="w", format="mp4", options=MP4_OPTIONS)
                if kind == "video":
                    if video is None:
                        size = (frame.width // 2 * 2, frame.height // 2 * 2)
                        video = container.add_stream(
                            "libx264",
                            rate=30,
                            options={"preset": "ultrafast", "tune": "zerolatency", "g": "30"},
                        )
                        video.width, video.height = size
                        video.pix_fmt = "yuv420p"
                        # A key frame a second: each closes a fragment on disk.
                        video.codec_context.gop_size = 30
                        video.codec_context.time_base = VIDEO_TB
                        audio = container.add_stream("aac", rate=AUDIO_RATE)
                        audio.layout = "stereo"
                        resampler = av.AudioResampler(
                            format="fltp", layout="stereo", rate=AUDIO_RATE
                        )
                    assert size is not None
                    if (frame.width, frame.height) != size or frame.format.name != "yuv420p":
                        # Our own scaler: the view's thread may be converting this frame too.
                        frame = scaler.reformat(
                            frame, width=size[0], height=size[1], format="yuv420p"
                        )
                    pts = max(last_pts + 1, round(at * 1000))
                    last_pts = pts
                    frame.pts, frame.time_base = pts, VIDEO_TB
                    for packet in video.encode(frame):
                        container.mux(packet)
                    self._frames += 1
                    self._last_at = max(self._last_at, at)
                elif audio is not None and resampler is not None:
                    # Sound follows the clock: a gap in the audio is filled by the next frame's
                    # own time rather than squeezed out.
                    start = max(next_audio, round(at * AUDIO_RATE) - frame.samples)
                    for out in resampler.resample(frame):
                        out.pts, out.time_base = start, Fraction(1, AUDIO_RATE)
                        start += out.samples
                        for packet in audio.encode(out):
                            container.mux(packet)
                    next_audio = start
            if container is not None:
                for stream in (video, audio):
                    if stream is not None:
                        for packet in stream.encode(None):
                            container.mux(packet)
        except Exception as exc:  # a broken file must not take the session down
            self._error = exc
        finally:
            if container is not None:
                with contextlib.suppress(Exception):
                    container.close()
            # Drain, so a producer never blocks on a dead recorder.
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()


class EventLog:
    """The session's chat, GPS and state changes as JSON lines, flushed as they happen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self.lines = 0

    def write(self, kind: str, **fields: Any) -> None:
        if self._file.closed:
            return
        record = {"at": time.time(), "t": kind, **fields}
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._file.flush()
        self.lines += 1

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
