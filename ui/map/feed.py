"""Keeps map canvases in step with the workstation: the agency's layers once loaded, open
incidents, units and cameras after each stored change, and callers' fixes the moment they come.

A fix can arrive on any thread (a live session, a carrier feed); it reaches the canvas through a
queued signal, so nothing but the GUI thread touches a widget, and nothing waits for the store.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.domain.location import Position
from dispatch_desk.events import Change
from dispatch_desk.services import mapdata
from dispatch_desk.services.locations import Fix
from ui.map.basemap import VectorBase
from ui.map.canvas import MapCanvas
from ui.map.marks import CameraMark, IncidentMark, TrackPoint, UnitMark
from ui.map.tiles import RasterTiles, TileSourceError, open_source
from ui.tasks import TaskOwner

logger = logging.getLogger(__name__)

MAP_KINDS = frozenset({"incident", "unit", "assignment", "camera"})


class MapFeed(QObject):
    fix_arrived = Signal(object)
    snapshot_applied = Signal(object)  # mapdata.MapSnapshot
    layers_ready = Signal(object)  # GeoService

    def __init__(self, core: DeskCore, tasks: TaskOwner) -> None:
        super().__init__()
        self.core = core
        self.tasks = tasks
        self.canvases: list[MapCanvas] = []
        self.geo = None
        self.snapshot: mapdata.MapSnapshot | None = None
        self.raster: RasterTiles | None = None
        self.base: VectorBase | None = None
        self._refreshing = False
        self._again = False
        self.fix_arrived.connect(self._apply_fix)
        self._unsubscribe: list[Callable[[], None]] = [
            core.locations.subscribe(self.fix_arrived.emit),
            core.bus.subscribe(self._on_changes),
        ]

    def attach(self, canvas: MapCanvas) -> None:
        self.canvases.append(canvas)
        if self.geo is not None:
            canvas.set_layers(self.geo.layers, base=self.base)
        else:
            canvas.message = "Map data loading…"
        if self.raster is not None:
            canvas.set_raster(self.raster)
        if self.snapshot is not None:
            self._apply(self.snapshot, [canvas])

    def detach(self, canvas: MapCanvas) -> None:
        if canvas in self.canvases:
            self.canvases.remove(canvas)

    async def start(self) -> None:
        try:
            self.geo = await self.core.geo()
        except Exception as exc:  # the map is not worth stopping calls for
            logger.exception("map data could not be loaded")
            for canvas in self.canvases:
                canvas.message = f"Map data could not be loaded: {exc}"
                canvas.update()
        else:
            message = "" if not self.geo.layers.is_empty() else "No map data imported"
            if getattr(self.geo, "problem", ""):  # imported layers unusable: said, not hidden
                message = f"Map data: {self.geo.problem}"
            # Building the drawable streets takes ~0.1 s for a town: not on the GUI thread.
            self.base = await asyncio.to_thread(VectorBase, self.geo.layers)
            for canvas in self.canvases:
                canvas.message = message
                canvas.set_layers(self.geo.layers, base=self.base)
            self.layers_ready.emit(self.geo)
        self._open_raster()
        await self.refresh()

    def _open_raster(self) -> None:
        spec = self.core.settings.map.tiles
        try:
            source = open_source(spec, self.core.paths.tile_cache_dir)
        except TileSourceError as exc:  # the agency's streets still draw; say why once
            logger.warning("base map not used: %s", exc)
            for canvas in self.canvases:
                canvas.message = f"Base map not used: {exc}"
            return
        if source is None:
            return
        self.raster = RasterTiles(source)
        for canvas in self.canvases:
            canvas.set_raster(self.raster)

    async def refresh(self) -> None:
        if self._refreshing:
            self._again = True
            return
        self._refreshing = True
        try:
            while True:
                self._again = False
                snap = await self.core.store.read(mapdata.snapshot, self.core.incidents)
                self.snapshot = snap
                self._apply(snap, self.canvases)
                self.snapshot_applied.emit(snap)
                if not self._again:
                    break
        finally:
            self._refreshing = False

    def _apply(self, snap: mapdata.MapSnapshot, canvases: list[MapCanvas]) -> None:
        incidents = [
            IncidentMark(s.id, s.number, s.type_label, s.priority, s.latitude, s.longitude)  # type: ignore[arg-type]
            for s in snap.incidents
        ]
        units = [
            UnitMark(u.id, u.call_sign, u.status, u.discipline, u.lat, u.lon) for u in snap.units
        ]
        cameras = [
            CameraMark(c.id, c.name, c.lat, c.lon, c.heading_deg, c.fov_deg, c.openable)
            for c in snap.cameras
        ]
        for canvas in canvases:
            canvas.set_incidents(incidents)
            canvas.set_units(units)
            canvas.set_cameras(cameras)

    async def show_caller(self, incident_id: uuid.UUID) -> None:
        """Load what is known of where this incident's caller is onto every canvas."""
        places = await self.core.store.read(mapdata.caller_places, incident_id)
        live = self.core.locations.trail(incident_id)
        known = {(f.at, f.lat, f.lon) for f in places.device}
        fixes = places.device + [f for f in live if (f.at, f.lat, f.lon) not in known]
        fixes.sort(key=lambda f: f.at)
        for canvas in self.canvases:
            track = canvas.caller(incident_id)
            # A carrier point that came live may not be written yet: keep it over nothing.
            track.carrier = _point(places.carrier) or track.carrier
            track.address = _point(places.address)
            track.fixes = [TrackPoint(f.lat, f.lon, f.accuracy_m, f.at) for f in fixes]
            canvas.update()

    def _apply_fix(self, fix: Fix) -> None:
        point = TrackPoint(fix.lat, fix.lon, fix.accuracy_m, fix.at)
        for canvas in self.canvases:
            if fix.source == LocationSource.DEVICE:
                canvas.add_fix(fix.incident_id, point)
            elif fix.source == LocationSource.CARRIER:  # replaces the carrier's last point
                canvas.caller(fix.incident_id).carrier = point
                canvas.update()
            # Other reported points (a PIDF-LO marked "Manual") are recorded, not drawn as
            # either: nobody should accept them as the carrier's or the phone's.

    def _on_changes(self, changes: list[Change]) -> None:
        if any(c.kind in MAP_KINDS for c in changes):
            self.tasks.spawn(self.refresh(), "map-refresh")

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self.canvases.clear()
        if self.raster is not None:
            self.raster.close()


def _point(position: Position | None) -> TrackPoint | None:
    if position is None:
        return None
    return TrackPoint(position.lat, position.lon, position.uncertainty_m, datetime.now(UTC))
