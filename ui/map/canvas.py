"""The map, drawn by Qt itself: cached base tiles, then live layers, then the caller, then the
instruments (scale bar, north arrow, coordinates under the cursor).

Keyboard: arrows pan, + and - zoom, F follows the caller, Ctrl+C copies the coordinates under
the cursor (or of the map's centre when the cursor is elsewhere). Mouse: drag to pan, wheel to
zoom about the cursor, double-click to zoom in, right-click for a menu.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Iterable

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDrag,
    QFont,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from dispatch_desk.geo.layers import GisLayers
from ui.map.basemap import BACKGROUND, TileCache, VectorBase, tile_range
from ui.map.labels import HALO, LabelSprites, paint_street_labels, street_labels
from ui.map.marks import (
    ADDRESS_PIN,
    CARRIER,
    DEVICE,
    CallerTrack,
    CameraMark,
    IncidentMark,
    PlaceMark,
    Sprites,
    TrackPoint,
    UnitMark,
    blit,
    nice_scale,
)
from ui.map.projection import TILE, Viewport, metres_per_pixel, to_latlon
from ui.map.tiles import RasterTiles
from ui.wall.mime import camera_mime

MIN_ZOOM, MAX_ZOOM = 3, 19
TILE_BUDGET_S = 0.012  # new tiles drawn per frame; the rest come on the next frames
LABEL_FROM = 16
PLACE_LABELS_FROM = 14
UNIT_LABELS_FROM = 14
INCIDENT_LABELS_FROM = 14
TEXT = QColor("#d9dfe7")
MUTED = QColor("#8b96a5")


class MapCanvas(QWidget):
    cursor_moved = Signal(float, float)  # lat, lon
    coordinates_copied = Signal(str)
    incident_clicked = Signal(object)  # uuid.UUID: one click selects, nothing more
    incident_activated = Signal(object)  # uuid.UUID: double-click, "open this one"
    camera_clicked = Signal(object)
    follow_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("mapCanvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMinimumSize(160, 120)
        self.compact = compact
        self.view = Viewport()
        self.sprites = Sprites()
        self.tiles = TileCache(None)
        self.raster: RasterTiles | None = None
        self.layers: GisLayers | None = None
        self.places: list[PlaceMark] = []
        self.labels: list[tuple[float, float, float, str, bool]] = []
        self.incidents: dict[uuid.UUID, IncidentMark] = {}
        self.units: dict[uuid.UUID, UnitMark] = {}
        self.cameras: dict[uuid.UUID, CameraMark] = {}
        self.callers: dict[uuid.UUID, CallerTrack] = {}
        self.selected: uuid.UUID | None = None
        self.follow = False
        self.show_cameras = True
        self.show_units = True
        self.show_incidents = True
        self.cursor: tuple[float, float] | None = None  # lat, lon under the mouse
        self._drag: QPointF | None = None
        self._dragged = False
        self._zoom_anim = QVariantAnimation(self, duration=160)
        self._zoom_anim.valueChanged.connect(self._on_zoom_step)
        self._zoom_anchor = QPointF()
        street_font = QFont()
        street_font.setPointSizeF(7.5)
        self.label_sprites = LabelSprites(street_font)
        self._small_font = QFont()
        self._small_font.setPointSizeF(7.0)
        self._status_font = QFont()
        self._status_font.setPointSizeF(8.0)
        self.message = ""  # shown in the corner, e.g. "Map data loading…"
        self.after_paint: list[Callable[[MapCanvas], None]] = []
        self.frame_ms: list[float] | None = None  # set to a list to record frame times

    # -- data in

    def set_layers(
        self, layers: GisLayers, *, fit: bool = True, base: VectorBase | None = None
    ) -> None:
        self.layers = layers
        self.tiles = TileCache(base if base is not None else VectorBase(layers))
        self.places = [PlaceMark(p.name, p.kind, p.lat, p.lon) for p in layers.places]
        self.labels = street_labels(layers)
        if fit and not layers.is_empty():
            min_lon, min_lat, max_lon, max_lat = layers.bounds()
            self.view.fit(min_lat, min_lon, max_lat, max_lon)
            self.view.zoom = max(self.view.zoom, 13.0)
        self.update()

    def set_raster(self, raster: RasterTiles | None) -> None:
        if self.raster is not None:
            self.raster.tile_ready.disconnect(self._on_raster_tile)
        self.raster = raster
        if raster is not None:
            raster.tile_ready.connect(self._on_raster_tile)
        self.tiles.clear()
        self.update()

    def _on_raster_tile(self, zoom: int, x: int, y: int) -> None:
        self.tiles.drop((zoom, x, y))
        self.update()

    def set_incidents(self, marks: Iterable[IncidentMark]) -> None:
        self.incidents = {m.id: m for m in marks}
        self.update()

    def set_units(self, marks: Iterable[UnitMark]) -> None:
        self.units = {m.id: m for m in marks}
        self.update()

    def set_cameras(self, marks: Iterable[CameraMark]) -> None:
        self.cameras = {m.id: m for m in marks}
        self.update()

    def caller(self, incident_id: uuid.UUID) -> CallerTrack:
        track = self.callers.get(incident_id)
        if track is None:
            track = self.callers[incident_id] = CallerTrack(incident_id)
        return track

    def add_fix(self, incident_id: uuid.UUID, point: TrackPoint, *, limit: int = 2000) -> None:
        track = self.caller(incident_id)
        track.fixes.append(point)
        if len(track.fixes) > limit:
            del track.fixes[: len(track.fixes) - limit]
        if self.follow and incident_id == self.selected:
            self.view.cx, self.view.cy = point.wx, point.wy
        self.update()

    def select(self, incident_id: uuid.UUID | None, *, centre: bool = True) -> None:
        self.selected = incident_id
        if centre and incident_id is not None:
            point = self.focus_point(incident_id)
            if point is not None:
                self.view.cx, self.view.cy = point
                self.view.zoom = max(self.view.zoom, 16.0)
        self.update()

    def focus_point(self, incident_id: uuid.UUID) -> tuple[float, float] | None:
        track = self.callers.get(incident_id)
        if track is not None and track.device is not None:
            return track.device.wx, track.device.wy
        mark = self.incidents.get(incident_id)
        if mark is not None:
            return mark.wx, mark.wy
        if track is not None:
            for point in (track.address, track.carrier):
                if point is not None:
                    return point.wx, point.wy
        return None

    def set_follow(self, on: bool) -> None:
        if on == self.follow:
            return
        self.follow = on
        if on and self.selected is not None:
            point = self.focus_point(self.selected)
            if point is not None:
                self.view.cx, self.view.cy = point
        self.follow_changed.emit(on)
        self.update()

    def centre_on(self, lat: float, lon: float, zoom: float | None = None) -> None:
        self.view.centre_on(lat, lon)
        if zoom is not None:
            self.view.zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self.update()

    # -- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        self._paint_base(painter)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        zoom = self.view.zoom
        if zoom >= LABEL_FROM and not self.compact:
            self._paint_street_labels(painter)
        self._paint_places(painter)
        if self.show_cameras and zoom >= 13:
            self._paint_cameras(painter)
        self._paint_callers(painter)
        if self.show_units:
            self._paint_units(painter)
        if self.show_incidents:
            self._paint_incidents(painter)
        self._paint_instruments(painter)
        painter.end()
        if self.frame_ms is not None:
            self.frame_ms.append((time.perf_counter() - started) * 1000)
        for hook in list(self.after_paint):
            hook(self)

    def _paint_base(self, painter: QPainter) -> None:
        view = self.view
        tile_zoom = max(0, min(MAX_ZOOM, round(view.zoom)))
        factor = 2 ** (view.zoom - tile_zoom)  # 1.0 except while a zoom animates
        size = TILE * factor
        xs, ys = tile_range(view.world_bounds(), tile_zoom)
        n = 2**tile_zoom
        deadline = time.perf_counter() + TILE_BUDGET_S
        missing = False
        if factor != 1.0:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for tx in xs:
            for ty in ys:
                key = (tile_zoom, tx, ty)
                image = self.tiles.get(key)
                if image is None:
                    if time.perf_counter() > deadline:
                        missing = True
                        continue
                    raster = None
                    if self.raster is not None:
                        known, raster = self.raster.get(key)
                        if not known and self.tiles.base is None:
                            continue
                    image = self.tiles.render(key, raster)
                    if self.raster is not None and not known:
                        self.tiles.drop(key)  # drawn without its raster; again when it comes
                sx, sy = view.to_screen(tx / n, ty / n)
                if factor == 1.0:
                    painter.drawImage(QPointF(round(sx), round(sy)), image)
                else:
                    painter.drawImage(QRectF(sx, sy, size + 0.5, size + 0.5), image)
        if missing:
            self.update()  # the rest on the next frame, so a frame never waits for all

    def _visible(self, margin: float = 40.0) -> tuple[float, float, float, float]:
        return self.view.world_bounds(margin)

    def _paint_street_labels(self, painter: QPainter) -> None:
        paint_street_labels(painter, self.view, self.labels, self.label_sprites)

    def _paint_places(self, painter: QPainter) -> None:
        if self.view.zoom < 12:
            return
        x0, y0, x1, y1 = self._visible()
        labels = self.view.zoom >= PLACE_LABELS_FROM and not self.compact
        painter.setFont(self._small_font)
        for place in self.places:
            if not (x0 <= place.wx <= x1 and y0 <= place.wy <= y1):
                continue
            sx, sy = self.view.to_screen(place.wx, place.wy)
            blit(painter, self.sprites.place(place.kind), sx, sy)
            if labels:
                self._text(painter, sx + 9, sy + 4, place.name, MUTED)

    def _paint_cameras(self, painter: QPainter) -> None:
        x0, y0, x1, y1 = self._visible()
        to_screen = self.view.to_screen
        sprite = self.sprites.camera
        for cam in self.cameras.values():
            if x0 <= cam.wx <= x1 and y0 <= cam.wy <= y1:
                sx, sy = to_screen(cam.wx, cam.wy)
                blit(painter, sprite(cam.heading_deg, cam.fov_deg, cam.openable), sx, sy)

    def _paint_units(self, painter: QPainter) -> None:
        x0, y0, x1, y1 = self._visible()
        labels = self.view.zoom >= UNIT_LABELS_FROM
        painter.setFont(self._small_font)
        # Units at the same spot (a station) share one marker and one label: "E1 L1 M7".
        groups: dict[tuple[int, int], list[UnitMark]] = {}
        for unit in self.units.values():
            if x0 <= unit.wx <= x1 and y0 <= unit.wy <= y1:
                sx, sy = self.view.to_screen(unit.wx, unit.wy)
                groups.setdefault((round(sx / 8), round(sy / 8)), []).append(unit)
        for members in groups.values():
            members.sort(key=lambda u: u.call_sign)
            sx, sy = self.view.to_screen(members[0].wx, members[0].wy)
            for n, unit in enumerate(members[:4]):
                blit(
                    painter, self.sprites.unit(unit.status, unit.discipline), sx + n * 3, sy - n * 3
                )
            if labels:
                text = " ".join(u.call_sign for u in members[:6])
                if len(members) > 6:
                    text += f" +{len(members) - 6}"
                self._text(painter, sx + 11 + 3 * min(len(members) - 1, 3), sy + 4, text, TEXT)

    def _paint_incidents(self, painter: QPainter) -> None:
        x0, y0, x1, y1 = self._visible()
        labels = self.view.zoom >= INCIDENT_LABELS_FROM
        painter.setFont(self._small_font)
        selected = None
        for mark in self.incidents.values():
            if mark.id == self.selected:
                selected = mark
                continue
            if x0 <= mark.wx <= x1 and y0 <= mark.wy <= y1:
                sx, sy = self.view.to_screen(mark.wx, mark.wy)
                blit(painter, self.sprites.incident(mark.priority, False), sx, sy)
                if labels:
                    self._text(painter, sx + 11, sy - 5, mark.number, TEXT)
        if selected is not None:  # on top of everything else
            sx, sy = self.view.to_screen(selected.wx, selected.wy)
            blit(painter, self.sprites.incident(selected.priority, True), sx, sy)
            self._text(painter, sx + 14, sy - 6, f"{selected.number} {selected.label}", TEXT)

    def _radius_px(self, point: TrackPoint) -> float:
        if not point.accuracy_m:
            return 0.0
        return point.accuracy_m / metres_per_pixel(point.lat, self.view.zoom)

    def _paint_callers(self, painter: QPainter) -> None:
        for incident_id, track in self.callers.items():
            if incident_id != self.selected and self.selected is not None:
                continue  # only the caller of the incident in hand: anything else is noise
            if track.carrier is not None:
                sx, sy = self.view.to_screen(track.carrier.wx, track.carrier.wy)
                radius = self._radius_px(track.carrier)
                if radius > 3:
                    fill = QColor(CARRIER)
                    fill.setAlpha(28)
                    painter.setBrush(fill)
                    painter.setPen(QPen(CARRIER, 1, Qt.PenStyle.DashLine))
                    painter.drawEllipse(QPointF(sx, sy), radius, radius)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(CARRIER, 2.2))
                painter.drawEllipse(QPointF(sx, sy), 6, 6)
                painter.drawLine(QPointF(sx - 9, sy), QPointF(sx + 9, sy))
                painter.drawLine(QPointF(sx, sy - 9), QPointF(sx, sy + 9))
            if track.address is not None:
                sx, sy = self.view.to_screen(track.address.wx, track.address.wy)
                pin = QPainterPath(QPointF(sx, sy))
                pin.lineTo(sx - 6, sy - 12)
                pin.arcTo(QRectF(sx - 6, sy - 18, 12, 12), 180, -180)
                pin.closeSubpath()
                painter.setPen(QPen(QColor("#0b0e12"), 1.2))
                painter.setBrush(ADDRESS_PIN)
                painter.drawPath(pin)
            if track.fixes:
                self._paint_trail(painter, track)

    def _paint_trail(self, painter: QPainter, track: CallerTrack) -> None:
        to_screen = self.view.to_screen
        recent = track.fixes[-600:]
        if len(recent) > 1:
            trail = QPolygonF([QPointF(*to_screen(p.wx, p.wy)) for p in recent])
            colour = QColor(DEVICE)
            colour.setAlpha(150)
            painter.setPen(QPen(colour, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(trail)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            for point in trail.toList()[-30:-1]:
                painter.drawEllipse(point, 2.2, 2.2)
        last = recent[-1]
        sx, sy = to_screen(last.wx, last.wy)
        radius = self._radius_px(last)
        if radius > 3:
            fill = QColor(DEVICE)
            fill.setAlpha(40)
            painter.setPen(QPen(DEVICE, 1))
            painter.setBrush(fill)
            painter.drawEllipse(QPointF(sx, sy), radius, radius)
        painter.setPen(QPen(QColor("#ffffff"), 2))
        painter.setBrush(DEVICE)
        painter.drawEllipse(QPointF(sx, sy), 6.5, 6.5)

    def _text(self, painter: QPainter, x: float, y: float, text: str, colour: QColor) -> None:
        self.label_sprites.draw_text(painter, x, y, text, colour)

    def _paint_instruments(self, painter: QPainter) -> None:
        w, h = self.width(), self.height()
        painter.setFont(self._status_font)
        # Scale bar, bottom left.
        lat = to_latlon(self.view.cx, self.view.cy)[0]
        length, label = nice_scale(
            metres_per_pixel(lat, self.view.zoom), 120 if not self.compact else 70
        )
        x, y = 12, h - 14
        painter.setPen(QPen(HALO, 5))
        painter.drawLine(QPointF(x, y), QPointF(x + length, y))
        painter.setPen(QPen(TEXT, 2))
        painter.drawLine(QPointF(x, y), QPointF(x + length, y))
        painter.drawLine(QPointF(x, y - 5), QPointF(x, y))
        painter.drawLine(QPointF(x + length, y - 5), QPointF(x + length, y))
        self._text(painter, x + length + 6, y + 4, label, TEXT)
        # North arrow, top right (the map is always north up).
        cx, cy = w - 22, 26
        arrow = QPolygonF(
            [
                QPointF(cx, cy - 13),
                QPointF(cx + 7, cy + 8),
                QPointF(cx, cy + 3),
                QPointF(cx - 7, cy + 8),
            ]
        )
        painter.setPen(QPen(HALO, 1.5))
        painter.setBrush(TEXT)
        painter.drawPolygon(arrow)
        self._text(painter, cx - 4, cy + 21, "N", TEXT)
        # Coordinates under the cursor, bottom right; messages above them.
        if not self.compact:
            where = self.cursor_text()
            self._text(
                painter,
                w - painter.fontMetrics().horizontalAdvance(where) - 12,
                h - 10,
                where,
                MUTED,
            )
        if self.message:
            self._text(painter, 12, 20, self.message, MUTED)
        if self.follow:
            self._text(
                painter,
                12,
                20 if not self.message else 36,
                "Following caller (F)",
                QColor("#3fb8ff"),
            )

    # -- coordinates

    def cursor_text(self) -> str:
        if self.cursor is None:
            lat, lon = to_latlon(self.view.cx, self.view.cy)
        else:
            lat, lon = self.cursor
        return f"{lat:.6f}, {lon:.6f}"

    def copy_coordinates(self) -> str:
        text = self.cursor_text()
        QGuiApplication.clipboard().setText(text)
        self.coordinates_copied.emit(text)
        return text

    # -- input

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.view.width, self.view.height = self.width(), self.height()
        super().resizeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self._dragged = False
        super().mousePressEvent(event)

    def camera_drag_data(self, pos: QPointF) -> QMimeData | None:
        """A camera mark under ``pos`` offered to a camera wall (ui.wall.mime), or None."""
        hit = self.mark_at(pos)
        if hit is None or hit[0] != "camera":
            return None
        return camera_mime([hit[1]])

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        self.cursor = self.view.latlon_at(pos.x(), pos.y())
        self.cursor_moved.emit(*self.cursor)
        start = self._drag
        if start is not None and not self._dragged:
            # A drag that starts on a camera carries the camera (onto a wall tile), not the map.
            moved = (pos - start).manhattanLength() >= QApplication.startDragDistance()
            data = self.camera_drag_data(start) if moved else None
            if data is not None:
                self._drag = None
                drag = QDrag(self)
                drag.setMimeData(data)
                drag.exec(Qt.DropAction.CopyAction)
                return
        if self._drag is not None:
            delta = pos - self._drag
            if abs(delta.x()) + abs(delta.y()) > 2 or self._dragged:
                self._dragged = True
                self._drag = pos
                if self.follow:
                    self.set_follow(False)  # the dispatcher looks elsewhere
                self.view.pan_pixels(delta.x(), delta.y())
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            if not self._dragged:
                self._click(event.position())
            self._drag = None
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event: object) -> None:
        self.cursor = None
        self.update()

    def mark_at(self, pos: QPointF) -> tuple[str, uuid.UUID] | None:
        """The incident or camera drawn under pos (hidden layers do not count)."""
        best: tuple[float, str, uuid.UUID] | None = None
        layers = []
        if self.show_incidents:
            layers.append(("incident", self.incidents.values()))
        if self.show_cameras and self.view.zoom >= 13:
            layers.append(("camera", self.cameras.values()))
        for kind, marks in layers:
            for mark in marks:
                sx, sy = self.view.to_screen(mark.wx, mark.wy)
                d = math.hypot(sx - pos.x(), sy - pos.y())
                if d <= 12 and (best is None or d < best[0]):
                    best = (d, kind, mark.id)
        return (best[1], best[2]) if best is not None else None

    def _click(self, pos: QPointF) -> None:
        hit = self.mark_at(pos)
        if hit is None:
            return
        kind, mark_id = hit
        if kind == "incident":
            self.select(mark_id, centre=False)
            self.incident_clicked.emit(mark_id)
        else:
            self.camera_clicked.emit(mark_id)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self.mark_at(event.position())
        if hit is not None and hit[0] == "incident":
            self.incident_activated.emit(hit[1])
            return
        self.zoom_to(round(self.view.zoom) + 1, event.position())

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            target = round(self._zoom_target()) + (1 if steps > 0 else -1)
            self.zoom_to(target, event.position())
        event.accept()

    def _zoom_target(self) -> float:
        if self._zoom_anim.state() == QVariantAnimation.State.Running:
            return float(self._zoom_anim.endValue())
        return self.view.zoom

    def zoom_to(self, zoom: float, anchor: QPointF | None = None, *, animate: bool = True) -> None:
        zoom = float(max(MIN_ZOOM, min(MAX_ZOOM, zoom)))
        self._zoom_anchor = (
            anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        )
        if self.follow and self.selected is not None:
            self._zoom_anchor = QPointF(self.width() / 2, self.height() / 2)
        self._zoom_anim.stop()
        if not animate or not self.isVisible():
            self._on_zoom_step(zoom)
            return
        self._zoom_anim.setStartValue(self.view.zoom)
        self._zoom_anim.setEndValue(zoom)
        self._zoom_anim.start()

    def _on_zoom_step(self, value: object) -> None:
        self.view.zoom_about(float(value), self._zoom_anchor.x(), self._zoom_anchor.y())  # type: ignore[arg-type]
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        pans = {
            Qt.Key.Key_Left: (120, 0),
            Qt.Key.Key_Right: (-120, 0),
            Qt.Key.Key_Up: (0, 120),
            Qt.Key.Key_Down: (0, -120),
        }
        if key in pans:
            if self.follow:
                self.set_follow(False)
            self.view.pan_pixels(*pans[key])
            self.update()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_to(round(self._zoom_target()) + 1)
        elif key == Qt.Key.Key_Minus:
            self.zoom_to(round(self._zoom_target()) - 1)
        elif key == Qt.Key.Key_F and not event.modifiers():
            self.set_follow(not self.follow)
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copy_coordinates()
        else:
            super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        pos = event.pos()
        self.cursor = self.view.latlon_at(pos.x(), pos.y())
        menu = QMenu(self)
        menu.addAction(f"Copy coordinates  {self.cursor_text()}", self.copy_coordinates)
        menu.addAction("Centre here", lambda: self._centre_at(pos.x(), pos.y()))
        follow = menu.addAction("Follow caller", lambda: self.set_follow(not self.follow))
        follow.setCheckable(True)
        follow.setChecked(self.follow)
        menu.exec(event.globalPos())

    def _centre_at(self, sx: float, sy: float) -> None:
        self.view.cx, self.view.cy = self.view.to_world(sx, sy)
        self.update()
