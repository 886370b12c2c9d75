"""The wall's audit trail at its edges: the same camera asked for twice before it opened, a
sequence rotating while a purpose is awaited, an incident left, a camera withdrawn from the
registry while it is shown, a wall closed while a viewing was being opened. Each leaves
exactly the viewings that were really watched open, and no other."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from dispatch_desk.cameras import registry, viewing
from dispatch_desk.cameras.credentials import credential_store
from dispatch_desk.cameras.streams import StreamCredentials, StreamState
from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.domain.location import Position
from dispatch_desk.services.incidents import IncidentSummary
from tests.helpers.core import actor_for, create_incident
from tests.ui.conftest import Make
from tests.ui.wall.test_wall import (  # noqa: F401
    _drop,
    _finish,
    _import_cameras,
    _open_viewings,
    _open_wall,
    clip,
)
from ui.app import DeskApp
from ui.wall.window import WallWindow


def test_the_same_camera_asked_for_twice_leaves_one_viewing_and_delete_closes_it(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 1)
    wall = _open_wall(qtbot, desk)
    entry = wall.by_id[cams[0].id]
    wall._into_current([entry])  # Enter on the camera in the directory ...
    wall._into_current([entry])  # ... and again before the first has opened
    tile = wall.current
    qtbot.waitUntil(lambda: tile.camera is not None, timeout=5000)
    qtbot.wait(500)  # both openings have finished
    assert len(_open_viewings(desk)) == 1
    tile.clear()  # Delete
    qtbot.waitUntil(lambda: _open_viewings(desk) == [], timeout=5000)
    assert len(desk.core.store.read_sync(viewing.list_viewings)) <= 2


def test_a_sequence_waiting_for_a_purpose_opens_only_the_camera_it_is_on(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    desk = make_desk(cameras__require_purpose=True)
    cams = _import_cameras(desk, clip, 3)
    wall = _open_wall(qtbot, desk)
    tile = wall.tiles[0]
    wall.put(tile, [wall.by_id[c.id] for c in cams])
    qtbot.waitUntil(lambda: "State a purpose" in tile.message.text(), timeout=5000)
    tile.next_in_sequence()  # the sequence rotates while nobody has typed a purpose
    tile.next_in_sequence()
    qtbot.waitUntil(lambda: len(wall._waiting_for_purpose) >= 1, timeout=5000)
    qtbot.wait(300)
    wall.purpose.setText("Parade route watch")
    wall._on_purpose()
    qtbot.waitUntil(lambda: tile.camera is not None, timeout=5000)
    qtbot.wait(500)
    rows = desk.core.store.read_sync(viewing.list_viewings)
    # One viewing, of the camera the tile is on now; none for cameras never shown.
    assert [r.camera_id for r in rows] == [cams[2].id]
    assert tile.camera.id == cams[2].id
    assert [r.camera_id for r in _open_viewings(desk)] == [cams[2].id]


def _docked(
    qtbot: QtBot, desk: DeskApp, wall: WallWindow, cam: registry.CameraEntry
) -> IncidentSummary:
    core = desk.core
    incident = create_incident(core, wall.actor)
    core.store.write_sync(
        core.incidents.place,
        wall.actor,
        incident.id,
        Position(cam.latitude, cam.longitude),
        LocationSource.MANUAL,
        core.clock(),
    )
    assert _finish(qtbot, wall.dock_incident(incident.id)) >= 1
    qtbot.waitUntil(lambda: len(_open_viewings(desk)) >= 1, timeout=5000)
    assert all(r.incident_id == incident.id for r in _open_viewings(desk))
    return incident


def test_leaving_the_incident_ends_its_viewings_and_later_ones_need_a_purpose(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    desk = make_desk(cameras__require_purpose=True)
    cams = _import_cameras(desk, clip, 2)
    wall = _open_wall(qtbot, desk)
    _docked(qtbot, desk, wall, cams[0])
    assert wall.leave_button.isVisible() and not wall.purpose.isVisible()
    qtbot.mouseClick(wall.leave_button, Qt.MouseButton.LeftButton)
    assert wall.incident_id is None
    assert not wall.leave_button.isVisible() and wall.purpose.isVisible()
    # What was watched for the incident is closed; nothing reopens without a purpose.
    qtbot.waitUntil(lambda: _open_viewings(desk) == [], timeout=5000)
    qtbot.waitUntil(lambda: "State a purpose" in wall.tiles[0].message.text(), timeout=5000)
    wall.tiles[0].clear()
    _drop(qtbot, wall, wall.tiles[0], [cams[1].name])
    qtbot.waitUntil(lambda: "State a purpose" in wall.tiles[0].message.text(), timeout=5000)
    qtbot.wait(300)
    assert _open_viewings(desk) == []


def test_a_tile_reopened_on_leaving_is_not_lost_to_a_resize_meanwhile(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 1)
    wall = _open_wall(qtbot, desk)
    _docked(qtbot, desk, wall, cams[0])
    tile = wall.tiles[0]
    qtbot.waitUntil(lambda: tile in wall._open, timeout=5000)
    wall.leave_button.click()  # the tile is to be reopened under no incident ...
    wall.show_on(tile, wall._wanted[tile])  # ... and a resize asks for the same camera
    shown = len(wall._wanted)  # (a demo camera nearby may be docked too)
    qtbot.waitUntil(
        lambda: [r.incident_id for r in _open_viewings(desk)] == [None] * shown, timeout=5000
    )
    qtbot.waitUntil(lambda: tile.camera is not None and tile.camera.id == cams[0].id)
    qtbot.waitUntil(lambda: tile.view.state == StreamState.LIVE, timeout=20000)


def test_the_wall_leaves_an_incident_when_it_is_closed(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 1)
    wall = _open_wall(qtbot, desk)
    incident = _docked(qtbot, desk, wall, cams[0])
    core = desk.core
    disposition = core.incidents.dispositions[0]
    closing = core.store.write(
        core.incidents.close, wall.actor, incident.id, disposition, core.clock()
    )
    _finish(qtbot, closing)
    qtbot.waitUntil(lambda: wall.incident_id is None, timeout=5000)
    assert incident.number in wall.status.text()
    # The cameras stay up, now under no incident (no purpose is required here); the demo
    # agency's own cameras nearby may be docked too.
    shown = len(wall._wanted)
    qtbot.waitUntil(
        lambda: [r.incident_id for r in _open_viewings(desk)] == [None] * shown, timeout=5000
    )


def _reimport(qtbot: QtBot, desk: DeskApp, cam: registry.CameraEntry, **changes: str) -> None:
    core = desk.core
    row = {
        "name": cam.name,
        "latitude": cam.latitude,
        "longitude": cam.longitude,
        "owner": "public",
        "sharing": "live",
        "main_url": cam.main_url,
        "sub_url": cam.sub_url,
    }
    records = registry.check_rows([{**row, **changes}])
    admin = actor_for(core, "admin")
    store = credential_store(core.paths.data_dir)
    _finish(qtbot, core.store.write(registry.import_cameras, admin, records, store, core.clock()))


def test_a_camera_withdrawn_from_viewing_while_shown_stops_and_its_viewing_closes(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 2)
    wall = _open_wall(qtbot, desk)
    for tile, cam in zip(wall.tiles, cams, strict=False):
        _drop(qtbot, wall, tile, [cam.name])
    qtbot.waitUntil(lambda: len(_open_viewings(desk)) == 2, timeout=5000)
    first = {r.camera_id: r.id for r in _open_viewings(desk)}
    _reimport(qtbot, desk, cams[0], owner="private", sharing="registry only")
    tile = wall.tiles[0]
    qtbot.waitUntil(lambda: tile.badge.text() == "NOT SHOWN", timeout=5000)
    assert "registered only" in tile.message.text()
    assert tile.view.state == StreamState.IDLE and tile.camera is None
    qtbot.waitUntil(
        lambda: [r.camera_id for r in _open_viewings(desk)] == [cams[1].id], timeout=5000
    )
    # A camera whose stream changed is reopened: a new viewing, with the new address.
    _reimport(qtbot, desk, cams[1], sub_url=cams[1].sub_url + "#moved")
    qtbot.waitUntil(
        lambda: [r.id for r in _open_viewings(desk)] not in ([], [first[cams[1].id]]),
        timeout=5000,
    )
    assert [r.camera_id for r in _open_viewings(desk)] == [cams[1].id]
    qtbot.waitUntil(lambda: wall.tiles[1] in wall._open, timeout=5000)
    assert wall._open[wall.tiles[1]].viewing.sub_url.endswith("#moved")


def test_a_registry_change_while_a_refused_camera_is_being_opened_leaves_the_refusal_on_record(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    """A registry reload that lands while a tile's camera is still being opened must not
    cancel the opening: the store refuses a registry-only camera and records the refusal."""
    from dispatch_desk.domain.enums import CameraSharing
    from dispatch_desk.services import audit

    desk = make_desk()
    _import_cameras(desk, clip, 1)
    wall = _open_wall(qtbot, desk)
    core = desk.core
    registry_only = next(
        e
        for e in core.store.read_sync(registry.list_cameras)
        if e.sharing == CameraSharing.REGISTRY
    )
    qtbot.waitUntil(lambda: registry_only.id in wall.by_id)
    tile = wall.tiles[0]
    wall.put(tile, [registry_only])
    wall._recheck_tiles()  # what a reload does, before the opening has reached the store
    qtbot.waitUntil(lambda: "registered only" in tile.message.text(), timeout=5000)
    qtbot.waitUntil(
        lambda: (
            [
                (e.action, e.outcome)
                for e in core.store.read_sync(audit.list_events, entity_id=registry_only.id)
            ]
            == [("camera.view.open", "refused")]
        ),
        timeout=5000,
    )
    assert tile.view.state == StreamState.IDLE


def test_a_wall_closed_while_a_viewing_is_being_opened_closes_that_viewing(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 1)
    wall = _open_wall(qtbot, desk)
    real = wall.credentials.get

    def slow(ref: str) -> StreamCredentials | None:
        time.sleep(0.5)  # widen the window between the opened viewing and the play
        return real(ref)

    wall.credentials.get = slow  # type: ignore[method-assign]
    _drop(qtbot, wall, wall.tiles[0], [cams[0].name])
    qtbot.waitUntil(lambda: len(_open_viewings(desk)) == 1, timeout=5000)
    assert wall.tiles[0] not in wall._open  # still opening
    wall.close()
    qtbot.waitUntil(lambda: _open_viewings(desk) == [], timeout=5000)


@pytest.mark.qt_log_ignore("Maximum supported image dimension")  # Qt's JPEG writer says why
def test_a_still_that_cannot_be_encoded_says_so_and_attaches_nothing(
    qtbot: QtBot,
    make_desk: Make,
    clip: Path,  # noqa: F811
) -> None:
    desk = make_desk()
    cams = _import_cameras(desk, clip, 1)
    wall = _open_wall(qtbot, desk)
    _docked(qtbot, desk, wall, cams[0])
    tile = wall.tiles[0]
    qtbot.waitUntil(lambda: tile.camera is not None, timeout=5000)
    too_wide = QImage(70000, 2, QImage.Format.Format_RGB32)  # past JPEG's 65535 px
    too_wide.fill(0x336699)
    tile.view.snapshot = lambda: too_wide  # type: ignore[method-assign]
    assert _finish(qtbot, wall.grab_still(tile)) is None
    assert "could not be saved" in wall.status.text()
    assert wall.last_still is None
