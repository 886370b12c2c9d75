"""RTSP through the relay into libvlc, against a real gst-rtsp-server on 127.0.0.1.

No Qt here: the relay (PyAV) and the pipeline (libvlc, video callbacks) on their own. The tiles
that use them are tested in tests/ui/wall/test_player.py.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import pytest

from dispatch_desk.cameras import native, yuv
from dispatch_desk.cameras.playback import Event, Pipeline, close_all, open_pipelines
from dispatch_desk.cameras.relay import EndKind, RelayEnd, RtspRelay
from dispatch_desk.cameras.streams import StreamCredentials
from tests.helpers.rtsp import RtspServer, rtsp_server_available

pytestmark = pytest.mark.skipif(
    bool(rtsp_server_available()), reason=rtsp_server_available() or "ok"
)


@pytest.fixture(scope="module")
def server() -> Iterator[RtspServer]:
    with RtspServer(mounts=2) as running:
        yield running


@pytest.fixture(scope="module")
def locked() -> Iterator[RtspServer]:
    with RtspServer(mounts=1, auth=("officer", "s3cret!")) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_player_left() -> Iterator[None]:
    yield
    assert close_all(timeout=15), "a player did not stop"
    assert open_pipelines() == 0


def until(check: Callable[[], object], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return bool(check())


def relay_end(url: str, credentials: StreamCredentials | None = None) -> RelayEnd:
    ended = threading.Event()
    relay = RtspRelay(url, credentials, on_end=lambda end: ended.set())
    fd = relay.start()
    try:
        assert ended.wait(15)
    finally:
        relay.close_reader()
        relay.join(5)
    del fd
    assert relay.end is not None
    return relay.end


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_vlc_decodes_the_relayed_stream_scaled_to_the_tile(
    server: RtspServer, transport: str
) -> None:
    events: list[Event] = []
    pipeline = Pipeline(events.append, box=(320, 240))
    started = time.monotonic()
    pipeline.play_rtsp(server.url(0), None, transport=transport)
    assert until(lambda: pipeline.frames >= 10)
    assert time.monotonic() - started < 5
    assert pipeline.relay is not None and pipeline.relay.used_transport == transport
    frame = pipeline.take_frame()
    assert frame is not None
    # VLC scaled 640x360 down to fit 320x240, shape kept: it did the work, not Python.
    assert (frame.width, frame.height) == (320, 180)
    assert frame.stride == 320 * 4 and len(frame.data) >= frame.stride * frame.height
    assert pipeline.source_size == (640, 360)
    assert len(set(frame.data[i : i + 4] for i in range(0, len(frame.data), 4 * 97))) > 4
    assert Event.FRAME in events and Event.ENDED not in events
    pipeline.close()


def picture(box: tuple[int, int], url: str) -> bytes:
    """The 40th frame VLC hands over for a still test pattern, as BGRA rows."""
    pipeline = Pipeline(lambda event: None, box=box, frame_events=False)
    pipeline.play_rtsp(url, None)
    try:
        assert until(lambda: pipeline.frames >= 40)
        frame = pipeline.take_frame()
        assert frame is not None
        return bytes(frame.data)[: frame.stride * frame.height]
    finally:
        pipeline.close()


def _is_native(*, frame_events: bool) -> bool:
    pipeline = Pipeline(lambda event: None, box=(320, 180), frame_events=frame_events)
    pipeline.close()
    return pipeline.native


@pytest.mark.skipif(not native.available(), reason="the C frame callbacks were not built")
def test_a_wall_tile_runs_no_python_on_vlc_s_threads_per_frame(
    server: RtspServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tile that is polled (no FRAME event) gets VLC's lock and display in C, and the
    same picture as the Python callbacks make, to the byte."""
    calls: list[str] = []
    monkeypatch.setattr(Pipeline, "_on_lock", lambda *_: calls.append("lock") or 0)
    monkeypatch.setattr(Pipeline, "_on_display", lambda *_: calls.append("display"))
    box = (477, 267)  # scaled by VLC to 480x270, then converted
    in_c = picture(box, server.url(0))
    assert calls == [], "Python ran on VLC's thread for a frame"
    assert _is_native(frame_events=False)
    assert not _is_native(frame_events=True)  # a FRAME event per frame needs Python
    monkeypatch.undo()
    monkeypatch.setattr(native, "_lib", None)
    assert not _is_native(frame_events=False)
    in_python = picture(box, server.url(0))
    bars = 480 * 4 * (270 * 3 // 5)  # the pattern's bottom strip has snow: left out
    assert len(in_c) == len(in_python) == 480 * 4 * 270
    assert in_c[:bars] == in_python[:bars]


def test_the_wall_converts_vlc_s_yuv_as_vlc_would(
    server: RtspServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """VLC hands over I420 that yuv.py converts; without libswscale VLC converts to RGB itself.
    At the source's size both are the same conversion, to the byte; scaled, VLC's scaler works
    in YUV first, so the bars' edges differ by a rounding, not the picture. (The colour bars
    only: the pattern's bottom strip has snow that changes every frame.)"""
    assert yuv.available()
    boxes = {(640, 360): (640, 360), (477, 267): (480, 270)}  # box -> the frame VLC makes
    ours = {box: picture(box, server.url(0)) for box in boxes}
    monkeypatch.setattr(yuv, "_lib", None)
    vlc_s = {box: picture(box, server.url(0)) for box in boxes}
    for box, (width, height) in boxes.items():
        assert len(ours[box]) == len(vlc_s[box]) == width * 4 * height
        bars = width * 4 * (height * 3 // 5)
        mine, theirs = ours[box][:bars], vlc_s[box][:bars]
        assert len(set(mine[i : i + 4] for i in range(0, bars, 4 * 97))) >= 7  # the 7 bars
        if box == (640, 360):
            assert mine == theirs
        else:
            differences = [abs(a - b) for a, b in zip(mine, theirs, strict=True)]
            assert sum(differences) / len(differences) < 0.5
            assert sum(1 for d in differences if d > 24) / len(differences) < 0.005


def test_packets_reach_vlc_unchanged(server: RtspServer, tmp_path: Path) -> None:
    """The relay remuxes: the H.264 it writes is byte for byte what the camera sent."""
    direct = av.open(
        server.url(1), options={"rtsp_transport": "tcp", "analyzeduration": "0"}, timeout=5
    )
    relay = RtspRelay(server.url(1))
    fd = relay.start()
    received = bytearray()
    sent: set[bytes] = set()
    try:
        for packet in direct.demux(direct.streams.video[0]):
            if packet.size:
                sent.add(bytes(packet))
            if relay.packets >= 40 and len(sent) >= 80:
                break
            while True:  # keep the pipe drained
                ready, _, _ = select.select([fd], [], [], 0)
                if not ready:
                    break
                received += os.read(fd, 65536)
    finally:
        direct.close()
        relay.close_reader()
        relay.join(5)
    path = tmp_path / "relayed.ts"
    path.write_bytes(received)
    with av.open(str(path)) as relayed:
        stream = relayed.streams.video[0]
        assert stream.codec_context.name == "h264"
        payloads = [bytes(p) for p in relayed.demux(stream) if p.size]
    assert len(payloads) >= 20
    same = sum(1 for p in payloads if p in sent)
    assert same >= len(payloads) - 2  # the first/last may be cut by the sampling window


def test_a_wrong_path_is_no_such_stream(server: RtspServer) -> None:
    end = relay_end(server.url(0).replace("/cam0", "/nowhere"))
    assert (end.kind, end.message) == (EndKind.NOT_FOUND, "No such stream on the camera")
    assert not end.retry


def test_wrong_or_missing_credentials_are_refused_and_never_shown(locked: RtspServer) -> None:
    wrong = StreamCredentials("officer", "guess-again")
    end = relay_end(locked.url(0), wrong)
    assert (end.kind, end.message) == (EndKind.AUTH, "Wrong user name or password")
    assert not end.retry
    assert relay_end(locked.url(0)).kind is EndKind.AUTH
    good = StreamCredentials("officer", "s3cret!")
    pipeline = Pipeline(lambda event: None, box=(160, 90))
    pipeline.play_rtsp(locked.url(0), good, transport="tcp")
    assert until(lambda: pipeline.frames >= 3)
    assert pipeline.relay is not None and "s3cret" not in pipeline.relay.url
    pipeline.close()


def test_an_unknown_host_and_a_closed_port(server: RtspServer) -> None:
    end = relay_end("rtsp://camera.invalid:554/live")
    assert (end.kind, end.message) == (EndKind.BAD_ADDRESS, "Camera address not found")
    end = relay_end(f"rtsp://127.0.0.1:{_closed_port()}/cam0")
    assert (end.kind, end.retry) == (EndKind.UNREACHABLE, True)


def test_the_server_going_away_ends_the_stream_and_close_never_blocks() -> None:
    with RtspServer(mounts=1) as server:
        events: list[Event] = []
        pipeline = Pipeline(events.append, box=(320, 180))
        pipeline.play_rtsp(server.url(0), None)
        assert until(lambda: pipeline.frames >= 5)
        server.stop()
        assert until(lambda: pipeline.ended, timeout=6)
        assert pipeline.end is not None and pipeline.end.retry
        assert events.count(Event.ENDED) == 1
        started = time.monotonic()
        pipeline.close()
        pipeline.close()
        assert time.monotonic() - started < 0.05
        count = len(events)
        assert until(lambda: open_pipelines() == 0)
        assert len(events) == count  # nothing after close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
