"""The map window, for a second monitor: the map, and beside it what a dispatcher asks of it.

Find an address or place (Ctrl+F); the incident in hand with every location its caller has
(device GPS, carrier, typed address) and one key to accept the device's (Ctrl+D) or the
carrier's (Ctrl+K); the nearest available units and cameras; incidents not yet on the map.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.domain.location import Position, PositionError
from dispatch_desk.geo.pidf import PidfError
from dispatch_desk.services import audit, mapdata, nearby
from dispatch_desk.services.context import Actor, RuleViolation
from dispatch_desk.services.incidents import IncidentSummary
from dispatch_desk.services.locations import fixes_from_pidf, pidf_for
from dispatch_desk.storage.database import StoreUnavailable
from ui.map.canvas import MapCanvas
from ui.map.feed import MapFeed
from ui.map.marks import TrackPoint
from ui.tasks import TaskOwner
from ui.theme import restyle

logger = logging.getLogger(__name__)

SOURCE_TEXT = {
    LocationSource.GEOCODED: "verified address",
    LocationSource.DEVICE: "caller's device (accepted)",
    LocationSource.CARRIER: "carrier location (accepted)",
    LocationSource.MANUAL: "typed address, not verified",
}


def _age(at: datetime, now: datetime) -> str:
    seconds = max(0, int((now - at).total_seconds()))
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class MapWindow(QMainWindow):
    incident_chosen = Signal(object)  # uuid.UUID: the dispatcher opened it from the map

    def __init__(self, core: DeskCore, actor: Actor, feed: MapFeed, tasks: TaskOwner) -> None:
        super().__init__()
        self.setObjectName("mapWindow")
        self.setWindowTitle(f"Dispatch Desk — Map — {core.workstation}")
        self.core, self.actor, self.feed, self.tasks = core, actor, feed, tasks
        self.incident: IncidentSummary | None = None
        self._wanted: uuid.UUID | None = None
        self._viewed: set[uuid.UUID] = set()

        self.canvas = MapCanvas()
        feed.attach(self.canvas)

        self.search = QLineEdit(objectName="mapSearch", placeholderText="Find address or place")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget(objectName="mapResults")
        self.results.setMaximumHeight(130)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.hide()
        self.search_note = QLabel(objectName="mapSearchNote")
        self.search_note.setWordWrap(True)
        self.search_note.hide()

        self.incident_title = QLabel("No incident in hand", objectName="incidentHeader")
        self.incident_title.setWordWrap(True)
        self.incident_place = QLabel(objectName="mapIncidentPlace")
        self.incident_place.setWordWrap(True)
        self.caller_lines = QLabel(objectName="mapCallerLines")
        self.caller_lines.setTextFormat(Qt.TextFormat.PlainText)
        self.caller_lines.setWordWrap(True)
        self.accept_device = QPushButton("Accept device location  Ctrl+D")
        self.accept_carrier = QPushButton("Accept carrier location  Ctrl+K")
        self.follow = QPushButton("Follow caller  F", checkable=True)
        self.copy = QPushButton("Copy position  Ctrl+C")
        self.notice = QLabel(objectName="banner")
        self.notice.setProperty("kind", "info")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.near = QLabel(objectName="mapNearest")
        self.near.setTextFormat(Qt.TextFormat.PlainText)
        self.near.setWordWrap(True)
        self.unplaced = QListWidget(objectName="mapUnplaced")
        self.unplaced.setMaximumHeight(120)
        self.unplaced.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.unplaced.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.layer_boxes = {
            name: QCheckBox(label, checked=True)
            for name, label in (
                ("incidents", "Incidents"),
                ("units", "Units"),
                ("cameras", "Cameras"),
            )
        }

        side = QWidget(objectName="mapSide")
        column = QVBoxLayout(side)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(5)
        column.addWidget(self.search)
        column.addWidget(self.results)
        column.addWidget(self.search_note)
        column.addWidget(_section("Incident in hand"))
        column.addWidget(self.incident_title)
        column.addWidget(self.incident_place)
        column.addWidget(self.caller_lines)
        for button in (self.accept_device, self.accept_carrier):
            column.addWidget(button)
        row = QHBoxLayout()
        row.addWidget(self.follow)
        row.addWidget(self.copy)
        column.addLayout(row)
        column.addWidget(self.notice)
        column.addWidget(_section("Nearest"))
        column.addWidget(self.near)
        column.addWidget(_section("Not on the map"))
        column.addWidget(self.unplaced)
        column.addWidget(_section("Layers"))
        layers = QHBoxLayout()
        for box in self.layer_boxes.values():
            layers.addWidget(box)
        column.addLayout(layers)
        column.addStretch(1)
        side.setMinimumWidth(290)
        side.setMaximumWidth(380)

        split = QSplitter()
        split.addWidget(self.canvas)
        split.addWidget(side)
        split.setStretchFactor(0, 1)
        split.setSizes([1100, 320])
        self.setCentralWidget(split)
        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)
        self.resize(1400, 860)

        self._search_timer = QTimer(self, singleShot=True, interval=150)
        self._search_timer.timeout.connect(self._run_search)
        self.search.textEdited.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._choose_result)
        self.results.itemActivated.connect(lambda _item: self._choose_result())
        self.accept_device.clicked.connect(lambda: self.accept(LocationSource.DEVICE))
        self.accept_carrier.clicked.connect(lambda: self.accept(LocationSource.CARRIER))
        self.follow.toggled.connect(self.canvas.set_follow)
        self.canvas.follow_changed.connect(self.follow.setChecked)
        self.copy.clicked.connect(self.canvas.copy_coordinates)
        self.canvas.coordinates_copied.connect(lambda t: self._say(f"Copied {t}"))
        self.canvas.cursor_moved.connect(self._on_cursor)
        self.canvas.incident_clicked.connect(self.show_incident)  # look; the panel follows
        self.canvas.incident_activated.connect(self.incident_chosen.emit)  # open it to work on
        self.unplaced.itemActivated.connect(
            lambda item: self.incident_chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        for name, box in self.layer_boxes.items():
            box.toggled.connect(lambda on, n=name: self._toggle_layer(n, on))
        location_menu = self.menuBar().addMenu("&Location")
        feed.snapshot_applied.connect(self._on_snapshot)
        feed.fix_arrived.connect(self._on_fix)
        for text, keys, slot in (
            ("Find", "Ctrl+F", self._focus_search),
            ("Accept device location", "Ctrl+D", lambda: self.accept(LocationSource.DEVICE)),
            ("Accept carrier location", "Ctrl+K", lambda: self.accept(LocationSource.CARRIER)),
            ("Follow caller", "F", lambda: self.canvas.set_follow(not self.canvas.follow)),
            ("Import location (PIDF-LO)…", "Ctrl+I", self._choose_import),
            ("Export location (PIDF-LO)…", "Ctrl+E", self._choose_export),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            if "PIDF" in text:
                location_menu.addAction(action)
        self._show_incident_panel()
        if feed.snapshot is not None:
            self._on_snapshot(feed.snapshot)

    # -- the incident in hand

    def show_incident(self, incident_id: uuid.UUID | None) -> None:
        self._wanted = incident_id  # the newest request wins; older ones stop at their await
        self.tasks.spawn(self._show(incident_id), "map-show-incident")

    async def _show(self, incident_id: uuid.UUID | None) -> None:
        if incident_id is None:
            self.incident = None
            self.canvas.select(None)
            self._show_incident_panel()
            return
        summary = await self.core.store.read(self.core.incidents.summary, incident_id)
        if self._wanted != incident_id:
            return
        await self.feed.show_caller(incident_id)
        if self._wanted != incident_id:
            return
        self.incident = summary
        self.canvas.select(incident_id)
        self._show_incident_panel()
        if incident_id not in self._viewed:  # who looked at this caller's location, once
            self._viewed.add(incident_id)
            await self._audit("incident.location.view", incident_id)
        await self._show_nearest()

    async def _audit(self, action: str, incident_id: uuid.UUID, **detail: object) -> None:
        await self.core.store.write(
            audit.record,
            self.actor,
            self.core.clock(),
            action,
            entity_type="incident",
            entity_id=incident_id,
            **detail,
        )

    def _show_incident_panel(self) -> None:
        incident = self.incident
        has = incident is not None
        for widget in (self.accept_device, self.accept_carrier, self.follow):
            widget.setEnabled(has)
        if incident is None:
            self.incident_title.setText("No incident in hand")
            self.incident_place.setText("Choose one in the queue or on the map.")
            self.caller_lines.setText("")
            self.near.setText("")
            return
        self.incident_title.setText(
            f"{incident.number} · {incident.type_label} · P{incident.priority}"
        )
        where = SOURCE_TEXT.get(incident.location_source, "not on the map")  # type: ignore[arg-type]
        position = incident.position
        self.incident_place.setText(
            f"{incident.address}\n{where}" + (f" · {position.text()}" if position else "")
        )
        track = self.canvas.callers.get(incident.id)
        now = self.core.clock()
        lines = []
        device = track.device if track else None
        if device is not None:
            lines.append(
                f"● Device GPS  {_fmt(device)} · {_age(device.at, now)} · "
                f"{len(track.fixes) if track else 0} fixes"
            )
        else:
            lines.append("● Device GPS  none (invite the caller to a live session)")
        carrier = track.carrier if track else None
        lines.append(f"⊕ Carrier  {_fmt(carrier)}" if carrier else "⊕ Carrier  no point")
        self.caller_lines.setText("\n".join(lines))
        self.accept_device.setEnabled(device is not None)
        self.accept_carrier.setEnabled(carrier is not None)

    async def _show_nearest(self) -> None:
        incident = self.incident
        if incident is None or incident.position is None:
            self.near.setText("Place the incident to see what is near.")
            return
        lat, lon = incident.position.lat, incident.position.lon
        radius = self.core.settings.map.nearest_radius_m

        def read(session):  # type: ignore[no-untyped-def]
            return (
                nearby.nearest_units(session, lat, lon, 4),
                nearby.nearest_cameras(session, lat, lon, 4, radius),
            )

        units, cameras = await self.core.store.read(read)
        lines = [
            "Units: "
            + (
                ", ".join(f"{u.call_sign} · {_distance(u.distance_m)}" for u in units)
                or "none placed"
            )
        ]
        lines.append(
            "Cameras: "
            + (
                ", ".join(
                    f"{c.name} · {_distance(c.distance_m)}{'' if c.facing else ' (facing away)'}"
                    for c in cameras
                )
                or f"none within {radius:.0f} m"
            )
        )
        self.near.setText("\n".join(lines))

    def accept(self, source: LocationSource) -> None:
        self.tasks.spawn(self._accept(source), "map-accept-location")

    async def _accept(self, source: LocationSource) -> None:
        incident = self.incident
        if incident is None:
            return
        track = self.canvas.callers.get(incident.id)
        point = None
        if track is not None:
            point = track.device if source == LocationSource.DEVICE else track.carrier
        if point is None:
            self._say("There is no such location to accept yet.")
            return
        position = Position(point.lat, point.lon, point.accuracy_m)
        try:
            placed = await self.core.store.write(
                self.core.incidents.place,
                self.actor,
                incident.id,
                position,
                source,
                self.core.clock(),
            )
        except RuleViolation as exc:
            self._say(str(exc), "warning")
            return
        self._say(f"{placed.number}: location set to {position.text()}", "ok")
        if self.incident is None or self.incident.id != placed.id:
            return  # another incident was taken in hand meanwhile: leave the panel to it
        self.incident = placed
        self._show_incident_panel()
        await self._show_nearest()

    # -- PIDF-LO in and out

    def _choose_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import a location (PIDF-LO)", "", "PIDF-LO (*.xml *.pidf);;All files (*)"
        )
        if name:
            self.import_pidf(Path(name))

    def import_pidf(self, path: Path) -> int:
        """Hand the locations in a PIDF-LO file to the incident in hand; how many were taken."""
        incident = self.incident
        if incident is None:
            self._say("Choose an incident first, then import its location.", "warning")
            return 0
        try:
            if path.stat().st_size > 256 * 1024:
                raise PidfError(f"is {path.stat().st_size:,} bytes; a PIDF-LO is a few kB")
            fixes = fixes_from_pidf(
                path.read_text(encoding="utf-8"), incident.id, self.core.clock(), "pidf-file"
            )
        except (OSError, UnicodeDecodeError, PidfError, PositionError) as exc:
            self._say(f"{path.name}: not imported: {exc}", "warning")
            return 0
        for fix in fixes:
            self.core.locations.report(fix)
        self.tasks.spawn(
            self._audit("incident.location.import", incident.id, file=path.name, fixes=len(fixes)),
            "audit-pidf-import",
        )
        kinds = ", ".join(sorted({f.source.value for f in fixes}))
        self._say(
            f"{path.name}: {len(fixes)} location(s) ({kinds}) added for {incident.number}.", "ok"
        )
        self._show_incident_panel()
        return len(fixes)

    def _choose_export(self) -> None:
        if self.incident is None or self.incident.position is None:
            self._say("The incident in hand has no accepted location to export.", "warning")
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the location (PIDF-LO)", f"{self.incident.number}.xml", "PIDF-LO (*.xml)"
        )
        if name:
            self.tasks.spawn(self.export_pidf(Path(name)), "export-pidf")

    async def export_pidf(self, path: Path) -> bool:
        incident = self.incident
        if incident is None or incident.position is None:
            return False
        xml = pidf_for(
            incident.position,
            f"pres:{incident.number}@{self.core.workstation}",
            incident.updated_at,
            incident.location_source,
        )
        # Recorded before the caller's location leaves the system; no record, no file.
        try:
            await self._audit("incident.location.export", incident.id, file=str(path))
        except StoreUnavailable as exc:  # the store refused: nothing leaves
            self._say(f"Not exported: it could not be recorded. {exc.user_message}", "warning")
            return False
        try:
            await asyncio.to_thread(path.write_text, xml, encoding="utf-8")
        except OSError as exc:
            self._say(f"Not exported: {exc}", "warning")
            return False
        self._say(f"Location of {incident.number} exported to {path.name}.", "ok")
        return True

    # -- find

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _run_search(self) -> None:
        text = self.search.text().strip()
        self.results.clear()
        geo = self.feed.geo
        if not text or geo is None:
            self.results.hide()
            self.search_note.hide()
            return
        matches = geo.geocode(text, limit=6)
        if not matches:
            self.results.hide()
            self.search_note.setText(f"No match for “{text}” in the agency's map.")
            self.search_note.show()
            return
        for match in matches:
            item = QListWidgetItem(f"{match.score:.2f}  {match.label}  · {match.kind}")
            item.setData(Qt.ItemDataRole.UserRole, match)
            item.setToolTip(match.note or match.label)
            self.results.addItem(item)
        self.results.setCurrentRow(0)
        self.results.show()
        note = matches[0].note
        self.search_note.setText(note)
        self.search_note.setVisible(bool(note))

    def _choose_result(self) -> None:
        if self._search_timer.isActive():
            self._search_timer.stop()
            self._run_search()
        item = self.results.currentItem()
        if item is None:
            return
        match = item.data(Qt.ItemDataRole.UserRole)
        self.canvas.centre_on(match.lat, match.lon, max(self.canvas.view.zoom, 17))
        self.canvas.set_follow(False)
        self._say(f"{match.label}  {match.lat:.6f}, {match.lon:.6f}")

    # -- the rest

    def _on_snapshot(self, snap: mapdata.MapSnapshot) -> None:
        self.unplaced.clear()
        for summary in snap.unplaced:
            item = QListWidgetItem(f"{summary.number}  {summary.type_label}  {summary.address}")
            item.setData(Qt.ItemDataRole.UserRole, summary.id)
            self.unplaced.addItem(item)
        if not snap.unplaced:
            self.unplaced.addItem("Every open incident is placed.")
        self.status.setText(
            f"{_count(len(snap.incidents), 'incident')} on the map · "
            f"{_count(len(snap.units), 'unit')} · {_count(len(snap.cameras), 'camera')}"
            + (f" · {self.feed.geo.layers.source}" if self.feed.geo is not None else "")
        )

    def _on_fix(self, fix: object) -> None:
        if self.incident is not None and getattr(fix, "incident_id", None) == self.incident.id:
            self._show_incident_panel()

    def _on_cursor(self, lat: float, lon: float) -> None:
        pass  # drawn on the canvas itself; kept as a hook for a status read-out

    def _toggle_layer(self, name: str, on: bool) -> None:
        setattr(self.canvas, f"show_{name}", on)
        self.canvas.update()

    def _say(self, text: str, kind: str = "info") -> None:
        restyle(self.notice, "kind", kind)
        self.notice.setText(text)
        self.notice.show()

    def closeEvent(self, event: object) -> None:
        self.feed.detach(self.canvas)
        super().closeEvent(event)  # type: ignore[arg-type]


def _fmt(point: TrackPoint | None) -> str:
    if point is None:
        return ""
    return Position(point.lat, point.lon, point.accuracy_m).text()


def _distance(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
