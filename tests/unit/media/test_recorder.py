"""Recording: a segment plays back to its length, keeps a gap as a gap, is hashed, and stays
playable when the workstation is killed mid-session; stills and frames for the view."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import av
import pytest

from dispatch_desk.media.frames import FrameConverter, RgbFrame
from dispatch_desk.media.recorder import EventLog, SegmentRecorder, sha256_of
from dispatch_desk.media.stills import jpeg_of
from tests.helpers.live import decode_recording

ROOT = Path(__file__).resolve().parents[3]


def _frame(n: int, width: int = 320, height: int = 240) -> av.VideoFrame:
    frame = av.VideoFrame(width, height, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes([(n * 7) % 256]) * plane.buffer_size)
    return frame


def _sound() -> av.AudioFrame:
    frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
    frame.planes[0].update(bytes(960 * 4))
    frame.sample_rate = 48000
    frame.time_base = Fraction(1, 48000)
    return frame


def test_a_segment_plays_to_its_length_with_its_gap_and_is_hashed(tmp_path: Path) -> None:
    recorder = SegmentRecorder(tmp_path / "video-01.mp4")
    recorder.audio(_sound(), 99.0)  # sound before the first picture is not kept
    at = 100.0
    for n in range(60):
        at = 100.0 + n / 30 + (1.5 if n >= 30 else 0.0)  # a 1.5 s gap (a stalled network)
        recorder.video(_frame(n), at)
        recorder.audio(_sound(), at)
    done = recorder.finish()
    assert done is not None
    frames, seconds = decode_recording(done.path)
    assert frames == 60 == done.video_frames
    assert seconds == pytest.approx(done.duration_s, abs=0.05)
    assert done.duration_s == pytest.approx(59 / 30 + 1.5)
    assert done.sha256 == sha256_of(done.path) and done.size_bytes == done.path.stat().st_size
    with av.open(str(done.path)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]


def test_a_segment_with_no_picture_leaves_no_file(tmp_path: Path) -> None:
    recorder = SegmentRecorder(tmp_path / "video-02.mp4")
    recorder.audio(_sound(), 1.0)
    assert recorder.finish() is None
    assert not (tmp_path / "video-02.mp4").exists()


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from tests.unit.media.test_recorder import _frame
    from dispatch_desk.media.recorder import SegmentRecorder
    recorder = SegmentRecorder(__import__("pathlib").Path({path!r}))
    for n in range(90):
        recorder.video(_frame(n), n / 30)
    while not recorder._queue.empty():
        time.sleep(0.01)
    print("FED", flush=True)
    time.sleep(60)
    """
)


def test_a_recording_cut_short_by_a_kill_still_plays(tmp_path: Path) -> None:
    path = tmp_path / "video-01.mp4"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "FED"
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    frames, seconds = decode_recording(path)
    assert frames >= 59  # every fragment closed by a key frame (one a second) survives
    assert seconds >= 1.9


def test_a_still_is_a_jpeg_of_the_frame(tmp_path: Path) -> None:
    data = jpeg_of(_frame(3, 640, 360))
    assert data[:3] == b"\xff\xd8\xff"
    (tmp_path / "still.jpg").write_bytes(data)
    with av.open(str(tmp_path / "still.jpg")) as container:
        image = next(container.decode(video=0))
    assert (image.width, image.height) == (640, 360)


def test_frames_for_the_view_keep_only_the_newest_while_busy() -> None:
    got: list[RgbFrame] = []

    async def main() -> None:
        converter = FrameConverter(got.append, max_width=160)
        for n in range(10):
            converter.submit(_frame(n), float(n))
        while not got or got[-1].arrived != 9.0:
            await asyncio.sleep(0.005)
        converter.close()

    asyncio.run(main())
    assert len(got) <= 3  # the first, perhaps one in between, and the newest: never all ten
    assert (got[-1].width, got[-1].height) == (160, 120)
    assert got[-1].stride >= 160 * 3 and len(got[-1].data) >= got[-1].stride * 120


def test_the_event_log_is_one_json_line_per_event(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events-01.jsonl")
    log.write("chat", text='<b>"hi"</b>\nthere')
    log.write("gps", lat=1.5, lon=2.5)
    log.close()
    log.write("late", x=1)  # after close: ignored
    lines = (tmp_path / "events-01.jsonl").read_text().splitlines()
    assert len(lines) == 2 and '"t": "gps"' in lines[1]


def test_a_frame_scaled_by_the_view_and_the_recorder_at_once_freezes_neither(
    tmp_path: Path,
) -> None:
    # The phone switched cameras (or WebRTC lowered the resolution): every frame now differs
    # from the recording's size, so the recorder and the view both rescale the same frames at
    # the same time. FFmpeg's scaler kept on a frame is not thread-safe; each has its own.
    recorder = SegmentRecorder(tmp_path / "video-01.mp4")
    recorder.video(_frame(0, 640, 360), 0.0)
    got: list[RgbFrame] = []

    async def main() -> None:
        converter = FrameConverter(got.append)
        for n in range(1, 150):
            frame = _frame(n, 320, 180)
            recorder.video(frame, n / 30)
            converter.submit(frame, float(n))
            await asyncio.sleep(0.002)
        while not got or got[-1].arrived != 149.0:  # the newest frame is always shown
            await asyncio.sleep(0.005)
        converter.close()

    asyncio.run(main())
    done = recorder.finish()
    assert done is not None and done.video_frames == 150
    assert (got[-1].width, got[-1].height) == (320, 180)
