"""CameraView against a real RTSP server (gst-rtsp-server on 127.0.0.1) and real libvlc."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGridLayout, QWidget
from pytestqt.qtbot import QtBot

from dispatch_desk.cameras import demo_clips
from dispatch_desk.cameras.playback import close_all, open_pipelines
from dispatch_desk.cameras.streams import StreamCredentials, StreamState
from tests.helpers.rtsp import RtspServer, rtsp_server_available
from ui.wall.player import CameraView

pytestmark = pytest.mark.skipif(
    bool(rtsp_server_available()), reason=rtsp_server_available() or "ok"
)


@pytest.fixture(scope="module")
def server() -> Iterator[RtspServer]:
    with RtspServer(mounts=4) as running:
        yield running


@pytest.fixture(autouse=True)
def _players_stop() -> Iterator[None]:
    yield
    assert close_all(timeout=15), "a player did not stop"


class Watch:
    """Everything a view said, in order."""

    def __init__(self, view: CameraView) -> None:
        self.states: list[tuple[StreamState, str]] = []
        self.first_frames = 0
        view.state_changed.connect(lambda state, message: self.states.append((state, message)))
        view.first_frame.connect(self._first)

    def _first(self) -> None:
        self.first_frames += 1

    def saw(self, state: StreamState) -> bool:
        return any(s is state for s, _ in self.states)


def make_view(qtbot: QtBot, width: int = 320, height: int = 180, **kwargs: str) -> CameraView:
    view = CameraView(**kwargs)
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    return view


def painted_colours(view: CameraView) -> int:
    image = view.grab().toImage()
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    )


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_a_tile_goes_live_and_paints_the_camera(
    qtbot: QtBot, server: RtspServer, transport: str
) -> None:
    view = make_view(qtbot, transport=transport)
    watch = Watch(view)
    assert view.frame_size().isEmpty()
    started = time.monotonic()
    with qtbot.waitSignal(view.first_frame, timeout=10_000):
        view.play(server.url(0))
        assert view.state is StreamState.CONNECTING and view.message == "Connecting…"
    assert time.monotonic() - started < 5
    assert view.state is StreamState.LIVE and view.message == ""
    assert watch.states[:2] == [(StreamState.CONNECTING, "Connecting…"), (StreamState.LIVE, "")]
    assert (view.frame_size().width(), view.frame_size().height()) == (640, 360)
    qtbot.waitUntil(lambda: view.frames_shown >= 10, timeout=5000)
    assert painted_colours(view) > 4  # the test pattern's bars, not a black tile
    still = view.snapshot()
    assert still is not None and (still.width(), still.height()) == (640, 360)
    assert watch.first_frames == 1


def test_the_tile_shows_lost_and_recovers_when_the_server_returns(qtbot: QtBot) -> None:
    with RtspServer(mounts=1) as server:
        view = make_view(qtbot)
        watch = Watch(view)
        with qtbot.waitSignal(view.first_frame, timeout=10_000):
            view.play(server.url(0))
        server.stop()
        qtbot.waitUntil(lambda: view.state is StreamState.RECONNECTING, timeout=5000)
        assert watch.saw(StreamState.LOST)
        assert view.message.startswith("Signal lost – reconnecting in ")
        qtbot.wait(2500)  # a few failed attempts: the tile keeps trying, calmly
        assert view.state is StreamState.RECONNECTING
        server.start()
        back = time.monotonic()
        qtbot.waitUntil(lambda: view.state is StreamState.LIVE, timeout=8000)
        assert time.monotonic() - back <= 5.0
        shown = view.frames_shown
        qtbot.waitUntil(lambda: view.frames_shown > shown + 5, timeout=3000)
        assert watch.first_frames == 1  # once per play(), not per reconnect
        assert not watch.saw(StreamState.FAILED)


def test_a_wrong_address_fails_with_a_clear_text_and_is_not_retried(
    qtbot: QtBot, server: RtspServer
) -> None:
    view = make_view(qtbot)
    cases = [
        (server.url(0).replace("cam0", "cam99"), "No such stream on the camera"),
        ("rtsp://camera.invalid/live", "Camera address not found"),
        ("ftp://cam.example/live", "Unsupported stream type: ftp://"),
        ("", "No stream address"),
        ("file:///nowhere/at/all.mp4", "No such file: all.mp4"),
    ]
    for url, message in cases:
        view.play(url)
        qtbot.waitUntil(lambda: view.state is StreamState.FAILED, timeout=10_000)
        assert view.message == message
    qtbot.wait(1500)
    assert view.state is StreamState.FAILED
    assert open_pipelines() == 0  # nothing keeps knocking


def test_a_camera_that_does_not_answer_yet_is_retried_not_failed(qtbot: QtBot) -> None:
    with RtspServer(mounts=1) as server:
        server.stop()  # the camera is off when the tile opens; it comes on later
        view = make_view(qtbot)
        watch = Watch(view)
        view.play(server.url(0))
        qtbot.waitUntil(lambda: view.state is StreamState.RECONNECTING, timeout=5000)
        assert view.message.startswith("Camera not answering – retrying in ")
        assert not watch.saw(StreamState.LOST)  # there was no picture to lose
        server.start()
        with qtbot.waitSignal(view.first_frame, timeout=10_000):
            pass
        assert view.state is StreamState.LIVE and not watch.saw(StreamState.FAILED)


def test_wrong_credentials_fail_and_the_password_is_never_shown(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with RtspServer(mounts=1, auth=("officer", "s3cret!")) as server:
        view = make_view(qtbot)
        view.play(server.url(0), StreamCredentials("officer", "wrong-one"))
        qtbot.waitUntil(lambda: view.state is StreamState.FAILED, timeout=10_000)
        assert view.message == "Wrong user name or password"
        assert "wrong-one" not in view.toolTip()
        with qtbot.waitSignal(view.first_frame, timeout=10_000):
            view.play(server.url(0), StreamCredentials("officer", "s3cret!"))
        assert view.state is StreamState.LIVE
        assert "s3cret" not in view.url and view.url == server.url(0)
        view.stop()
    assert caplog.records  # the player did log (at debug) what it did, without secrets
    assert not [r for r in caplog.records if "s3cret" in r.getMessage()]
    assert not [r for r in caplog.records if "wrong-one" in r.getMessage()]


def test_a_demo_camera_prepares_its_clip_then_plays_it(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_clips, "_configured", tmp_path / "clips")
    view = make_view(qtbot, 160, 90)
    watch = Watch(view)
    with qtbot.waitSignal(view.first_frame, timeout=60_000):
        view.play("demo:riverside-park-gate/sub")
        assert (view.state, view.message) == (StreamState.CONNECTING, "Preparing demo clip…")
    assert (view.frame_size().width(), view.frame_size().height()) == (320, 180)
    assert watch.states[0] == (StreamState.CONNECTING, "Preparing demo clip…")
    # The main stream of the same camera is there now too, and plays at once.
    with qtbot.waitSignal(view.first_frame, timeout=10_000):
        view.play("demo:riverside-park-gate")
        assert view.message == "Connecting…"
    assert (view.frame_size().width(), view.frame_size().height()) == (640, 360)


def test_sixteen_tiles_play_at_once_without_freezing_the_gui(
    qtbot: QtBot, server: RtspServer
) -> None:
    wall = QWidget()
    qtbot.addWidget(wall)
    grid = QGridLayout(wall)
    views = [CameraView(wall) for _ in range(16)]
    for n, view in enumerate(views):
        grid.addWidget(view, n // 4, n % 4)
    wall.resize(1280, 720)
    wall.show()
    gaps: list[float] = []
    last = [time.monotonic()]

    def beat() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    heart = QTimer(wall, interval=20, timeout=beat)
    heart.start()
    started = time.monotonic()
    for n, view in enumerate(views):
        view.play(server.url(n % 4))
    assert time.monotonic() - started < 0.5  # play() never waits on the network
    qtbot.waitUntil(lambda: all(v.state is StreamState.LIVE for v in views), timeout=20_000)
    gaps.clear()
    last[0] = time.monotonic()
    qtbot.wait(2000)
    assert max(gaps) < 0.3, f"the GUI stalled for {max(gaps):.2f} s"
    assert all(v.frames_shown > 10 for v in views)
    # Switching all of them (sub <-> main) returns at once too.
    started = time.monotonic()
    for n, view in enumerate(views):
        view.play(server.url((n + 1) % 4))
    assert time.monotonic() - started < 0.5
    qtbot.waitUntil(lambda: all(v.state is StreamState.LIVE for v in views), timeout=20_000)
    heart.stop()


@pytest.mark.parametrize(
    ("tile", "frame"),
    [((637, 357), (640, 360)), ((477, 267), (480, 270)), ((320, 180), (320, 180))],
)
def test_a_tile_paints_its_frame_pixel_for_pixel(
    qtbot: QtBot, server: RtspServer, tile: tuple[int, int], frame: tuple[int, int]
) -> None:
    """VLC scales to the tile (to a few pixels over it, where that is cheaper: fit_size) and
    the tile paints the middle of the frame as it is, no resampling."""
    view = make_view(qtbot, *tile)
    with qtbot.waitSignal(view.first_frame, timeout=10_000):
        view.play(server.url(0))
    qtbot.waitUntil(lambda: view.frames_shown >= 5, timeout=5000)
    shown = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    image = view._image
    assert image is not None and image.size().toTuple() == frame
    target = view.target_rect()
    assert target.width() <= tile[0] and target.height() <= tile[1]
    assert target.width() >= tile[0] - 4 or target.height() >= tile[1] - 4  # fills the tile
    left = (frame[0] - target.width()) // 2
    top = (frame[1] - target.height()) // 2
    bars = target.height() * 3 // 5  # the colour bars: the pattern's snow below moves
    for y in range(0, bars, 3):
        for x in range(0, target.width(), 5):
            assert shown.pixel(target.x() + x, target.y() + y) == image.pixel(left + x, top + y)


def test_destroying_a_playing_view_stops_its_player(qtbot: QtBot, server: RtspServer) -> None:
    parent = QWidget()
    view = CameraView(parent)
    parent.resize(320, 180)
    parent.show()
    with qtbot.waitSignal(view.first_frame, timeout=10_000):
        view.play(server.url(1))
    assert open_pipelines() == 1
    started = time.monotonic()
    view.stop()
    view.stop()
    assert time.monotonic() - started < 0.1
    assert view.state is StreamState.IDLE and view.frame_size().isEmpty()
    qtbot.waitUntil(lambda: open_pipelines() == 0, timeout=5000)
    with qtbot.waitSignal(view.first_frame, timeout=10_000):
        view.play(server.url(1))
    parent.deleteLater()  # takes the playing view with it
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: open_pipelines() == 0, timeout=5000)
    qtbot.wait(300)  # late frames from VLC must find nobody, quietly
