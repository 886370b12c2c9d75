"""The wall against a real RTSP camera that asks for a password (gst-rtsp-server on
127.0.0.1): the password written in the imported URL goes to the credential store, the tile
gets it from there and goes live; a camera imported with the wrong password shows a clear tile
message; the password is in no log, no database file and no settings file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dispatch_desk.cameras import registry, viewing
from dispatch_desk.cameras.credentials import credential_store
from dispatch_desk.cameras.streams import StreamState
from tests.helpers.core import actor_for
from tests.helpers.rtsp import RtspServer, rtsp_server_available
from tests.ui.conftest import Make
from tests.ui.wall.test_wall import _drop, _open_wall

pytestmark = pytest.mark.skipif(
    bool(rtsp_server_available()), reason=rtsp_server_available() or "ok"
)

PASSWORD = "Wall-s3cret-77"


@pytest.fixture
def server() -> Iterator[RtspServer]:
    with RtspServer(mounts=1, auth=("wallop", PASSWORD)) as running:
        yield running


def test_a_password_from_the_import_reaches_the_camera_and_nowhere_else(
    qtbot: QtBot, make_desk: Make, server: RtspServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    desk = make_desk()
    core = desk.core
    core.geo_now()
    clean = server.url(0)
    host = clean.removeprefix("rtsp://")
    csv = (
        "name,latitude,longitude,owner,sharing,main_url\n"
        f"RTSP Good,42.0,-71.0,public,live,rtsp://wallop:{PASSWORD}@{host}\n"
        f"RTSP Wrong,42.0,-71.0,public,live,rtsp://wallop:not-it@{host}\n"
    )
    records = registry.parse_csv(csv)
    core.store.write_sync(
        registry.import_cameras,
        actor_for(core, "admin"),
        records,
        credential_store(core.paths.data_dir),
        core.clock(),
    )
    wall = _open_wall(qtbot, desk)
    qtbot.waitUntil(lambda: wall.directory.index_of("RTSP Wrong").isValid(), timeout=5000)
    good, wrong = wall.tiles[0], wall.tiles[1]
    _drop(qtbot, wall, good, ["RTSP Good"])
    _drop(qtbot, wall, wrong, ["RTSP Wrong"])
    qtbot.waitUntil(lambda: good.view.state == StreamState.LIVE, timeout=20000)
    assert good.badge.text() == "LIVE"
    qtbot.waitUntil(lambda: wrong.view.state == StreamState.FAILED, timeout=20000)
    assert wrong.badge.text() == "FAILED"
    assert "Wrong user name or password" in wrong.message.text()
    assert wrong.message.isVisible()
    rows = core.store.read_sync(viewing.list_viewings)
    assert len(rows) == 2  # a failed stream was still a viewing opened (and is audited)

    assert PASSWORD not in caplog.text and "not-it" not in caplog.text
    home: Path = core.paths.data_dir.parent
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert PASSWORD.encode() not in data, path
    cams = core.store.read_sync(registry.list_cameras)
    assert {c.main_url for c in cams if c.name.startswith("RTSP")} == {clean}
