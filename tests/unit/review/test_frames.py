"""Exact pictures for scrubbing: a recording made by the desk's own recorder, decoded at an
instant from the key frame before it, gives the very picture a straight decode shows there."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import pytest

from dispatch_desk.media.recorder import SegmentRecorder
from dispatch_desk.review import frames

FPS = 25


def _recording(path: Path, seconds: float) -> Path:
    recorder = SegmentRecorder(path, queue_limit=100_000)
    for index in range(int(seconds * FPS) + 1):
        frame = av.VideoFrame(160, 120, "yuv420p")
        for number, plane in enumerate(frame.planes):
            value = 16 + index % 200 if number == 0 else 128
            plane.update(bytes([value]) * (plane.line_size * plane.height))
        recorder.video(frame, index / FPS)
    assert recorder.finish() is not None
    return path


def _straight(path: Path, seconds: float) -> tuple[float, bytes]:
    """The last picture at or before ``seconds``, decoding from the very start."""
    chosen = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time > seconds + 1e-6:
                break
            chosen = frame
        assert chosen is not None
        picture = chosen.reformat(format="bgra")
        return float(chosen.pts * stream.time_base), bytes(picture.planes[0])


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _recording(tmp_path_factory.mktemp("rec") / "video-01.mp4", 6.0)


def test_key_frames_are_where_the_recorder_puts_them(recording: Path) -> None:
    times = frames.keyframes(recording)
    assert times[0] == 0.0 and len(times) >= 4
    assert all(0.9 <= b - a <= 1.3 for a, b in itertools.pairwise(times))
    assert frames.keyframe_before(times, 2.5) == max(t for t in times if t <= 2.5)
    assert frames.keyframe_before(times, -1.0) == 0.0


@pytest.mark.parametrize("seconds", [0.0, 1.0, 2.3, 3.61, 5.999])
def test_a_still_is_the_picture_recorded_at_that_instant(recording: Path, seconds: float) -> None:
    still = frames.still_at(recording, seconds, (160, 120))
    assert still is not None
    at, data = _straight(recording, seconds)
    assert still.at_s == pytest.approx(at) and at <= seconds + 1e-6
    assert (still.width, still.height) == (160, 120)
    assert still.data == data  # the same picture, byte for byte


def test_a_still_fits_the_box_keeping_its_shape(recording: Path) -> None:
    still = frames.still_at(recording, 1.0, (80, 200))
    assert still is not None and (still.width, still.height) == (80, 60)
