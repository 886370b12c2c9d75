"""The agency's own streets, address points and boundaries drawn as 256-pixel tiles.

The features are projected once into world units and bucketed on a grid of zoom-15 cells, each
cell holding one path per street class; a tile draws only the cells under it, with cosmetic
pens, so a tile costs about the same anywhere in a city of any size. Tiles are cached, so a
pan redraws only the strip that came into view.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

from dispatch_desk.geo.layers import GisLayers
from ui.map.projection import TILE, to_world

GRID = 15  # cell size: one zoom-15 tile (about 1.2 km across at 42°)
MAJOR_ONLY_BELOW = 13
ADDRESS_DOTS_FROM = 17
HOUSE_NUMBERS_FROM = 18

BACKGROUND = QColor("#10141a")
WATER = QColor("#13263a")
BOUNDARY = QColor("#6d5a96")
MINOR = QColor("#39424e")
MAJOR = QColor("#5b6676")
CASING = QColor("#0b0e12")
ADDRESS = QColor("#4d5867")
NUMBER_TEXT = QColor("#7f8b9a")


@dataclass
class _Cell:
    minor: QPainterPath = field(default_factory=QPainterPath)
    major: QPainterPath = field(default_factory=QPainterPath)
    addresses: list[tuple[float, float, str]] = field(default_factory=list)


def _street_width(zoom: int, major: bool) -> float:
    base = max(0.6, 0.5 * 2 ** ((zoom - 13) * 0.55))
    return min(base * (1.8 if major else 1.0), 18.0)


class VectorBase:
    """Streets, address points and boundaries ready to draw; built once per set of layers."""

    def __init__(self, layers: GisLayers) -> None:
        self.source = layers.source
        self.cells: dict[tuple[int, int], _Cell] = {}
        self.majors = QPainterPath()  # for low zooms, where the grid would be too many cells
        self.boundaries: list[tuple[QPainterPath, str]] = []
        n = 2**GRID
        for street in layers.streets:
            if len(street.coords) < 2:
                continue
            points = [to_world(lat, lon) for lon, lat in street.coords]
            path = QPainterPath(QPointF(*points[0]))
            for x, y in points[1:]:
                path.lineTo(x, y)
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            for cx in range(int(min(xs) * n), int(max(xs) * n) + 1):
                for cy in range(int(min(ys) * n), int(max(ys) * n) + 1):
                    cell = self.cells.setdefault((cx, cy), _Cell())
                    (cell.major if street.major else cell.minor).addPath(path)
            if street.major:
                self.majors.addPath(path)
        for point in layers.addresses:
            x, y = to_world(point.lat, point.lon)
            cell = self.cells.setdefault((int(x * n), int(y * n)), _Cell())
            number = f"{point.number}{point.suffix}"
            cell.addresses.append((x, y, number))
        for boundary in layers.boundaries:
            path = QPainterPath()
            for ring in boundary.rings:
                if len(ring) < 3:
                    continue
                points = [to_world(lat, lon) for lon, lat in ring]
                path.moveTo(*points[0])
                for x, y in points[1:]:
                    path.lineTo(x, y)
                path.closeSubpath()
            self.boundaries.append((path, boundary.kind))
        # Built on a worker thread: only plain geometry here. Fonts belong to the GUI thread,
        # so the house-number font is made at the first render.
        self._number_font: QFont | None = None

    def render(self, image: QImage, zoom: int, tx: int, ty: int) -> None:
        """Draw tile (zoom, tx, ty) onto ``image`` (already filled or holding a raster tile)."""
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        scale = TILE * 2**zoom
        painter.translate(-tx * TILE, -ty * TILE)
        painter.scale(scale, scale)
        span = 1 / 2**zoom
        tile_rect = QRectF(tx * span, ty * span, span, span)
        self._boundaries(painter, tile_rect, zoom)
        if zoom < MAJOR_ONLY_BELOW:
            self._stroke(painter, [self.majors], zoom, major=True)
            painter.end()
            return
        cells = self._cells(zoom, tx, ty)
        self._stroke(painter, [c.minor for c in cells if not c.minor.isEmpty()], zoom, major=False)
        self._stroke(painter, [c.major for c in cells if not c.major.isEmpty()], zoom, major=True)
        if zoom >= ADDRESS_DOTS_FROM:
            painter.resetTransform()
            self._addresses(painter, cells, zoom, tx, ty)
        painter.end()

    def _cells(self, zoom: int, tx: int, ty: int) -> list[_Cell]:
        if zoom >= GRID:
            shift = zoom - GRID
            cell = self.cells.get((tx >> shift, ty >> shift))
            return [cell] if cell is not None else []
        shift = GRID - zoom
        out = []
        for cx in range(tx << shift, (tx + 1) << shift):
            for cy in range(ty << shift, (ty + 1) << shift):
                cell = self.cells.get((cx, cy))
                if cell is not None:
                    out.append(cell)
        return out

    def _stroke(self, painter: QPainter, paths: list[QPainterPath], zoom: int, major: bool) -> None:
        if not paths:
            return
        width = _street_width(zoom, major)
        for colour, extra in ((CASING, 1.6), (MAJOR if major else MINOR, 0.0)):
            pen = QPen(colour, width + extra)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            for path in paths:
                painter.drawPath(path)

    def _boundaries(self, painter: QPainter, tile_rect: QRectF, zoom: int) -> None:
        for path, kind in self.boundaries:
            if not path.boundingRect().intersects(tile_rect):
                continue
            if kind == "water":
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(WATER)
            else:
                pen = QPen(BOUNDARY, 1.4 if kind == "town" else 1.0)
                pen.setCosmetic(True)
                pen.setStyle(Qt.PenStyle.DashLine if kind == "town" else Qt.PenStyle.DotLine)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _addresses(
        self, painter: QPainter, cells: list[_Cell], zoom: int, tx: int, ty: int
    ) -> None:
        scale = TILE * 2**zoom
        ox, oy = tx * TILE, ty * TILE
        radius = 1.6 if zoom < HOUSE_NUMBERS_FROM else 2.2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ADDRESS)
        numbers = zoom >= HOUSE_NUMBERS_FROM
        drawn: list[tuple[float, float, str]] = []
        for cell in cells:
            for x, y, number in cell.addresses:
                px, py = x * scale - ox, y * scale - oy
                if -8 <= px <= TILE + 8 and -8 <= py <= TILE + 8:
                    painter.drawEllipse(QPointF(px, py), radius, radius)
                    if numbers:
                        drawn.append((px, py, number))
        if drawn:
            if self._number_font is None:
                self._number_font = QFont()
                self._number_font.setPointSizeF(6.5)
            painter.setFont(self._number_font)
            painter.setPen(NUMBER_TEXT)
            for px, py, number in drawn:
                painter.drawText(QPointF(px + 3.5, py + 3), number)


class TileCache:
    """Rendered tiles, most recently used kept; a raster layer (if any) is drawn underneath."""

    def __init__(self, base: VectorBase | None, capacity: int = 240) -> None:
        self.base = base
        self.capacity = capacity
        self._tiles: OrderedDict[tuple[int, int, int], QImage] = OrderedDict()
        self.rendered = 0

    def clear(self) -> None:
        self._tiles.clear()

    def drop(self, key: tuple[int, int, int]) -> None:
        self._tiles.pop(key, None)

    def get(self, key: tuple[int, int, int]) -> QImage | None:
        tile = self._tiles.get(key)
        if tile is not None:
            self._tiles.move_to_end(key)
        return tile

    def render(self, key: tuple[int, int, int], raster: QImage | None) -> QImage:
        zoom, tx, ty = key
        image = QImage(TILE, TILE, QImage.Format.Format_ARGB32_Premultiplied)
        if raster is not None:
            painter = QPainter(image)
            painter.drawImage(QRectF(0, 0, TILE, TILE), raster)
            painter.end()
        else:
            image.fill(BACKGROUND)
        if self.base is not None and (raster is None or zoom >= MAJOR_ONLY_BELOW):
            self.base.render(image, zoom, tx, ty)
        self._tiles[key] = image
        self.rendered += 1
        while len(self._tiles) > self.capacity:
            self._tiles.popitem(last=False)
        return image


def tile_range(bounds: tuple[float, float, float, float], zoom: int) -> tuple[range, range]:
    n = 2**zoom
    x0, y0, x1, y1 = bounds
    xs = range(max(0, math.floor(x0 * n)), min(n - 1, math.floor(x1 * n)) + 1)
    ys = range(max(0, math.floor(y0 * n)), min(n - 1, math.floor(y1 * n)) + 1)
    return xs, ys
