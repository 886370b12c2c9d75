"""WallWindow: one camera wall per monitor. A grid of tiles (1, 2x2, 3x3, 4x4 or rows x cols),
the camera directory beside it, saved named views, stills for the incident in hand.

Every camera shown is an audited viewing (dispatch_desk.cameras.viewing): opened before the tile
plays, closed when it stops; a refusal (registry only, alarm only without an incident, no stated
purpose when one is required) is shown on the tile and is on record too.

Keyboard: Alt+1..4 layouts 1/2x2/3x3/4x4, F11 full screen, Ctrl+F find a camera, Enter on a
camera puts it in the current tile, Ctrl+Arrows move the current tile, Z (or double-click)
enlarges it and back, Delete clears it, Ctrl+S saves the view, Ctrl+O loads the chosen one,
Ctrl+G attaches a still of the current tile to the incident, Ctrl+Shift+U sends the last still
to the assigned units, Ctrl+Shift+L leaves the incident.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.cameras import registry, stills, viewing, views
from dispatch_desk.cameras.credentials import CredentialStoreError, credential_store
from dispatch_desk.cameras.registry import CameraEntry
from dispatch_desk.cameras.streams import StreamCredentials
from dispatch_desk.desk import DeskCore
from dispatch_desk.events import Change
from dispatch_desk.services.context import Actor, NotFound, PermissionDenied
from dispatch_desk.storage.database import StoreUnavailable
from ui.tasks import TaskOwner
from ui.theme import restyle
from ui.wall.directory import CameraDirectory
from ui.wall.incident import IncidentWork
from ui.wall.tile import WallTile
from ui.wall.viewings import ViewingLedger

logger = logging.getLogger(__name__)

LAYOUTS = (("1", 1, 1), ("2x2", 2, 2), ("3x3", 3, 3), ("4x4", 4, 4))
STYLE = """
QLabel#wallContext { color: #d9dfe7; font-weight: 600; padding: 0 8px; }
QLabel#wallContext[kind="incident"] { color: #ffe3b0; }
QLabel#wallStatus { color: #8b96a5; padding: 0 6px; }
QLabel#wallStatus[kind="error"] { color: #ff938a; }
QWidget#wallBar { background: #1f252d; border-bottom: 1px solid #2b323c; }
QWidget#wallBar QLabel { color: #8b96a5; }
"""


@dataclass
class _Open:
    """What a tile is showing under an open viewing."""

    viewing: viewing.Viewing
    credentials: StreamCredentials | None
    generation: int  # the tile's generation it was opened under


class WallWindow(IncidentWork, QMainWindow):
    closed = Signal(object)

    def __init__(self, core: DeskCore, actor: Actor, *, number: int = 1) -> None:
        super().__init__()
        self.core = core
        self.actor = actor
        self.viewings = ViewingLedger(core, actor)
        self.number = number
        self.setObjectName(f"wallWindow{number}")
        self.setStyleSheet(STYLE)
        self.tasks = TaskOwner(f"wall{number}")
        self.settings = core.settings.cameras
        self.credentials = credential_store(core.paths.data_dir)
        self.incident_id: uuid.UUID | None = None
        self.incident_number = ""
        self.entries: list[CameraEntry] = []
        self.by_id: dict[uuid.UUID, CameraEntry] = {}
        self.tiles: list[WallTile] = []
        self.rows = self.cols = 0
        self.enlarged: WallTile | None = None
        self.current: WallTile | None = None
        self.last_still: stills.StillInfo | None = None
        self._open: dict[WallTile, _Open] = {}
        self._wanted: dict[WallTile, CameraEntry] = {}
        # Each show_on/stop_on of a tile bumps its generation: an opening that finishes under
        # a newer generation was superseded and closes its own viewing.
        self._generation: dict[WallTile, int] = {}
        self._waiting_for_purpose: dict[WallTile, CameraEntry] = {}
        self._suspended: views.WallSpec | None = None
        self._build()
        self._unsubscribe = core.bus.subscribe(self._on_changes)
        self.set_grid(2, 2)
        self.loaded = self.tasks.spawn(self.reload(), "load")
        self._show_context()

    # -- building

    def _build(self) -> None:
        # A plain bar, not a QToolBar: nothing may fall into an overflow menu where the
        # keyboard cannot reach it (the purpose field above all).
        bar_widget = QWidget(objectName="wallBar")
        bar = QHBoxLayout(bar_widget)
        bar.setContentsMargins(6, 4, 6, 4)
        bar.setSpacing(6)
        self.layout_box = QComboBox(objectName="wallLayout")
        for label, rows, cols in LAYOUTS:
            self.layout_box.addItem(label, (rows, cols))
        self.layout_box.addItem("Custom", None)
        self.layout_box.setCurrentIndex(1)
        self.layout_box.activated.connect(self._on_layout_chosen)
        self.rows_box, self.cols_box = (
            QSpinBox(objectName="wallRows"),
            QSpinBox(objectName="wallCols"),
        )
        for box in (self.rows_box, self.cols_box):
            box.setRange(1, views.MAX_SIDE)
            box.setValue(2)
            box.valueChanged.connect(self._on_custom)
        self.dwell_box = QSpinBox(objectName="wallDwell")
        self.dwell_box.setRange(2, 600)
        self.dwell_box.setValue(10)
        self.dwell_box.setSuffix(" s")
        self.dwell_box.setToolTip("How long each camera of a sequence stays in its tile")
        self.view_box = QComboBox(objectName="wallViews")
        self.view_box.setEditable(True)
        self.view_box.setMinimumWidth(180)
        self.view_box.lineEdit().setPlaceholderText("View name")
        save = QPushButton("Save view", objectName="wallSaveView")
        save.clicked.connect(self.request_save_view)
        load = QPushButton("Load", objectName="wallLoadView")
        load.clicked.connect(self.request_load_view)
        self.context = QLabel("", objectName="wallContext")
        self.leave_button = QPushButton("Leave incident", objectName="wallLeaveIncident")
        self.leave_button.setToolTip(
            "Stop viewing for this incident (Ctrl+Shift+L): cameras then need a stated purpose"
        )
        self.leave_button.clicked.connect(lambda: self.leave_incident())
        self.purpose = QLineEdit(objectName="wallPurpose")
        self.purpose.setMinimumWidth(200)
        self.purpose.returnPressed.connect(self._on_purpose)
        self.still_button = QPushButton("Still → incident", objectName="wallStill")
        self.still_button.clicked.connect(self.request_still)
        self.send_button = QPushButton("Send to units", objectName="wallSend")
        self.send_button.clicked.connect(self.request_send)
        for widget in (
            QLabel("Layout"),
            self.layout_box,
            self.rows_box,
            QLabel("×"),
            self.cols_box,
            QLabel("Dwell"),
            self.dwell_box,
            self.view_box,
            save,
            load,
            self.context,
            self.leave_button,
        ):
            bar.addWidget(widget)
        bar.addWidget(self.purpose, 1)
        bar.addStretch(0)
        bar.addWidget(self.still_button)
        bar.addWidget(self.send_button)

        self.directory = CameraDirectory()
        self.directory.search_box.textChanged.connect(self._filter)
        self.directory.activated.connect(self._into_current)
        self.grid_host = QWidget(objectName="wallGrid")
        self.grid_host.setStyleSheet("QWidget#wallGrid { background: #07090b; }")
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setSpacing(2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.directory)
        split.addWidget(self.grid_host)
        split.setStretchFactor(1, 1)
        split.setSizes([270, 1200])
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(bar_widget)
        column.addWidget(split, 1)
        self.setCentralWidget(central)
        self.status = QLabel("", objectName="wallStatus")
        self.statusBar().addWidget(self.status, 1)

        keys: list[tuple[str, Any]] = [
            ("F11", self.toggle_full_screen),
            ("Ctrl+F", self._focus_search),
            ("Z", lambda: self.current and self.toggle_enlarge(self.current)),
            ("Escape", lambda: self.enlarged and self.toggle_enlarge(self.enlarged)),
            ("Delete", lambda: self.current and self.current.clear()),
            ("Ctrl+S", self.request_save_view),
            ("Ctrl+O", self.request_load_view),
            ("Ctrl+G", self.request_still),
            ("Ctrl+Shift+U", self.request_send),
            ("Ctrl+Shift+L", lambda: self.leave_incident()),
            ("Ctrl+Left", lambda: self._move_current(0, -1)),
            ("Ctrl+Right", lambda: self._move_current(0, 1)),
            ("Ctrl+Up", lambda: self._move_current(-1, 0)),
            ("Ctrl+Down", lambda: self._move_current(1, 0)),
        ]
        keys += [
            (f"Alt+{n}", lambda _checked=False, r=r, c=c: self.set_grid(r, c))
            for n, (_, r, c) in enumerate(LAYOUTS, start=1)
        ]
        for sequence, slot in keys:
            action = QAction(self)
            action.setShortcut(QKeySequence(sequence))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return self.tasks.spawn(coro, name)

    # -- the registry

    async def reload(self) -> None:
        entries = await self.core.store.read(registry.list_cameras)
        self._set_entries(entries)
        self._recheck_tiles()
        await self._reload_views()
        geo = await self.core.geo()
        entries = await asyncio.to_thread(registry.with_places, entries, geo)
        self._set_entries(entries)

    def _set_entries(self, entries: list[CameraEntry]) -> None:
        self.entries = entries
        self.by_id = {e.id: e for e in entries}
        self._filter(self.directory.search_box.text())

    def _recheck_tiles(self) -> None:
        """The registry changed: a tile whose camera is gone or no longer shared stops and its
        viewing closes; one whose streams or sharing changed is opened again (a new viewing,
        checked and played with what the registry says now)."""
        for tile, camera in list(self._wanted.items()):
            now = self.by_id.get(camera.id)
            tile.sequence = [self.by_id.get(c.id, c) for c in tile.sequence]
            if now is None or not now.viewable:
                if tile not in self._open and tile not in self._waiting_for_purpose:
                    continue  # never shown or still opening: the store refuses it, on record
                why = (
                    f"{camera.name} is no longer in the registry."
                    if now is None
                    else f"{camera.name} is registered only now: its owner does not share it."
                )
                self._withdraw(tile, now or camera, why)
            elif _playing_facts(now) != _playing_facts(camera):
                self._wanted[tile] = now
                self._waiting_for_purpose.pop(tile, None)
                self.spawn(self._show(tile, now, self._next_generation(tile)), "show")

    def _withdraw(self, tile: WallTile, camera: CameraEntry, why: str) -> None:
        self._wanted.pop(tile, None)
        self._waiting_for_purpose.pop(tile, None)
        self._next_generation(tile)
        tile.view.stop()
        shown = self._open.pop(tile, None)
        if shown is not None:
            self.spawn(self.viewings.close(shown.viewing.id), "close")
        tile.refused(camera, why)

    def _filter(self, text: str) -> None:
        geo = self.core.start_geo()
        loaded = geo.result() if geo.done() and not geo.cancelled() else None
        found = registry.search(self.entries, text, loaded, self.settings.nearest_radius_m)
        self.directory.show_entries(found, len(self.entries))

    def _on_changes(self, changes: list[Change]) -> None:
        kinds = {c.kind for c in changes}
        if "camera" in kinds:
            self.spawn(self.reload(), "reload")
        elif "wall_view" in kinds:
            self.spawn(self._reload_views(), "views")
        if self.incident_id is not None and any(
            c.kind == "incident" and self.incident_id in c.ids for c in changes
        ):
            self.spawn(self.check_incident_open(), "incident")

    async def _reload_views(self) -> None:
        saved = await self.core.store.read(views.list_views)
        current = self.view_box.currentText()
        self.view_box.clear()
        self.view_box.addItems([v.name for v in saved])
        self.view_box.setEditText(current)

    # -- the grid

    def set_grid(self, rows: int, cols: int) -> None:
        if self.enlarged is not None:
            self.toggle_enlarge(self.enlarged)
        count = rows * cols
        while len(self.tiles) > count:
            tile = self.tiles.pop()
            tile.clear()
            if self.current is tile:
                self.current = None
            self.grid.removeWidget(tile)
            tile.deleteLater()
        while len(self.tiles) < count:
            tile = WallTile(len(self.tiles), self, self.grid_host)
            tile.cameras_dropped.connect(self._on_dropped)
            tile.enlarge_requested.connect(self.toggle_enlarge)
            tile.chosen.connect(self.choose)
            self.tiles.append(tile)
        self.rows, self.cols = rows, cols
        self._place_tiles()
        for r in range(views.MAX_SIDE):
            self.grid.setRowStretch(r, 1 if r < rows else 0)
            self.grid.setColumnStretch(r, 1 if r < cols else 0)
        preset = next((i for i, (_, r, c) in enumerate(LAYOUTS) if (r, c) == (rows, cols)), 4)
        self.layout_box.setCurrentIndex(preset)
        for box, value in ((self.rows_box, rows), (self.cols_box, cols)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        if self.current is None and self.tiles:
            self.choose(self.tiles[0])

    def _place_tiles(self) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for i, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, i // self.cols, i % self.cols)
            tile.show()

    def _on_layout_chosen(self, index: int) -> None:
        chosen = self.layout_box.itemData(index)
        if chosen is None:
            self.rows_box.setFocus()
            return
        self.set_grid(*chosen)

    def _on_custom(self) -> None:
        self.set_grid(self.rows_box.value(), self.cols_box.value())

    def toggle_enlarge(self, tile: WallTile) -> None:
        if self.enlarged is None:
            self.enlarged = tile
            for other in self.tiles:
                if other is not tile:
                    other.hide()
            self.grid.removeWidget(tile)
            self.grid.addWidget(tile, 0, 0, self.rows, self.cols)
        else:
            self.enlarged = None
            self._place_tiles()
        self.choose(tile)

    def choose(self, tile: WallTile) -> None:
        if self.current is not None and self.current is not tile:
            self.current.set_current(False)
        self.current = tile
        tile.set_current(True)

    def _move_current(self, d_row: int, d_col: int) -> None:
        if self.current is None or self.enlarged is not None:
            return
        i = self.tiles.index(self.current)
        row = min(self.rows - 1, max(0, i // self.cols + d_row))
        col = min(self.cols - 1, max(0, i % self.cols + d_col))
        self.choose(self.tiles[row * self.cols + col])

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def place_on(self, screen: QScreen) -> None:
        """Open on ``screen`` (one wall per monitor)."""
        area = screen.availableGeometry()
        self.setScreen(screen)
        self.move(area.topLeft())
        self.resize(area.size())

    def _focus_search(self) -> None:
        self.directory.search_box.setFocus()
        self.directory.search_box.selectAll()

    # -- putting cameras in tiles

    def _on_dropped(self, tile: WallTile, ids: Sequence[uuid.UUID], append: bool) -> None:
        cameras = [self.by_id[i] for i in ids if i in self.by_id]
        if not cameras:
            self.say("That camera is not in this registry.", error=True)
            return
        self.choose(tile)
        self.put(tile, (tile.sequence if append else []) + cameras)

    def _into_current(self, cameras: list[CameraEntry]) -> None:
        if self.current is not None:
            self.put(self.current, cameras)

    def put(self, tile: WallTile, cameras: Sequence[CameraEntry]) -> None:
        tile.set_cameras(cameras, float(self.dwell_box.value()))

    def apply_spec(self, spec: views.WallSpec) -> None:
        self.set_grid(spec.rows, spec.cols)
        for tile, tile_spec in zip(self.tiles, spec.tiles, strict=True):
            cameras = [self.by_id[c] for c in tile_spec.cameras if c in self.by_id]
            tile.set_cameras(cameras, tile_spec.dwell_s) if cameras else tile.clear()

    def spec(self) -> views.WallSpec:
        tiles = tuple(views.TileSpec(tuple(t.camera_ids), t.dwell_s) for t in self.tiles)
        return views.WallSpec(self.rows, self.cols, tiles)

    # -- TileHost: the audited opening and closing of what a tile shows

    def main_stream_min_px(self) -> int:
        return self.settings.main_stream_min_px

    def _next_generation(self, tile: WallTile) -> int:
        generation = self._generation.get(tile, 0) + 1
        self._generation[tile] = generation
        return generation

    def _superseded(self, tile: WallTile, generation: int) -> bool:
        return self._generation.get(tile) != generation or tile not in self.tiles

    def show_on(self, tile: WallTile, camera: CameraEntry) -> None:
        self._wanted[tile] = camera
        self._waiting_for_purpose.pop(tile, None)
        shown = self._open.get(tile)
        if (
            shown is not None
            and shown.generation == self._generation.get(tile)  # nothing newer is opening
            and shown.viewing.camera_id == camera.id
        ):
            self._play(tile, shown)  # the same camera: only the stream (sub/main) changes
            return
        generation = self._next_generation(tile)  # whatever is still opening is superseded
        self.spawn(self._show(tile, camera, generation), "show")

    def reopen_all(self) -> None:
        """Close every tile's viewing and open it again under the context in hand now."""
        for tile, camera in list(self._wanted.items()):
            self._waiting_for_purpose.pop(tile, None)
            self.spawn(self._show(tile, camera, self._next_generation(tile)), "show")

    def stop_on(self, tile: WallTile) -> None:
        self._wanted.pop(tile, None)
        self._waiting_for_purpose.pop(tile, None)
        self._next_generation(tile)
        tile.view.stop()
        shown = self._open.pop(tile, None)
        if shown is not None:
            self.spawn(self.viewings.close(shown.viewing.id), "close")

    async def _show(self, tile: WallTile, camera: CameraEntry, generation: int) -> None:
        shown = self._open.pop(tile, None)
        if shown is not None:
            tile.view.stop()
            await self.viewings.close(shown.viewing.id)
        if self._superseded(tile, generation):
            return
        purpose = self.purpose.text().strip()
        asks = self.settings.require_purpose and self.incident_id is None and camera.viewable
        if asks and not purpose:  # (a registry-only camera is refused, purpose or not)
            tile.refused(camera, "State a purpose (toolbar) to view this camera.")
            self._waiting_for_purpose[tile] = camera  # only the camera the tile is on now
            self.purpose.setFocus()
            return
        try:
            opened = await self.viewings.open(
                camera.id,
                incident_id=self.incident_id,
                purpose="" if self.incident_id else purpose,
                require_purpose=self.settings.require_purpose,
                stream=tile.wanted_stream(),
            )
        except (viewing.ViewingRefused, PermissionDenied, NotFound) as exc:
            tile.refused(camera, str(exc))
            return
        except StoreUnavailable as exc:
            tile.refused(camera, exc.user_message)
            return
        if self._superseded(tile, generation):
            await self.viewings.close(opened.id)  # replaced while it was being opened
            return
        try:
            creds = await asyncio.to_thread(self.credentials.get, opened.credential_ref)
        except asyncio.CancelledError:  # the wall is closing: nobody will watch it
            self.viewings.close_soon(opened.id)
            raise
        except CredentialStoreError as exc:
            await self.viewings.close(opened.id)
            tile.refused(camera, str(exc))
            return
        if self._superseded(tile, generation):
            await self.viewings.close(opened.id)
            return
        earlier = self._open.pop(tile, None)
        if earlier is not None:  # never overwrite an open viewing without closing it
            tile.view.stop()
            self.spawn(self.viewings.close(earlier.viewing.id), "close")
        self._open[tile] = _Open(opened, creds, generation)
        tile.showing(camera)
        self._play(tile, self._open[tile])

    def _play(self, tile: WallTile, shown: _Open) -> None:
        stream = tile.wanted_stream()
        v = shown.viewing
        url = (v.main_url or v.sub_url) if stream == "main" else (v.sub_url or v.main_url)
        tile.stream = stream
        if not url:
            tile.refused(tile.camera or self.by_id[v.camera_id], "This camera has no stream URL.")
            return
        tile.view.play(url, shown.credentials)

    def _on_purpose(self) -> None:
        waiting, self._waiting_for_purpose = self._waiting_for_purpose, {}
        for tile, camera in waiting.items():
            if tile in self.tiles and self._wanted.get(tile) is camera:
                self.show_on(tile, camera)
        if waiting:
            self.grid_host.setFocus()

    # -- messages and closing

    def say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        restyle(self.status, "kind", "error" if error else "")

    def stop_all(self) -> list[uuid.UUID]:
        """Stop every tile; the ids of the viewings that were open (to be closed)."""
        ids = []
        for tile in self.tiles:
            tile._rotate.stop()
            tile.view.stop()
            self._next_generation(tile)
            shown = self._open.pop(tile, None)
            if shown is not None:
                ids.append(shown.viewing.id)
        self._wanted.clear()
        self._waiting_for_purpose.clear()
        return ids

    def suspend(self) -> None:
        """The console is locked: hide, stop every camera and close its viewing (nobody watches
        in the user's name); :meth:`resume` brings the same view back."""
        if self._suspended is None:
            self._suspended = self.spec()
        for viewing_id in self.stop_all():
            self.spawn(self.viewings.close(viewing_id), "close")
        self.hide()

    def resume(self) -> None:
        spec, self._suspended = self._suspended, None
        self.show()
        if spec is not None:
            self.apply_spec(spec)

    async def close_all(self) -> None:
        """Stop every tile and close its viewing in the audit trail (awaited)."""
        for viewing_id in self.stop_all():
            await self.viewings.close(viewing_id)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The viewings are closed on the store's writer thread even if no loop runs any more.
        for viewing_id in self.stop_all():
            self.viewings.close_soon(viewing_id)
        self._unsubscribe()
        self.tasks.cancel_all()
        self.closed.emit(self)
        super().closeEvent(event)


def _playing_facts(camera: CameraEntry) -> tuple[object, ...]:
    """What a shown camera's viewing depends on (a new place or name changes none of it)."""
    return (camera.sharing, camera.owner, camera.main_url, camera.sub_url, camera.credential_ref)


def screens() -> list[QScreen]:
    return list(QGuiApplication.screens())
