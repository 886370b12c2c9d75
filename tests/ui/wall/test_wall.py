"""The camera wall at work: a 3x3 view built by drag and drop, saved and loaded again; a tile
enlarged (main stream) and back (sub-stream); an incident's nearest cameras docked from the
call-taker; a still grabbed into the incident; and the audit rows of all that viewing.

Cameras are imported through the registry with file:// clips made here (H.264, 640x360), so
tiles play real video through the real player.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Coroutine
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import av
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_desk.cameras import registry, stills, viewing
from dispatch_desk.cameras.credentials import credential_store
from dispatch_desk.cameras.streams import StreamState
from dispatch_desk.domain.enums import CameraSharing, LocationSource
from dispatch_desk.domain.location import Position
from dispatch_desk.geo.geometry import LatLon, offset
from dispatch_desk.services import audit
from dispatch_desk.services.nearby import nearest_cameras
from tests.helpers.core import actor_for, create_incident, demo_password
from tests.ui.conftest import Make, press, sign_in
from ui.app import DeskApp
from ui.wall.tile import WallTile
from ui.wall.window import WallWindow

T = TypeVar("T")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of 640x360 H.264 at 25 fps: a bright square moving over a gradient."""
    path = tmp_path_factory.mktemp("clips") / "moving.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 25)
        ramp = bytes(40 + x * 160 // 640 for x in range(640))
        chroma_u, chroma_v = bytes([90]) * (320 * 180), bytes([160]) * (320 * 180)
        for n in range(100):
            luma = bytearray(ramp * 360)
            x = (n * 6) % 560
            for y in range(140, 220):
                luma[y * 640 + x : y * 640 + x + 80] = b"\xeb" * 80
            frame = av.VideoFrame(640, 360, "yuv420p")
            for plane, data in zip(frame.planes, (luma, chroma_u, chroma_v), strict=True):
                _fill(plane, bytes(data))
            frame.pts = n
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _fill(plane: Any, data: bytes) -> None:
    """Copy tightly packed rows into a plane whose rows may be padded."""
    width = plane.width
    if plane.line_size == width:
        plane.update(data)
        return
    padded = b"".join(
        data[r * width : (r + 1) * width].ljust(plane.line_size, b"\0") for r in range(plane.height)
    )
    plane.update(padded)


def _finish(qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout: int = 10000) -> T:
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


def _import_cameras(desk: DeskApp, clip: Path, count: int = 9) -> list[registry.CameraEntry]:
    """``count`` cameras on a ring 60-300 m around the town's centre, playing the clip."""
    core = desk.core
    geo = core.geo_now()
    centre = geo.layers.places[0]
    url = clip.as_uri()
    rows = [
        {
            "name": f"Wall Cam {n:02d}",
            "latitude": offset(LatLon(centre.lat, centre.lon), 30 * n, 20 * n).lat,
            "longitude": offset(LatLon(centre.lat, centre.lon), 30 * n, 20 * n).lon,
            "owner": "public",
            "sharing": "live",
            "main_url": url,
            "sub_url": url,
        }
        for n in range(1, count + 1)
    ]
    records = registry.check_rows(rows)
    admin = actor_for(core, "admin")
    core.store.write_sync(
        registry.import_cameras,
        admin,
        records,
        credential_store(core.paths.data_dir),
        core.clock(),
    )
    entries = core.store.read_sync(registry.list_cameras)
    return [e for e in entries if e.name.startswith("Wall Cam")]


def _open_wall(qtbot: QtBot, desk: DeskApp, user: str = "dispatcher") -> WallWindow:
    window = sign_in(qtbot, desk, user, demo_password(desk.core, user))
    press(
        qtbot, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: len(desk.walls) == len(QApplication.screens()), timeout=5000)
    wall = desk.walls[0]
    qtbot.waitExposed(wall)
    qtbot.waitUntil(wall.loaded.done, timeout=10000)
    assert wall.loaded.exception() is None
    assert window.isVisible()
    wall.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wall)
    return wall


def _drop(qtbot: QtBot, wall: WallWindow, tile: WallTile, names: list[str]) -> None:
    """Drag cameras from the directory onto a tile: the directory's own mime data, delivered
    to the tile as Qt delivers a drag: enter, then drop."""
    model = wall.directory.model
    indexes = [wall.directory.index_of(n) for n in names]
    assert all(i.isValid() for i in indexes), names
    data = model.mimeData(indexes)
    centre = QPointF(tile.width() / 2, tile.height() / 2)
    enter = QDragEnterEvent(
        centre.toPoint(),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(tile, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        centre,
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(tile, drop)
    assert drop.isAccepted()


def _open_viewings(desk: DeskApp) -> list[viewing.ViewingRow]:
    rows = desk.core.store.read_sync(viewing.list_viewings)
    return [r for r in rows if r.ended_at is None]


def test_build_3x3_by_drag_and_drop_save_and_reload(
    qtbot: QtBot, make_desk: Make, clip: Path
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip)
    wall = _open_wall(qtbot, desk)
    qtbot.waitUntil(lambda: wall.directory.index_of("Wall Cam 09").isValid(), timeout=5000)
    qtbot.keyClick(wall, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert (wall.rows, wall.cols, len(wall.tiles)) == (3, 3, 9)
    for tile, cam in zip(wall.tiles, cams, strict=True):
        _drop(qtbot, wall, tile, [cam.name])
    qtbot.waitUntil(lambda: all(t.camera is not None for t in wall.tiles), timeout=10000)
    assert [t.camera.name for t in wall.tiles if t.camera] == [c.name for c in cams]
    assert len(_open_viewings(desk)) == 9
    # Every tile goes live on the real player.
    qtbot.waitUntil(
        lambda: all(t.view.state == StreamState.LIVE for t in wall.tiles), timeout=20000
    )
    assert all(t.badge.text() == "LIVE" for t in wall.tiles)

    # Two cameras dropped at once make a sequence in one tile.
    _drop(qtbot, wall, wall.tiles[8], [cams[0].name, cams[1].name])
    assert wall.tiles[8].camera_ids == [cams[0].id, cams[1].id]

    wall.view_box.setFocus()
    wall.view_box.setEditText("Night shift 3x3")
    qtbot.keyClick(wall, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: wall.view_box.findText("Night shift 3x3") >= 0, timeout=5000)
    saved = wall.spec()

    qtbot.keyClick(wall, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert len(wall.tiles) == 1
    qtbot.waitUntil(lambda: len(_open_viewings(desk)) == 1, timeout=5000)

    wall.view_box.setEditText("Night shift 3x3")
    qtbot.keyClick(wall, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(wall.tiles) == 9 and bool(wall.tiles[8].camera_ids), timeout=5000)
    assert wall.spec() == saved
    qtbot.waitUntil(lambda: all(t.camera is not None for t in wall.tiles), timeout=10000)
    trail = desk.core.store.read_sync(audit.list_events, action="camera.wall_view.save")
    assert trail[-1].detail == {"name": "Night shift 3x3", "grid": "3x3"}


def test_enlarge_switches_to_the_main_stream_and_back(
    qtbot: QtBot, make_desk: Make, clip: Path
) -> None:
    desk = make_desk(cameras__main_stream_min_px=600)
    cams = _import_cameras(desk, clip, 4)
    wall = _open_wall(qtbot, desk)
    wall.resize(1400, 900)
    for tile, cam in zip(wall.tiles, cams, strict=True):
        _drop(qtbot, wall, tile, [cam.name])
    qtbot.waitUntil(lambda: all(t.stream == "sub" for t in wall.tiles), timeout=10000)
    tile = wall.tiles[2]
    viewings_before = len(desk.core.store.read_sync(viewing.list_viewings))
    qtbot.mouseDClick(tile.view, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert wall.enlarged is tile
    assert all(not t.isVisible() for t in wall.tiles if t is not tile)
    qtbot.waitUntil(lambda: tile.view.width() >= 600 and tile.stream == "main", timeout=5000)
    qtbot.waitUntil(lambda: tile.view.state == StreamState.LIVE, timeout=15000)
    # Switching streams is the same viewing, not a new one.
    assert len(desk.core.store.read_sync(viewing.list_viewings)) == viewings_before
    qtbot.keyClick(wall, Qt.Key.Key_Escape)
    assert wall.enlarged is None
    assert all(t.isVisible() for t in wall.tiles)
    qtbot.waitUntil(lambda: tile.stream == "sub", timeout=5000)


def test_nearest_cameras_for_an_incident_a_still_and_the_audit_rows(
    qtbot: QtBot, make_desk: Make, clip: Path
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 6)
    core = desk.core
    window = sign_in(qtbot, desk, "dispatcher", demo_password(core, "dispatcher"))
    dispatcher = window.actor
    incident = create_incident(core, dispatcher)
    spot = offset(LatLon(cams[0].latitude, cams[0].longitude), 10, 10)
    core.store.write_sync(
        core.incidents.place,
        dispatcher,
        incident.id,
        Position(spot.lat, spot.lon),
        LocationSource.MANUAL,
        core.clock(),
    )
    _finish(qtbot, window._open_incident(incident.id))
    assert window.form.incident_id == incident.id
    press(
        qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: bool(desk.walls), timeout=5000)
    wall = desk.walls[0]
    expected = core.store.read_sync(
        nearest_cameras, spot.lat, spot.lon, 4, core.settings.cameras.nearest_radius_m
    )
    assert len(expected) == 4
    qtbot.waitUntil(
        lambda: [t.camera_ids[:1] for t in wall.tiles] == [[c.id] for c in expected], timeout=10000
    )
    assert (wall.rows, wall.cols) == (2, 2)
    assert wall.incident_id == incident.id
    assert incident.number in wall.windowTitle()
    qtbot.waitUntil(lambda: wall.tiles[0].view.state == StreamState.LIVE, timeout=20000)
    qtbot.waitUntil(lambda: wall.tiles[0].view.snapshot() is not None, timeout=5000)

    wall.choose(wall.tiles[0])
    wall.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wall)
    qtbot.keyClick(wall, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: wall.last_still is not None, timeout=5000)
    still = wall.last_still
    assert still is not None and still.camera_id == expected[0].id
    data = (core.paths.media_dir / still.file_name).read_bytes()
    assert data.startswith(b"\xff\xd8")
    assert hashlib.sha256(data).hexdigest() == still.sha256
    assert (still.width, still.height) == (640, 360)
    assert [s.id for s in core.store.read_sync(stills.list_stills, incident.id)] == [still.id]
    detail = core.store.read_sync(core.incidents.detail, incident.id)
    assert any("Camera still attached" in n.text for n in detail.narrative)

    # Closing the wall closes every viewing: who, which camera, from/to, for which incident.
    _finish(qtbot, wall.close_all())
    rows = core.store.read_sync(viewing.list_viewings, incident_id=incident.id)
    assert {r.camera_id for r in rows} == {c.id for c in expected}
    for row in rows:
        assert (row.username, row.workstation) == ("dispatcher", core.workstation)
        assert row.ended_at is not None and row.ended_at >= row.started_at
        assert row.duration_s is not None
    trail = core.store.read_sync(audit.list_events, entity_id=expected[0].id)
    actions = [(e.action, e.outcome, e.detail.get("incident_id")) for e in trail]
    assert ("camera.view.open", "ok", str(incident.id)) in actions
    assert ("camera.view.close", "ok", str(incident.id)) in actions


def test_registry_only_refused_and_purpose_required(
    qtbot: QtBot, make_desk: Make, clip: Path
) -> None:
    desk = make_desk(cameras__require_purpose=True)
    cams = _import_cameras(desk, clip, 1)
    core = desk.core
    wall = _open_wall(qtbot, desk)
    registry_only = next(
        e
        for e in core.store.read_sync(registry.list_cameras)
        if e.sharing == CameraSharing.REGISTRY
    )
    qtbot.waitUntil(lambda: wall.directory.index_of(registry_only.name).isValid())
    # The directory lists it but will not let it be dragged...
    index = wall.directory.index_of(registry_only.name)
    assert index.isValid()
    assert not (wall.directory.model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled)
    # ... and a drop of its id from elsewhere (the map) is refused, on the tile and on record.
    tile = wall.tiles[0]
    wall.put(tile, [registry_only])
    qtbot.waitUntil(lambda: "registered only" in tile.message.text(), timeout=5000)
    assert tile.view.state == StreamState.IDLE
    refused = core.store.read_sync(audit.list_events, entity_id=registry_only.id)
    assert [(e.action, e.outcome) for e in refused] == [("camera.view.open", "refused")]

    # No incident and no purpose: the tile asks for one; typing it opens the camera.
    _drop(qtbot, wall, wall.tiles[1], [cams[0].name])
    qtbot.waitUntil(lambda: "State a purpose" in wall.tiles[1].message.text(), timeout=5000)
    assert _open_viewings(desk) == []
    qtbot.waitUntil(lambda: QApplication.focusWidget() is wall.purpose, timeout=5000)
    qtbot.keyClicks(wall.purpose, "Parade route watch")
    qtbot.keyClick(wall.purpose, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(_open_viewings(desk)) == 1, timeout=5000)
    assert _open_viewings(desk)[0].purpose == "Parade route watch"
    qtbot.waitUntil(lambda: wall.tiles[1].view.state == StreamState.LIVE, timeout=20000)
    assert uuid.UUID(str(cams[0].id)) == _open_viewings(desk)[0].camera_id


def test_a_camera_dragged_from_the_map_lands_on_a_tile(
    qtbot: QtBot, make_desk: Make, clip: Path
) -> None:
    from ui.map.canvas import MapCanvas
    from ui.map.marks import CameraMark

    desk = make_desk()
    cam = _import_cameras(desk, clip, 1)[0]
    wall = _open_wall(qtbot, desk)
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_cameras([CameraMark(cam.id, cam.name, cam.latitude, cam.longitude, 90.0)])
    canvas.centre_on(cam.latitude, cam.longitude, 16)
    x, y = canvas.view.to_screen(canvas.cameras[cam.id].wx, canvas.cameras[cam.id].wy)
    assert canvas.camera_drag_data(QPointF(x + 60, y + 60)) is None  # not on a camera
    data = canvas.camera_drag_data(QPointF(x, y))
    assert data is not None
    tile = wall.tiles[3]
    centre = QPointF(tile.width() / 2, tile.height() / 2)
    enter = QDragEnterEvent(
        centre.toPoint(),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(tile, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        centre,
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(tile, drop)
    qtbot.waitUntil(lambda: tile.camera is not None and tile.camera.id == cam.id, timeout=5000)
    assert [r.camera_id for r in _open_viewings(desk)] == [cam.id]


def test_a_sequence_rotates_and_each_camera_shown_is_its_own_viewing(
    qtbot: QtBot, make_desk: Make, clip: Path
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 3)
    wall = _open_wall(qtbot, desk)
    wall.dwell_box.setValue(2)
    tile = wall.tiles[0]
    _drop(qtbot, wall, tile, [c.name for c in cams])
    assert tile.camera_ids == [c.id for c in cams]
    qtbot.waitUntil(lambda: tile.camera is not None and tile.camera.id == cams[0].id)
    assert tile.seq.text() == "1/3 · 2s"
    qtbot.waitUntil(lambda: tile.camera is not None and tile.camera.id == cams[1].id, timeout=5000)
    assert tile.seq.text() == "2/3 · 2s"
    qtbot.waitUntil(lambda: tile.view.state == StreamState.LIVE, timeout=10000)
    # The first camera's viewing was closed when the second came up; only one is open.
    first = desk.core.store.read_sync(viewing.list_viewings, camera_id=cams[0].id)
    assert len(first) == 1 and first[0].ended_at is not None
    assert [r.camera_id for r in _open_viewings(desk)] == [cams[1].id]


def test_locking_the_console_stops_the_wall_and_unlocking_brings_it_back(
    qtbot: QtBot, make_desk: Make, clip: Path
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 2)
    wall = _open_wall(qtbot, desk)
    for tile, cam in zip(wall.tiles, cams, strict=False):
        _drop(qtbot, wall, tile, [cam.name])
    qtbot.waitUntil(lambda: len(_open_viewings(desk)) == 2, timeout=5000)
    desk.lock()
    assert not wall.isVisible()
    qtbot.waitUntil(lambda: _open_viewings(desk) == [], timeout=5000)
    assert all(t.view.state == StreamState.IDLE for t in wall.tiles)
    password = demo_password(desk.core, "dispatcher")
    assert _finish(qtbot, desk.unlock(password))
    assert wall.isVisible()
    qtbot.waitUntil(lambda: len(_open_viewings(desk)) == 2, timeout=5000)
    assert [t.camera_ids for t in wall.tiles[:2]] == [[cams[0].id], [cams[1].id]]


def test_by_keyboard_find_a_camera_and_put_it_in_the_chosen_tile(
    qtbot: QtBot, make_desk: Make, clip: Path
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 3)
    wall = _open_wall(qtbot, desk)
    qtbot.waitUntil(lambda: wall.directory.index_of("Wall Cam 02").isValid(), timeout=5000)
    assert wall.current is wall.tiles[0]
    qtbot.keyClick(wall, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(wall, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert wall.current is wall.tiles[3]
    qtbot.keyClick(wall, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is wall.directory.search_box
    qtbot.keyClicks(wall.directory.search_box, "zcam 02")  # Z typed is a letter, not "enlarge"
    assert wall.enlarged is None
    qtbot.keyClick(wall.directory.search_box, Qt.Key.Key_Home)
    qtbot.keyClick(wall.directory.search_box, Qt.Key.Key_Delete)  # and Delete edits the text
    assert wall.directory.search_box.text() == "cam 02"
    assert [e.name for e in wall.directory.model.entries] == ["Wall Cam 02"]
    qtbot.keyClick(wall.directory.search_box, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is wall.directory.list
    qtbot.keyClick(wall.directory.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wall.tiles[3].camera is not None, timeout=5000)
    assert wall.tiles[3].camera.id == cams[1].id
    qtbot.keyClick(wall, Qt.Key.Key_Z)
    assert wall.enlarged is wall.tiles[3]
    qtbot.keyClick(wall, Qt.Key.Key_Escape)
    assert wall.enlarged is None
    wall.tiles[3].setFocus()
    qtbot.keyClick(wall, Qt.Key.Key_Delete)
    assert wall.tiles[3].camera is None
    qtbot.waitUntil(lambda: _open_viewings(desk) == [], timeout=5000)
