"""The map at work: an address typed on a call places the incident; a caller's GPS fixes draw a
trail; accepting the device location moves the incident; coordinates copy as text."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.domain.intake import validate_edit
from dispatch_desk.domain.location import Position
from dispatch_desk.services import audit
from dispatch_desk.services.locations import Fix, fixes_from_pidf, pidf_for
from dispatch_desk.storage.models import Incident, NarrativeEntry
from tests.helpers.core import FakeClock, actor_for, draft, valid_intake
from tests.ui.conftest import Make, keys, press, sign_in
from ui.calltaker.window import CallTakerWindow
from ui.map.marks import DEVICE
from ui.map.projection import to_latlon

T = TypeVar("T")
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _ready(qtbot: QtBot, window: CallTakerWindow) -> None:
    qtbot.waitUntil(
        lambda: window.map_ready.done() and window.maps.feed.geo is not None, timeout=10000
    )
    assert window.map_ready.exception() is None


def _finish(qtbot: QtBot, coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the Qt loop until it is done; its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


def _bluish(image: QImage, x: float, y: float, around: int = 2) -> bool:
    """Is the device colour (or the trail drawn in it) painted at (x, y)?"""
    for dx in range(-around, around + 1):
        for dy in range(-around, around + 1):
            c = QColor(image.pixel(int(x) + dx, int(y) + dy))
            if c.blue() > 150 and c.blue() > c.red() + 80:
                return True
    return False


def test_a_call_with_a_verified_address_places_the_incident(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    _ready(qtbot, window)
    form = window.form
    press(qtbot, Qt.Key.Key_F2)
    keys(qtbot, "(617) 555-0142")
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, "480 north main street")
    qtbot.waitUntil(lambda: form.address_check.isVisible(), timeout=3000)
    assert form.address_check.text().startswith("✓ 480 N Main St")
    press(qtbot, Qt.Key.Key_T, ALT)
    keys(qtbot, "BURG")
    with qtbot.waitSignal(window.incident_saved, timeout=5000) as saved:
        press(qtbot, Qt.Key.Key_S, CTRL)
    summary = saved.args[0]

    expected = window.maps.feed.geo.geocode("480 N Main St", limit=1)[0]
    incident = desk.core.store.read_sync(lambda s: s.get(Incident, summary.id))
    assert incident.location_source == LocationSource.GEOCODED
    assert (incident.latitude, incident.longitude) == (expected.lat, expected.lon)
    # The compact map shows it, selected, centred.
    qtbot.waitUntil(lambda: summary.id in window.maps.mini.incidents, timeout=5000)
    assert window.maps.mini.selected == summary.id
    mark = window.maps.mini.incidents[summary.id]
    sx, sy = window.maps.mini.view.to_screen(mark.wx, mark.wy)
    assert (
        abs(sx - window.maps.mini.width() / 2) < 2 and abs(sy - window.maps.mini.height() / 2) < 2
    )


def test_an_address_the_map_does_not_know_is_saved_unplaced_and_listed(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    _ready(qtbot, window)
    form = window.form
    press(qtbot, Qt.Key.Key_F2)
    keys(qtbot, "(617) 555-0199")
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, "Behind the old quarry, past the gate")
    qtbot.waitUntil(lambda: form.address_check.isVisible(), timeout=3000)
    assert "Not in the agency's map" in form.address_check.text()
    press(qtbot, Qt.Key.Key_T, ALT)
    keys(qtbot, "WELF")
    with qtbot.waitSignal(window.incident_saved, timeout=5000) as saved:
        press(qtbot, Qt.Key.Key_S, CTRL)
    summary = saved.args[0]
    incident = desk.core.store.read_sync(lambda s: s.get(Incident, summary.id))
    assert (incident.latitude, incident.location_source) == (None, LocationSource.MANUAL)
    map_window = window.maps.show_window()
    qtbot.waitExposed(map_window)
    listed = lambda: [  # noqa: E731
        map_window.unplaced.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(map_window.unplaced.count())
    ]
    qtbot.waitUntil(lambda: summary.id in listed(), timeout=5000)


def test_a_stream_of_gps_fixes_draws_the_trail_and_the_device_location_can_be_accepted(
    qtbot: QtBot, make_desk: Make
) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    _ready(qtbot, window)
    core = desk.core
    actor = actor_for(core, "dispatcher")
    geo = window.maps.feed.geo
    place = geo.geocode("250 Elm St", limit=1)[0]
    incident, changes = core.store.write_sync(
        core.incidents.create,
        actor,
        valid_intake(core, address="250 Elm St", position=Position(place.lat, place.lon)),
        clock(),
    )
    core.bus.publish(changes)
    qtbot.waitUntil(lambda: window.queue_model.index_of(incident.id) is not None, timeout=5000)
    window.spawn(window._open_incident(incident.id), "open")
    qtbot.waitUntil(lambda: window.form.incident_id == incident.id, timeout=5000)
    map_window = window.maps.show_window()
    qtbot.waitExposed(map_window)
    qtbot.waitUntil(lambda: map_window.incident is not None, timeout=5000)
    canvas = map_window.canvas
    canvas.zoom_to(17, animate=False)

    # 30 fixes from another thread, as a live session's gateway would deliver them.
    fixes = [
        Fix(
            incident.id,
            place.lat + n * 0.00008,
            place.lon + n * 0.00011,
            20.0 - n * 0.5,
            clock() - timedelta(seconds=30 - n),
            origin="test",
        )
        for n in range(30)
    ]
    sender = threading.Thread(target=lambda: [core.locations.report(f) for f in fixes])
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: len(canvas.callers[incident.id].fixes) == 30, timeout=5000)
    qtbot.waitUntil(lambda: len(window.maps.mini.callers[incident.id].fixes) == 30, timeout=5000)
    canvas.set_follow(True)
    image = canvas.grab().toImage()
    view = canvas.view
    last = canvas.callers[incident.id].fixes[-1]
    lx, ly = view.to_screen(last.wx, last.wy)
    assert abs(lx - canvas.width() / 2) < 2 and abs(ly - canvas.height() / 2) < 2  # followed
    assert _bluish(image, lx, ly)  # the device marker
    a, b = canvas.callers[incident.id].fixes[10], canvas.callers[incident.id].fixes[11]
    ax, ay = view.to_screen(a.wx, a.wy)
    bx, by = view.to_screen(b.wx, b.wy)
    assert _bluish(image, (ax + bx) / 2, (ay + by) / 2)  # the trail between two fixes
    assert not _bluish(image, ax + 30, ay + 30, around=0)  # off the trail: not painted
    assert DEVICE.blue() > 150  # the check above looks for this colour
    assert "30 fixes" in map_window.caller_lines.text()

    # Not accepted yet: the incident is still at its verified address.
    summary = core.store.read_sync(core.incidents.summary, incident.id)
    assert summary.location_source == LocationSource.GEOCODED
    map_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is map_window)
    qtbot.keyClick(map_window, Qt.Key.Key_D, CTRL)
    qtbot.waitUntil(
        lambda: (
            core.store.read_sync(core.incidents.summary, incident.id).location_source
            == LocationSource.DEVICE
        ),
        timeout=5000,
    )
    moved = core.store.read_sync(core.incidents.summary, incident.id)
    assert (moved.latitude, moved.longitude) == (fixes[-1].lat, fixes[-1].lon)
    assert moved.address == "250 Elm St"
    lines = core.store.read_sync(
        lambda s: s.scalars(
            select(NarrativeEntry.text).where(NarrativeEntry.incident_id == incident.id)
        ).all()
    )
    assert any(line.startswith("Location accepted: caller's device location") for line in lines)
    events = core.store.read_sync(
        audit.list_events, entity_id=incident.id, action="incident.locate"
    )
    assert [e.username for e in events] == ["dispatcher"]
    qtbot.waitUntil(lambda: "caller's device" in map_window.incident_place.text(), timeout=5000)


def test_copy_coordinates_under_the_cursor(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    _ready(qtbot, window)
    map_window = window.maps.show_window()
    qtbot.waitExposed(map_window)
    canvas = map_window.canvas
    canvas.zoom_to(16, animate=False)
    point = QPoint(canvas.width() // 3, canvas.height() // 4)
    # QTest's mouseMove moves the system cursor, which the offscreen platform does not have;
    # deliver the move event the window system would.
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(point),
        QPointF(canvas.mapToGlobal(point)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(canvas, move)
    assert canvas.cursor is not None
    lat, lon = to_latlon(*canvas.view.to_world(point.x(), point.y()))
    canvas.setFocus()
    with qtbot.waitSignal(canvas.coordinates_copied) as copied:
        qtbot.keyClick(canvas, Qt.Key.Key_C, CTRL)
    text = QGuiApplication.clipboard().text()
    assert text == copied.args[0] == f"{lat:.6f}, {lon:.6f}"
    back_lat, back_lon = (float(part) for part in text.split(","))
    assert abs(back_lat - lat) < 1e-6 and abs(back_lon - lon) < 1e-6


def test_pidf_lo_in_and_out_of_the_map_window(
    qtbot: QtBot, make_desk: Make, tmp_path: Path
) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    _ready(qtbot, window)
    core = desk.core
    actor = actor_for(core, "dispatcher")
    incident, changes = core.store.write_sync(
        core.incidents.create, actor, valid_intake(core, address="12 Main St"), clock()
    )
    core.bus.publish(changes)
    map_window = window.maps.show_window()
    qtbot.waitExposed(map_window)
    map_window.show_incident(incident.id)
    qtbot.waitUntil(lambda: map_window.canvas.selected == incident.id, timeout=5000)
    qtbot.waitUntil(  # who looked at this caller's location is recorded
        lambda: (
            core.store.read_sync(
                audit.list_events, entity_id=incident.id, action="incident.location.view"
            )
            != []
        ),
        timeout=5000,
    )
    assert not _finish(qtbot, map_window.export_pidf(tmp_path / "none.xml"))  # none accepted

    gps = tmp_path / "gps.xml"
    gps.write_text(
        pidf_for(
            Position(42.5101, -71.7202, 6.0), "pres:caller@example", clock(), LocationSource.DEVICE
        )
    )
    cell = tmp_path / "cell.xml"
    cell.write_text(
        pidf_for(
            Position(42.512, -71.722, 650.0), "pres:caller@example", clock(), LocationSource.CARRIER
        )
    )
    junk = tmp_path / "junk.xml"
    junk.write_text("<presence><not-a-location/></presence>")
    assert map_window.import_pidf(gps) == 1
    assert map_window.import_pidf(cell) == 1
    assert map_window.import_pidf(junk) == 0
    assert "junk.xml: not imported" in map_window.notice.text()
    track = map_window.canvas.callers[incident.id]
    assert [(f.lat, f.lon) for f in track.fixes] == [(42.5101, -71.7202)]
    assert (track.carrier.lat, track.carrier.accuracy_m) == (42.512, 650.0)

    qtbot.keyClick(map_window, Qt.Key.Key_K, CTRL)  # accept the carrier's point
    qtbot.waitUntil(
        lambda: map_window.incident.location_source == LocationSource.CARRIER, timeout=5000
    )
    out = tmp_path / "out.xml"
    assert _finish(qtbot, map_window.export_pidf(out))
    [back] = fixes_from_pidf(out.read_text(), incident.id, clock())
    assert (back.lat, back.lon, back.source) == (42.512, -71.722, LocationSource.CARRIER)
    qtbot.waitUntil(
        lambda: (
            core.store.read_sync(
                audit.list_events, entity_id=incident.id, action="incident.location.export"
            )
            != []
        ),
        timeout=5000,
    )


def test_the_map_never_replaces_a_call_being_typed(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    _ready(qtbot, window)
    qtbot.waitUntil(lambda: len(window.maps.mini.incidents) > 0, timeout=5000)
    other = next(iter(window.maps.mini.incidents))
    press(qtbot, Qt.Key.Key_F2)
    keys(qtbot, "(617) 555-0177")
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, "77 Unsaved Road")
    window.maps.mini.incident_clicked.emit(other)  # one click: selects, nothing else
    window.maps.mini.incident_activated.emit(other)  # double-click: refused over a new call
    assert window.form.incident_id is None
    assert window.form.address.text() == "77 Unsaved Road"
    assert "new call is being typed" in window.form.banner.text()


def test_an_address_typed_before_the_map_loads_is_checked_when_it_does(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    form = window.form
    _ready(qtbot, window)
    geo, window.maps.feed.geo = window.maps.feed.geo, None  # as if the map were still loading
    press(qtbot, Qt.Key.Key_F2)
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, "480 north main street")
    qtbot.waitUntil(lambda: "Map loading" in form.address_check.text(), timeout=3000)
    assert form.address_position() is None
    window.maps.feed.geo = geo
    window.maps.feed.layers_ready.emit(geo)  # what the feed says once the map has loaded
    qtbot.waitUntil(lambda: form.address_check.text().startswith("✓ 480 N Main St"), timeout=3000)
    assert form.address_position() is not None


def test_editing_the_address_keeps_an_accepted_device_location(
    qtbot: QtBot, make_desk: Make
) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    core = desk.core
    actor = actor_for(core, "calltaker")
    incident, _ = core.store.write_sync(
        core.incidents.create, actor, valid_intake(core, address="250 Elm St"), clock()
    )
    gps = Position(42.5101, -71.7202, 6.0)
    core.store.write_sync(
        core.incidents.place, actor, incident.id, gps, LocationSource.DEVICE, clock()
    )
    edited, _ = core.store.write_sync(
        core.incidents.amend,
        actor,
        incident.id,
        validate_edit(
            draft(address="250 Elm St, rear door by the creek", incident_type="MEDFALL"),
            core.catalog,
            10_000,
        ),
        clock(),
    )
    assert edited.address == "250 Elm St, rear door by the creek"
    assert (edited.latitude, edited.longitude, edited.location_source) == (
        gps.lat,
        gps.lon,
        LocationSource.DEVICE,
    )


def test_the_map_and_start_up_objects_are_frozen_out_of_full_collections(
    qtbot: QtBot, make_desk: Make
) -> None:
    # Frozen by earlier tests or not, start from nothing frozen: only the desk freezes here.
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    _ready(qtbot, window)
    # The demo town alone is tens of thousands of objects: a full collection no longer walks them.
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 20000, timeout=5000)
