"""The wall's audit trail at its edges: the same camera asked for twice before it opened, a
sequence rotating while a purpose is awaited, an incident left, a camera withdrawn from the
registry while it is shown, a wall closed while a viewing was being opened. Each leaves
exactly the viewings that were really watched open, and no other."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from dispatch_desk.cameras import viewing
from tests.ui.conftest import Make
from tests.ui.wall.test_wall import _import_cameras, _open_viewings, _open_wall, clip  # noqa: F401


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
